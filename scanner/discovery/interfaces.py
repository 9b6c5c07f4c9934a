"""Which local interfaces may carry the scan's multicast and broadcast probes: only those on a target's subnet."""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ifaddr

from scanner.errors import UsageError

_SIOCGIFFLAGS = 0x8913  # Linux ioctl: read an interface's flags
_IFF_UP, _IFF_LOOPBACK, _IFF_MULTICAST = 0x1, 0x8, 0x1000


@dataclass(frozen=True)
class Interface:
    """One IPv4 address of a local interface, with the flags that decide whether it may carry multicast."""

    name: str
    address: str
    network: ipaddress.IPv4Network
    up: bool
    loopback: bool
    multicast: bool

    @property
    def broadcast(self) -> str:
        """The subnet's directed broadcast: it stays on this subnet, unlike 255.255.255.255 (sent by route)."""
        return str(self.network.broadcast_address)


def local_interfaces() -> tuple[Interface, ...]:
    """Every IPv4 address of every local interface, with its flags (read by ioctl; unknown flags = unusable)."""
    found = []
    for adapter in ifaddr.get_adapters():
        flags = _flags(adapter.name)
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries are tuples; the segment methods here are IPv4
            network = ipaddress.IPv4Network(f"{ip.ip}/{ip.network_prefix}", strict=False)
            found.append(
                Interface(
                    name=adapter.name,
                    address=ip.ip,
                    network=network,
                    up=bool(flags & _IFF_UP),
                    loopback=bool(flags & _IFF_LOOPBACK) or network.is_loopback,
                    multicast=bool(flags & _IFF_MULTICAST),
                )
            )
    return tuple(found)


def choose_interfaces(
    interfaces: Iterable[Interface], addresses: Sequence[str], wanted: str | None = None
) -> tuple[Interface, ...]:
    """The interfaces multicast may go out on: up, multicast-capable, not loopback, with a target on their subnet.

    `wanted` names one interface (the user's `--interface`); UsageError when it cannot carry multicast for
    these targets, so a typo is never silently "no camera found". Without `wanted`, an empty result means the
    targets are routed or on loopback: only unicast discovery applies.
    """
    targets = [ipaddress.ip_address(a) for a in addresses]
    v4 = [t for t in targets if isinstance(t, ipaddress.IPv4Address)]
    candidates = [i for i in interfaces if wanted is None or i.name == wanted]
    if wanted is not None and not candidates:
        raise UsageError(f"--interface {wanted}: no such interface with an IPv4 address")
    chosen = [i for i in candidates if _usable(i) and _holds_target(i.network, v4)]
    if wanted is not None and not chosen:
        raise UsageError(f"--interface {wanted}: {_why_not(candidates, v4)}")
    return tuple(chosen)


def _usable(interface: Interface) -> bool:
    return interface.up and interface.multicast and not interface.loopback


def _holds_target(network: ipaddress.IPv4Network, targets: Sequence[ipaddress.IPv4Address]) -> bool:
    return any(t in network for t in targets)


def _why_not(candidates: Sequence[Interface], targets: Sequence[ipaddress.IPv4Address]) -> str:
    first = candidates[0]
    if first.loopback:
        return "a loopback interface carries no discovery multicast"
    if not first.up or not first.multicast:
        return "the interface is down or cannot send multicast"
    nets = ", ".join(str(i.network) for i in candidates)
    return f"no target is on its subnet ({nets}): multicast would only reach other networks' neighbours"


def _flags(name: str) -> int:
    """The interface's IFF_* flags, or 0 when they cannot be read (then it is not used)."""
    request = struct.pack("16sH", name.encode()[:15], 0)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            answer = fcntl.ioctl(sock.fileno(), _SIOCGIFFLAGS, request)
    except OSError:
        return 0
    return int(struct.unpack("16sH", answer[:18])[1])
