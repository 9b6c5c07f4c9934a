"""The built-in port scan: asyncio TCP connects with a concurrency limit and a timeout on every connect."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from collections.abc import Iterator, Sequence

from scanner.errors import ProbeError
from scanner.model import Host

METHOD = "connect"


def connect_scan(
    addresses: Sequence[str], ports: Sequence[int], *, timeout: float = 1.5, concurrency: int = 256
) -> tuple[Host, ...]:
    """The hosts with at least one port that accepted a TCP connection, sorted by address."""
    return asyncio.run(connect_scan_async(addresses, ports, timeout=timeout, concurrency=concurrency))


async def connect_scan_async(
    addresses: Sequence[str], ports: Sequence[int], *, timeout: float = 1.5, concurrency: int = 256
) -> tuple[Host, ...]:
    """As connect_scan, for callers already inside an event loop."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    pairs = _pairs(addresses, ports)
    open_ports: dict[str, set[int]] = {}
    # A fixed pool of workers pulls from one iterator, so a /16 x 16 ports never becomes a million tasks.
    workers = [_worker(pairs, open_ports, timeout) for _ in range(min(concurrency, len(addresses) * len(ports)))]
    await asyncio.gather(*workers)
    return tuple(
        Host(address=address, open_ports=tuple(sorted(found)), discovered_by=(METHOD,))
        for address, found in sorted(open_ports.items(), key=lambda item: _sort_key(item[0]))
    )


async def _worker(pairs: Iterator[tuple[str, int]], open_ports: dict[str, set[int]], timeout: float) -> None:
    for address, port in pairs:  # safe to share: the loop is single-threaded and next() never awaits
        if await port_open(address, port, timeout):
            open_ports.setdefault(address, set()).add(port)


async def port_open(address: str, port: int, timeout: float) -> bool:
    """True when a TCP connect succeeds; refused, unreachable or silent (timeout) all mean not open."""
    ip = ipaddress.ip_address(address)
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, (address, port)), timeout)
    except (TimeoutError, ConnectionRefusedError):
        return False
    except OSError as exc:
        if exc.errno in _NOT_OPEN:
            return False
        # A local fault (too many open files, no buffers): stop loudly rather than report "nothing found".
        raise ProbeError(f"TCP connect scan failed at {address}:{port}: {exc.strerror or exc}") from None
    finally:
        sock.close()
    return True


# Errors that say "nothing listens here" or "cannot reach it", as opposed to a local fault (EMFILE...).
_NOT_OPEN = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EHOSTDOWN,
        errno.ETIMEDOUT,
        errno.EADDRNOTAVAIL,
        errno.ENETDOWN,
        errno.EACCES,
        errno.EPERM,
    }
)


def _pairs(addresses: Sequence[str], ports: Sequence[int]) -> Iterator[tuple[str, int]]:
    # Port-major order spreads the connects to one host over time instead of hitting all its ports at once.
    for port in ports:
        for address in addresses:
            yield address, port


def _sort_key(address: str) -> tuple[int, int]:
    ip = ipaddress.ip_address(address)
    return ip.version, int(ip)
