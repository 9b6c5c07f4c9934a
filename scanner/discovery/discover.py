"""The discovery stage: sweep ports and listen on the segment at once, then unicast WS-Discovery, ARP, merge."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TypeVar

from scanner.config import ScanConfig
from scanner.discovery import dhip, mdns, sadp, ssdp, wsd_multicast
from scanner.discovery.arp import read_arp_table
from scanner.discovery.interfaces import choose_interfaces
from scanner.discovery.merge import Sightings, merge
from scanner.discovery.multicast import Found, Method, MethodTiming, Rejections, SegmentResult, discover_segment
from scanner.discovery.oui import find_prefix_file, load_oui_table
from scanner.discovery.portscan import PortScan, scan_ports
from scanner.discovery.ws_discovery import probe_unicast
from scanner.errors import ParseError, ProbeError
from scanner.model import Host, WsdReply
from scanner.net.background import on_daemon
from scanner.net.interfaces import Interface, local_interfaces

log = logging.getLogger(__name__)
T = TypeVar("T")
DESCRIPTION_WORKERS = 8
DESCRIPTION_TIMEOUT = 2.0
DESCRIPTIONS_BUDGET = 20.0  # seconds in which description fetches may start


@dataclass(frozen=True)
class Discovery:
    """The hosts found, how, and how long each step took (seconds), with the problems met on the way."""

    hosts: tuple[Host, ...]
    sweep_method: str  # nmap | connect
    notes: tuple[str, ...]  # one line each, for the user (e.g. the nmap fallback)
    interfaces: tuple[str, ...]  # where multicast went out; empty on loopback or routed targets
    timings: tuple[tuple[str, float], ...]
    methods: tuple[MethodTiming, ...]


def segment_methods() -> tuple[Method, ...]:
    """The explicit registry of segment discovery methods, fresh for each scan (each holds its message ids)."""
    return (wsd_multicast.WsdMethod(), sadp.SadpMethod(), dhip.DhipMethod(), ssdp.SsdpMethod(), mdns.MdnsMethod())


def discover_hosts(
    addresses: Sequence[str],
    config: ScanConfig,
    known_mac_vendor: Callable[[str | None], bool] = lambda vendor: False,
) -> Discovery:
    """Find every host in scope that answers a port, a discovery protocol, or (known vendor) the neighbour table.

    UsageError, before any traffic, when `config.interface` cannot carry the segment's discovery.
    """
    in_scope = frozenset(addresses).__contains__
    interfaces = choose_interfaces(local_interfaces(), addresses, config.interface)
    timings: list[tuple[str, float]] = []
    on_link = _all_on_link(addresses, interfaces)
    # The sweep runs beside the segment window on a daemon thread: a stopped scan never waits for nmap at exit.
    sweep = on_daemon(
        lambda: _timed(timings, "port sweep", lambda: _sweep(addresses, config, on_link)), "camaudit-sweep"
    )
    listened = _timed(timings, "segment window", lambda: _segment(interfaces, in_scope, config))
    scan = sweep.result()
    found = list(listened.found) + _timed(timings, "ssdp descriptions", lambda: _descriptions(listened.found))
    rejected = Rejections()  # unicast replies that could not be used, noted beside the segment's
    unicast = _timed(
        timings, "unicast ws-discovery", lambda: _unicast_wsd(scan.hosts, listened.found, config, rejected)
    )
    found += list(listened.rejected) + list(rejected.facts())
    neighbours = _timed(timings, "neighbour table", read_arp_table)
    oui = load_oui_table(find_prefix_file(config.nmap_path))
    seen = Sightings(scan.hosts, found, unicast, neighbours, dict(scan.mac_vendors))
    hosts = merge(seen, in_scope, oui, cap=config.max_discovered, keep_mac_only=known_mac_vendor)
    notes = ([scan.note] if scan.note else []) + [f"segment discovery: {e}" for e in listened.errors]
    for step, seconds in timings:
        log.info("discovery step %s took %.3f s", step, seconds)
    return Discovery(hosts, scan.method, tuple(notes), listened.interfaces, tuple(timings), listened.timings)


def _timed(timings: list[tuple[str, float]], step: str, run: Callable[[], T]) -> T:
    started = time.monotonic()
    try:
        return run()
    finally:
        timings.append((step, round(time.monotonic() - started, 3)))


def _all_on_link(addresses: Sequence[str], interfaces: Sequence[Interface]) -> bool:
    """Every target sits on a chosen interface's subnet (so ARP reaches it), and we may send ARP (root)."""
    if not interfaces or os.geteuid() != 0:
        return False
    return all(any(ip_address(a) in i.network for i in interfaces) for a in addresses)


def _sweep(addresses: Sequence[str], config: ScanConfig, on_link: bool) -> PortScan:
    return scan_ports(
        addresses,
        config.ports,
        use_nmap=config.use_nmap,
        nmap_path=config.nmap_path,
        timeout=config.connect_timeout,
        arp=on_link,
    )


def _segment(interfaces: Sequence[Interface], in_scope: Callable[[str], bool], config: ScanConfig) -> SegmentResult:
    return discover_segment(
        segment_methods(), interfaces, in_scope, window=config.discovery_window, cap=config.max_discovered
    )


def _descriptions(found: Sequence[Found]) -> list[Found]:
    """The UPnP description of each SSDP responder, read from the responder itself, as more ssdp facts.

    One description per address, and none started after DESCRIPTIONS_BUDGET: a segment full of fake responders
    cannot hold the scan here.
    """
    wanted: dict[str, str] = {}
    for item in found:
        location = dict(item.facts).get("location") if item.method == ssdp.METHOD else None
        if location:
            wanted.setdefault(item.address, location)
    if not wanted:
        return []
    deadline = time.monotonic() + DESCRIPTIONS_BUDGET
    with ThreadPoolExecutor(max_workers=min(DESCRIPTION_WORKERS, len(wanted))) as pool:
        results = list(pool.map(lambda pair: _description(pair[0], pair[1], deadline), wanted.items()))
    return [r for r in results if r is not None]


def _description(address: str, location: str, deadline: float) -> Found | None:
    """The description's facts; or, when it could not be read, why (a `rejected` fact the device's report shows)."""
    if time.monotonic() > deadline:
        log.info("SSDP description of %s not read: the descriptions' time budget ran out", address)
        return None
    try:
        device = ssdp.parse_description(ssdp.fetch_description(location, address, DESCRIPTION_TIMEOUT))
    except (ProbeError, ParseError) as exc:
        why = f"its UPnP description could not be read: {exc}"
    except Exception as exc:  # noqa: BLE001 - each description on its own: none may end the discovery
        why = f"its UPnP description could not be read ({type(exc).__name__})"
    else:
        return Found(ssdp.METHOD, address, f"description {location}", ssdp.description_facts(device))
    log.info("SSDP description of %s not read: %s", address, why)
    rejected = Rejections()
    rejected.add(ssdp.METHOD, address, why)
    return rejected.facts()[0]


def _unicast_wsd(
    swept: Sequence[Host], found: Sequence[Found], config: ScanConfig, rejected: Rejections
) -> dict[str, tuple[WsdReply, ...]]:
    """WS-Discovery sent to each swept host that multicast did not already hear (routed or loopback targets)."""
    heard = {f.address for f in found if f.method == wsd_multicast.METHOD}
    targets = [h.address for h in swept if h.address not in heard]
    try:
        return probe_unicast(targets, timeout=config.wsd_timeout, rejected=rejected)
    except ProbeError as exc:
        log.info("unicast WS-Discovery not sent: %s", exc)
        return {}
