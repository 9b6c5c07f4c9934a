"""Port discovery: nmap when it is there and works, else the built-in TCP connect scan, and a note saying so."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.discovery import nmap_scan, tcp_connect
from scanner.discovery.nmap_scan import hosts_from_nmap, mac_vendors
from scanner.errors import ProbeError
from scanner.model import Host

__all__ = ["PortScan", "hosts_from_nmap", "scan_ports"]


@dataclass(frozen=True)
class PortScan:
    """The hosts with at least one open port, how they were found, and why the fallback ran (if it did).

    `mac_vendors` pairs a MAC (upper case) with nmap's vendor name for it, when nmap saw the MAC (root, same
    L2 segment); Host has no field for it yet.
    """

    hosts: tuple[Host, ...]
    method: str  # "nmap" | "connect"
    note: str | None = None
    mac_vendors: tuple[tuple[str, str], ...] = ()

    def vendor_of(self, mac: str | None) -> str | None:
        """nmap's vendor name for a MAC address, or None."""
        wanted = (mac or "").upper()
        return next((vendor for known, vendor in self.mac_vendors if known == wanted), None)


def scan_ports(
    addresses: Sequence[str],
    ports: Sequence[int],
    *,
    use_nmap: bool = True,
    nmap_path: str | None = None,
    timeout: float = 1.5,
    concurrency: int = 256,
    arp: bool = False,
) -> PortScan:
    """Find the open TCP ports among `ports` on `addresses`; never sends anything but TCP connects.

    `arp`: the targets are all on an attached segment, so a root nmap may find live hosts by ARP first.
    """
    if not addresses or not ports:
        return PortScan(hosts=(), method=nmap_scan.METHOD if use_nmap else tcp_connect.METHOD)
    if use_nmap:
        try:
            return _with_nmap(addresses, ports, nmap_path, timeout, arp)
        except ProbeError as exc:
            note = f"{_reason(str(exc))}: used the built-in TCP connect scan"
    else:
        note = None
    hosts = tcp_connect.connect_scan(addresses, ports, timeout=timeout, concurrency=concurrency)
    return PortScan(hosts=hosts, method=tcp_connect.METHOD, note=note)


def _with_nmap(
    addresses: Sequence[str], ports: Sequence[int], nmap_path: str | None, timeout: float, arp: bool
) -> PortScan:
    # nmap scans IPv4 or IPv6 in one run, not both: one run per family present.
    hosts: list[Host] = []
    vendors: list[tuple[str, str]] = []
    for family in _families(addresses):
        result = nmap_scan.run_nmap(family, ports, nmap_path=nmap_path, timeout=timeout, arp=arp)
        hosts.extend(hosts_from_nmap(result))
        vendors.extend(mac_vendors(result))
    return PortScan(hosts=tuple(hosts), method=nmap_scan.METHOD, mac_vendors=tuple(sorted(set(vendors))))


def _families(addresses: Sequence[str]) -> list[list[str]]:
    v4 = [a for a in addresses if ipaddress.ip_address(a).version == 4]
    v6 = [a for a in addresses if ipaddress.ip_address(a).version == 6]
    return [group for group in (v4, v6) if group]


def _reason(message: str) -> str:
    """A short cause for the note: python-nmap's not-found message carries the whole PATH."""
    if "not found" in message.lower():
        return "nmap not found"
    return f"nmap failed ({message})"
