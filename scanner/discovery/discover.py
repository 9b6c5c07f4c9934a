"""The discovery stage: sweep ports block by block and listen on the segment at once; then, per block, unicast
WS-Discovery, ARP, merge, and the block's hosts handed on."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any, TypeVar

from scanner.config import ScanConfig
from scanner.discovery import dhip, mdns, nmap_scan, sadp, ssdp, wsd_multicast
from scanner.discovery.arp import read_arp_table
from scanner.discovery.interfaces import choose_interfaces
from scanner.discovery.merge import Allowance, Sightings, linked, merge
from scanner.discovery.multicast import Found, Method, MethodTiming, Rejections, SegmentResult, discover_segment
from scanner.discovery.oui import find_prefix_file, load_oui_table
from scanner.discovery.portscan import PortScan, scan_ports
from scanner.discovery.ws_discovery import probe_unicast
from scanner.errors import ParseError, ProbeError
from scanner.model import Host, WsdReply
from scanner.net.background import on_daemon, on_daemons
from scanner.net.interfaces import Interface, local_interfaces

log = logging.getLogger(__name__)
T = TypeVar("T")
DESCRIPTION_WORKERS = 8
DESCRIPTION_TIMEOUT = 2.0
DESCRIPTIONS_BUDGET = 20.0  # seconds in which description fetches may start
BLOCK = 256  # addresses in the first block swept (the audit begins on its hosts); each next block is twice as many
SWEEPS_AT_ONCE = 2  # blocks swept at once (nmap processes, or connect scans)
WSD_AT_ONCE = 8  # blocks whose unicast WS-Discovery may wait for answers at once (each up to its timeout)


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
    on_hosts: Callable[[tuple[Host, ...]], None] = lambda hosts: None,
) -> Discovery:
    """Find every host in scope that answers a port, a discovery protocol, or (known vendor) the neighbour table.

    The addresses are swept block by block (`sweep_blocks`), and each block's hosts go to `on_hosts` as soon as
    they are complete: the block swept, its unicast WS-Discovery answered, the segment's window closed, every
    method's facts merged. So the audit can begin on the first hosts while the rest is swept, and a host handed
    over is the host a sweep of everything at once would have given (a block is a set of addresses, and every
    method's answer joins its host by address). The Discovery returned holds them all, each noting the hosts
    that share its MAC or serial in any block.

    UsageError, before any traffic, when `config.interface` cannot carry the segment's discovery.
    """
    in_scope = frozenset(addresses).__contains__
    interfaces = choose_interfaces(local_interfaces(), addresses, config.interface)
    timings: list[tuple[str, float]] = []
    on_link = _all_on_link(addresses, interfaces)
    started = time.monotonic()
    blocks = sweep_blocks(addresses)
    # The sweep runs beside the segment window on daemon threads: a stopped scan never waits for nmap at exit.
    sweeps = _sweeps(blocks, config, on_link)
    listened = _timed(timings, "segment window", lambda: _segment(interfaces, in_scope, config))
    found = list(listened.found) + _timed(timings, "ssdp descriptions", lambda: _descriptions(listened.found))
    found += listened.rejected
    heard = {f.address for f in listened.found if f.method == wsd_multicast.METHOD}
    unicast = on_daemons(WSD_AT_ONCE, [_unicast_after(sweep, heard, config) for sweep in sweeps], "camaudit-wsd")
    swept_in, asked_in = _stopwatch(sweeps, started), _stopwatch(unicast, started)
    oui = load_oui_table(find_prefix_file(config.nmap_path))
    allowance = Allowance(config.max_discovered)
    hosts: list[Host] = []
    scans: list[PortScan] = []
    for block, swept, asked in zip(blocks, sweeps, unicast, strict=True):
        scan, (replies, rejected) = swept.result(), asked.result()
        in_block = frozenset(block).__contains__
        seen = Sightings(
            scan.hosts,
            [f for f in found if in_block(f.address)] + list(rejected.facts()),
            replies,
            read_arp_table(),
            dict(scan.mac_vendors),
        )
        ready = merge(seen, in_block, oui, cap=allowance, keep_mac_only=known_mac_vendor, link=False)
        scans.append(scan)
        hosts += ready
        if ready:
            on_hosts(ready)
    # each block's unicast WS-Discovery runs while the later blocks are swept: its step is what it added after
    timings += [("port sweep", swept_in()), ("unicast ws-discovery", round(max(0.0, asked_in() - swept_in()), 3))]
    notes = list(dict.fromkeys(s.note for s in scans if s.note))
    notes += [f"segment discovery: {e}" for e in listened.errors]
    for step, seconds in timings:
        log.info("discovery step %s took %.3f s", step, seconds)
    method = next((s.method for s in scans if s.method != nmap_scan.METHOD), scans[0].method)
    return Discovery(linked(hosts), method, tuple(notes), listened.interfaces, tuple(timings), listened.timings)


def sweep_blocks(addresses: Sequence[str]) -> list[Sequence[str]]:
    """The addresses in blocks, in their order (at least one block, maybe empty): BLOCK first, then each block
    twice the one before. The sweep's unit, and the unit in which discovery hands hosts to the audit: the first
    hosts come soon (the audit begins with a few dozen devices at once), and the sweep takes few nmap runs (each
    spends some 30 ms of CPU starting: 16 blocks of 256 took 0.5 s more of CPU than one run over a /20)."""
    blocks, start, size = [], 0, BLOCK
    while start < len(addresses):
        blocks.append(addresses[start : start + size])
        start, size = start + size, size * 2
    return blocks or [addresses]


def _sweeps(blocks: Sequence[Sequence[str]], config: ScanConfig, on_link: bool) -> list[Future[PortScan]]:
    """Each block's port sweep, SWEEPS_AT_ONCE at a time in block order. The first goes alone: when nmap cannot
    run there, the others use the connect scan at once (one note, not one per block)."""
    first = on_daemon(lambda: _sweep(blocks[0], config, on_link, config.use_nmap), "camaudit-sweep")

    def then(block: Sequence[str]) -> Callable[[], PortScan]:
        return lambda: _sweep(block, config, on_link, first.result().method == nmap_scan.METHOD)

    return [first, *on_daemons(SWEEPS_AT_ONCE, [then(block) for block in blocks[1:]], "camaudit-sweep")]


def _unicast_after(
    sweep: Future[PortScan], heard: set[str], config: ScanConfig
) -> Callable[[], tuple[dict[str, tuple[WsdReply, ...]], Rejections]]:
    """WS-Discovery to a block's swept hosts once they are known; with the replies that could not be used."""

    def ask() -> tuple[dict[str, tuple[WsdReply, ...]], Rejections]:
        rejected = Rejections()
        return _unicast_wsd(sweep.result().hosts, heard, config, rejected), rejected

    return ask


def _stopwatch(futures: Sequence[Future[Any]], started: float) -> Callable[[], float]:
    """Seconds from `started` until the last of `futures` was done (to be read once they all are)."""
    ended = [started]
    for future in futures:
        future.add_done_callback(lambda _: ended.append(time.monotonic()))
    return lambda: round(max(ended) - started, 3)


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


def _sweep(addresses: Sequence[str], config: ScanConfig, on_link: bool, use_nmap: bool) -> PortScan:
    return scan_ports(
        addresses,
        config.ports,
        use_nmap=use_nmap,
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
    swept: Sequence[Host], heard: set[str], config: ScanConfig, rejected: Rejections
) -> dict[str, tuple[WsdReply, ...]]:
    """WS-Discovery sent to each swept host that multicast did not already hear (routed or loopback targets)."""
    targets = [h.address for h in swept if h.address not in heard]
    try:
        return probe_unicast(targets, timeout=config.wsd_timeout, rejected=rejected)
    except ProbeError as exc:
        log.info("unicast WS-Discovery not sent: %s", exc)
        return {}
