"""Where each destination is, once the whole scan is in (pure): on the premises (an address in the scan's scope, and
which audited device it is), a private address elsewhere, the internet, a maker's cloud, or a host name camaudit
does not resolve. No name is ever looked up: a DNS query is network traffic, and it would tell the device's
resolver's answer, not the device's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Sequence
from dataclasses import replace

from scanner.matching.schema import CloudService
from scanner.model import Destination, DeviceReport, ScanResult
from scanner.vocabulary import DestinationKind, Place

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Addresses that never leave a site through its way out: private use (RFC 1918, IPv6 unique local), shared address
# space behind a carrier's NAT (RFC 6598), link-local and loopback. Every other unicast address is the internet's
# (documentation ranges too: a device sends to them through its default route like to any public address).
LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
        "fc00::/7", "fe80::/10", "::1/128",
    )
)  # fmt: skip


def place_result(result: ScanResult, scope: Collection[str], clouds: Sequence[CloudService]) -> ScanResult:
    """The scan with every destination placed and linked to the audited device it names, if any."""
    audited = {a: d.address for d in result.devices if (a := _address(d.address)) is not None}
    inside = {a for a in (_address(s) for s in scope) if a is not None}
    devices = tuple(_placed(d, inside, audited, clouds) for d in result.devices)
    return replace(result, devices=devices)


def _placed(
    device: DeviceReport, scope: Collection[IPAddress], audited: dict[IPAddress, str],
    clouds: Sequence[CloudService],
) -> DeviceReport:  # fmt: skip
    if not device.destinations:
        return device
    placed = tuple(place_one(d, scope, audited, clouds) for d in device.destinations)
    return replace(device, destinations=placed)


def place_one(
    destination: Destination, scope: Collection[IPAddress], audited: dict[IPAddress, str],
    clouds: Sequence[CloudService],
) -> Destination:  # fmt: skip
    """One destination placed: its class, the audited device it is, and the cloud's name for a cloud host."""
    host = destination.host
    if host is None:
        place = Place.VENDOR_CLOUD if destination.kind == DestinationKind.CLOUD else Place.UNRESOLVED
        return replace(destination, place=place, device=None)
    address = _address(host)
    if address is None:
        cloud = cloud_of(host, clouds)
        if cloud is None:
            return replace(destination, place=Place.UNRESOLVED, device=None)
        return replace(destination, place=Place.VENDOR_CLOUD, device=None, service=destination.service or cloud.name)
    return replace(destination, place=address_place(address, scope), device=audited.get(address))


def address_place(address: IPAddress, scope: Collection[IPAddress]) -> Place:
    if address in scope:
        return Place.PREMISES
    if address.is_multicast or any(address.version == n.version and address in n for n in LOCAL_NETWORKS):
        return Place.PRIVATE
    return Place.INTERNET


def cloud_of(host: str, clouds: Sequence[CloudService]) -> CloudService | None:
    """The maker's cloud a host name belongs to: the name is a suffix or ends in `.` + one (labels whole)."""
    name = host.strip().rstrip(".").casefold()
    for cloud in clouds:
        if any(name == suffix or name.endswith("." + suffix) for suffix in cloud.suffixes):
            return cloud
    return None


def _address(text: str) -> IPAddress | None:
    """The address a host field spells (an IPv4-mapped IPv6 address as IPv4), or None for a host name."""
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
