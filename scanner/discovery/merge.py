"""Facts from every discovery method merged into one Host per address, in scope only, with the MAC vendor.

A device is keyed by its address: each method's answer comes from the address it was sent to or from, so
answers from the port sweep, WS-Discovery, SADP, DHIP, SSDP, mDNS and the neighbour table join there. Two
addresses that share a MAC (as the neighbour table saw it) or a serial are kept apart, each noting the other
(`same_device_as`): a serial is a device's claim, and a claim must never hide another host from the audit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from scanner.discovery.arp import normal_mac
from scanner.discovery.multicast import Found
from scanner.discovery.oui import OuiTable
from scanner.discovery.wsd_multicast import wsd_facts
from scanner.model import DiscoveryFact, Host, WsdReply

ARP = "arp"
WSD = "ws-discovery"
METHOD_ORDER = ("nmap", "connect", WSD, "sadp", "dhip", "ssdp", "mdns", ARP)
MAX_FACTS_PER_METHOD = 64


@dataclass
class _Draft:
    """A host being assembled: its ports, the methods that saw it, their facts and WS-Discovery replies."""

    address: str
    ports: set[int] = field(default_factory=set)
    macs: list[str] = field(default_factory=list)  # L2 first (nmap, ARP), then device claims
    facts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    wsd: dict[str, WsdReply] = field(default_factory=dict)

    def add(self, method: str, facts: Iterable[tuple[str, str]] = ()) -> None:
        kept = self.facts.setdefault(method, [])
        for pair in facts:
            if pair not in kept and len(kept) < MAX_FACTS_PER_METHOD:
                kept.append(pair)


@dataclass
class Allowance:
    """How many more addresses replies may add beyond the sweep's: one for a whole discovery, spent by the merge
    of each of its blocks in turn."""

    left: int


@dataclass(frozen=True)
class Sightings:
    """Everything discovery saw, before merging."""

    swept: Sequence[Host] = ()  # the port sweep's hosts (method nmap or connect)
    found: Sequence[Found] = ()  # segment methods' answers (and SSDP descriptions)
    unicast_wsd: Mapping[str, Sequence[WsdReply]] = field(default_factory=dict)
    neighbours: Mapping[str, str] = field(default_factory=dict)  # address -> MAC from the neighbour table
    nmap_vendors: Mapping[str, str] = field(default_factory=dict)  # MAC (upper) -> nmap's vendor name


def merge(
    seen: Sightings,
    in_scope: Callable[[str], bool],
    oui: OuiTable,
    *,
    cap: int | Allowance = 4096,
    keep_mac_only: Callable[[str | None], bool] = lambda vendor: False,
    link: bool = True,
) -> tuple[Host, ...]:
    """One Host per in-scope address that a method found, sorted by address.

    Replies add at most `cap` addresses beyond the sweep's (an Allowance: what is left of one shared by several
    merges). A host seen only in the neighbour table is kept when `keep_mac_only` accepts its MAC vendor (e.g. a
    known camera or face-analytics vendor). `link`: note the hosts that share a MAC or serial (`linked`); a merge
    of part of the addresses leaves that to the merge of all.
    """
    drafts: dict[str, _Draft] = {}
    for host in seen.swept:
        draft = drafts.setdefault(host.address, _Draft(host.address))
        draft.ports.update(host.open_ports)
        draft.macs.extend(m for m in [normal_mac(host.mac)] if m)
        for method in host.discovered_by:
            draft.add(method, [("open_ports", " ".join(str(p) for p in sorted(host.open_ports)))])
    budget = cap if isinstance(cap, Allowance) else Allowance(cap)
    for found in seen.found:
        draft_for = _reply_draft(drafts, found.address, in_scope, budget)
        if draft_for is not None:
            draft_for.add(found.method, found.facts)
            if found.wsd is not None:
                draft_for.wsd.setdefault(found.key, found.wsd)
    _add_unicast_wsd(drafts, seen.unicast_wsd, in_scope, budget)
    _add_neighbours(drafts, seen, oui, in_scope, keep_mac_only)
    hosts = [_host(d, seen.nmap_vendors, oui) for d in drafts.values()]
    return linked(hosts) if link else tuple(sorted(hosts, key=lambda h: _sort_key(h.address)))


def _reply_draft(
    drafts: dict[str, _Draft], address: str, in_scope: Callable[[str], bool], budget: Allowance
) -> _Draft | None:
    if address in drafts:
        return drafts[address]
    if not in_scope(address) or budget.left <= 0:
        return None
    budget.left -= 1
    return drafts.setdefault(address, _Draft(address))


def _add_unicast_wsd(
    drafts: dict[str, _Draft],
    replies: Mapping[str, Sequence[WsdReply]],
    in_scope: Callable[[str], bool],
    budget: Allowance,
) -> None:
    for address, answers in replies.items():  # the facts of a reply are the same, however it was sent
        draft = _reply_draft(drafts, address, in_scope, budget)
        if draft is None:
            continue
        for reply in answers:
            draft.add(WSD, wsd_facts(reply))
            draft.wsd.setdefault(reply.epr or " ".join(reply.xaddrs), reply)


def _add_neighbours(
    drafts: dict[str, _Draft],
    seen: Sightings,
    oui: OuiTable,
    in_scope: Callable[[str], bool],
    keep_mac_only: Callable[[str | None], bool],
) -> None:
    for address, mac in seen.neighbours.items():
        normal = normal_mac(mac)
        if normal is None or not in_scope(address):
            continue
        vendor = oui.vendor(normal)
        if address not in drafts and not keep_mac_only(vendor):
            continue
        draft = drafts.setdefault(address, _Draft(address))
        draft.macs.insert(0, normal)  # the neighbour table is what the segment itself says
        draft.add(ARP, [("mac", normal)] + ([("mac_vendor", vendor)] if vendor else []))


def _host(draft: _Draft, nmap_vendors: Mapping[str, str], oui: OuiTable) -> Host:
    claimed = [m for pairs in draft.facts.values() for k, v in pairs if k == "mac" and (m := normal_mac(v))]
    mac = next(iter(draft.macs + claimed), None)
    vendor = oui.vendor(mac) or (nmap_vendors.get(mac.upper()) if mac else None)
    methods = sorted(draft.facts, key=lambda m: (METHOD_ORDER.index(m) if m in METHOD_ORDER else 99, m))
    return Host(
        address=draft.address,
        open_ports=tuple(sorted(draft.ports)),
        mac=mac,
        discovered_by=tuple(methods),
        wsd=tuple(draft.wsd.values()),
        mac_vendor=vendor,
        facts=tuple(DiscoveryFact(m, tuple(draft.facts[m])) for m in methods),
    )


def linked(hosts: Sequence[Host]) -> tuple[Host, ...]:
    """The hosts (as merged without `link`) sorted by address, each that shares a MAC or a serial with another
    noting it (`same_device_as`); none is dropped."""
    hosts = sorted(hosts, key=lambda h: _sort_key(h.address))
    owners: dict[str, list[str]] = {}
    for host in hosts:
        for key in _identifiers(host):
            owners.setdefault(key, []).append(host.address)
    linked = []
    for host in hosts:
        others = sorted({a for k in _identifiers(host) for a in owners[k] if a != host.address}, key=_sort_key)
        if others:
            note = DiscoveryFact("merge", tuple(("same_device_as", a) for a in others))
            host = replace(host, facts=host.facts + (note,))
        linked.append(host)
    return tuple(linked)


def _identifiers(host: Host) -> set[str]:
    keys = {f"mac:{host.mac}"} if host.mac else set()
    for fact in host.facts:
        serial = fact.get("serial")
        if serial and len(serial) >= 6:
            keys.add(f"serial:{serial.lower()}")
    return keys


def _sort_key(address: str) -> tuple[int, int]:
    ip = ipaddress.ip_address(address)
    return ip.version, int(ip)
