"""The local interfaces and their addresses, and the one that routes to an address (Linux ioctl and ifaddr)."""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from dataclasses import dataclass

import ifaddr

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


def _flags(name: str) -> int:
    """The interface's IFF_* flags, or 0 when they cannot be read (then it is not used)."""
    request = struct.pack("16sH", name.encode()[:15], 0)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            answer = fcntl.ioctl(sock.fileno(), _SIOCGIFFLAGS, request)
    except OSError:
        return 0
    return int(struct.unpack("16sH", answer[:18])[1])


def source_interface(address: str) -> str:
    """`name (local address)` of the interface that routes to `address`. A UDP connect sends no packet."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((address, 9))
            local = str(probe.getsockname()[0])
    except OSError:
        return "unknown"
    name = interface_holding(local)
    return f"{name} ({local})" if name else local


def interface_holding(address: str) -> str | None:
    """The name of the local interface that holds `address` (IPv4 or IPv6), or None."""
    wanted = _ip(address)
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if wanted is not None and _ip(ip.ip if isinstance(ip.ip, str) else ip.ip[0]) == wanted:
                return str(adapter.name)
    return None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address without an IPv6 zone (`fe80::1%eth0`), or None when it is not one."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
