"""run_scan: scope -> discover -> audit each host (identify, probe, match) -> ScanResult. Orchestration only.

Each stage has a time budget, and a scan can be stopped (`stop`, set on Ctrl-C or SIGTERM). Either way the stage
stops waiting: exchanges in flight end, audits hand in what they gathered, devices not audited say so, and the
result is marked partial. Discovery runs on a daemon thread, so a stop never waits for nmap.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

from scanner.config import HTTP_PORTS, HTTPS_PORTS, VENDOR_SDK_PORTS, ScanConfig
from scanner.discovery.discover import Discovery, discover_hosts
from scanner.judge.places import place_result
from scanner.matching.engine import vendor_for_oui
from scanner.matching.loader import load_signatures
from scanner.matching.schema import SignatureSet
from scanner.model import DeviceReport, Host, ScanError, ScanResult, utc_now
from scanner.net.background import on_daemon
from scanner.pipeline.admission import Admission, LagProbe, Limits
from scanner.pipeline.collector import fewer_collections
from scanner.pipeline.cores import audit_core, share_core
from scanner.pipeline.device import AuditKit, audit_host, unaudited
from scanner.probes.http import EXCHANGE_LIMIT
from scanner.progress import NullProgress, ScanProgress
from scanner.scope import expand_targets
from scanner.vocabulary import Reason

T = TypeVar("T")
STAGE_TRACE_LOGGER = "scanner.pipeline.scan.trace"  # a DEBUG record with the devices at once (`record.trace`)
_trace_log = logging.getLogger(STAGE_TRACE_LOGGER)
DISCOVERY_BASE = 180.0  # seconds any discovery gets, beyond its window and its share of the sweep
AUDIT_GRACE = 30.0  # seconds the audit stage gets beyond its devices' budgets
STOP_GRACE = 5.0  # seconds a stopped audit stage waits for the audits in flight to hand in what they have
POLL = 0.05  # seconds between looks at the stop flag while a stage runs
INTERRUPTED = "the scan was interrupted (Ctrl-C or SIGTERM)"


@dataclass(frozen=True)
class Stop:
    """Why a stage stopped waiting: the code (INTERRUPTED, STAGE_BUDGET) and the words for the scan's errors."""

    cause: Reason
    text: str


def _interrupted() -> Stop:
    return Stop(Reason.INTERRUPTED, INTERRUPTED)


def _over(stage: str, budget: float) -> Stop:
    return Stop(Reason.STAGE_BUDGET, f"{stage} ran out of its {budget:.0f} s")


def run_scan(
    config: ScanConfig,
    progress: ScanProgress | None = None,
    sigset: SignatureSet | None = None,
    stop: threading.Event | None = None,
) -> ScanResult:
    """Audit every target in scope. Raises UsageError/ScopeError only for bad input, before any traffic.

    Setting `stop` (from a signal handler or another thread) ends the scan early with a partial result.
    """
    progress = progress or NullProgress()
    sigset = sigset or load_signatures(config.signatures_dir)
    addresses = expand_targets(config.targets, config.allow_public, config.max_hosts, config.confirm_large)
    stop = stop or threading.Event()
    started = utc_now()
    errors: list[ScanError] = []

    progress.stage("discover", total=None, count=len(addresses))
    found, why = _discover(addresses, config, sigset, stop)
    devices: tuple[DeviceReport, ...] = ()
    if found is not None:
        for note in found.notes:
            progress.note(note)
            errors.append(ScanError("discover", note))
        progress.stage("audit", total=len(found.hosts), count=len(found.hosts))
        devices, why = _audit_all(found.hosts, config, sigset, progress, stop)
        if why:
            errors.append(ScanError("audit", why.text))
    elif why:
        errors.append(ScanError("discover", f"no device was audited: {why.text} before discovery finished"))
    progress.close()
    result = ScanResult(
        started_at=started,
        finished_at=utc_now(),
        targets=tuple(config.targets),
        devices=devices,
        errors=tuple(errors),
        partial=why is not None,
    )
    return place_result(result, addresses, sigset.clouds)  # where each destination is: needs every device


def discovery_budget(addresses: int, config: ScanConfig) -> float:
    """The discovery stage's budget when none is set: a base, the listen window, and the connect sweep's worst case
    (every port of every address silent until its timeout, 256 connects at a time)."""
    sweep = addresses * len(config.ports) * config.connect_timeout / 256
    return DISCOVERY_BASE + config.discovery_window + config.wsd_timeout + sweep


def audit_budget(hosts: int, config: ScanConfig) -> float:
    """The audit stage's budget when none is set: each wave of `concurrency` devices gets a device's budget (and
    the last exchange it may have begun), plus a grace."""
    waves = max(1, math.ceil(hosts / config.concurrency))  # at the starting concurrency: more come only when calm
    per_device = config.device_budget + config.observe + EXCHANGE_LIMIT * config.request_timeout
    return waves * per_device + AUDIT_GRACE


def _known_vendor(mac_vendor: str | None, sigset: SignatureSet) -> bool:
    """A MAC vendor that the signatures name (a camera or face-analytics maker): worth a look on its own."""
    return bool(mac_vendor) and vendor_for_oui(mac_vendor or "", sigset) is not None


def _discover(
    addresses: tuple[str, ...], config: ScanConfig, sigset: SignatureSet, stop: threading.Event
) -> tuple[Discovery | None, Stop | None]:
    """The discovery, or None and why it was given up (stopped, or over its budget); its errors are raised here."""
    budget = config.discovery_budget or discovery_budget(len(addresses), config)
    done = on_daemon(
        lambda: discover_hosts(addresses, config, lambda org: _known_vendor(org, sigset)), "camaudit-discovery"
    )
    why = _wait_for(lambda: done.done(), stop, time.monotonic() + budget, _over("discovery", budget))
    if why is not None:
        return None, why
    return done.result(), None


def _wait_for(done: Callable[[], bool], stop: threading.Event, deadline: float, over: Stop) -> Stop | None:
    """Wait until `done()`; or return why not: interrupted once `stop` is set, `over` once past the deadline."""
    while not done():
        if stop.is_set():
            return _interrupted()
        if time.monotonic() > deadline:
            return over
        stop.wait(POLL)
    return None


def _audit_all(
    hosts: tuple[Host, ...],
    config: ScanConfig,
    sigset: SignatureSet,
    progress: ScanProgress,
    stop: threading.Event,
) -> tuple[tuple[DeviceReport, ...], Stop | None]:
    """The devices a few at a time, sharing one kit (limits, helper threads): `config.concurrency` at first, then as
    many as the audit's own latency allows, up to `config.max_concurrency` (scanner.pipeline.admission).

    On a stop or past the stage budget, every exchange in flight ends, and the devices not audited by then are
    reported as such; the second value says why (None when every audit finished).
    """
    reports: dict[str, DeviceReport] = {}
    count = len(hosts) or 1
    start = max(1, min(config.concurrency, count))
    limits = Limits(start, max(1, start // 4), max(start, min(config.max_concurrency, count)))
    budget = config.audit_budget or audit_budget(len(hosts), config)
    deadline = time.monotonic() + budget
    cores = audit_core() if config.one_core else None
    probe = LagProbe(cores) if limits.high > limits.start else None
    admission = Admission(limits, probe)
    with AuditKit(config, limits.high, cores) as kit, fewer_collections():
        pool = ThreadPoolExecutor(limits.high, "camaudit-audit", initializer=share_core, initargs=(cores,))
        ordered = longest_first(hosts, lambda host: _known_vendor(host.mac_vendor, sigset))
        dispatch = _Dispatch(pool, ordered, admission, lambda host: audit_host(host, config, sigset, kit))
        why = _collect(dispatch, reports, progress, stop, deadline, _over("the audit stage", budget))
        if why is not None:
            kit.pace.stop(why.text, why.cause)  # exchanges in flight end now; no request starts any more
            pool.shutdown(wait=False, cancel_futures=True)
            dispatch.closed = True
            _collect(dispatch, reports, progress, threading.Event(), time.monotonic() + STOP_GRACE, why)
        pool.shutdown(wait=why is None)
    if probe is not None:
        probe.close()
    _trace_log.debug("audit stage", extra={"trace": {"scan": {
        "concurrency_start": limits.start, "concurrency_mean": round(admission.mean(), 1),
        "concurrency_peak": admission.peak, "history": admission.history,
        "began": round(admission.started, 4), "ended": round(time.monotonic(), 4)}}})  # fmt: skip
    missing = [host for host in hosts if host.address not in reports]
    for host in missing:
        assert why is not None  # every host is in `reports` when the stage was not stopped
        reports[host.address] = replace(unaudited(host, why.cause, sigset=sigset), discovery=host.facts)
    return tuple(sorted(reports.values(), key=lambda r: ipaddress.ip_address(r.address))), why


def longest_first(hosts: Sequence[Host], known_maker: Callable[[Host], bool] = lambda host: False) -> list[Host]:
    """The hosts in the order their audits start: those that look like the longest audits first, so that the last
    ones to start are short and the scan does not wait at its end for a long audit begun late (the longest job
    first, a classic rule for finishing a batch early). What discovery saw stands for the work: a device that
    announced itself over WS-Discovery is asked ONVIF's dozen queries; one with a camera maker's SDK port open, or
    whose MAC names a maker (`known_maker`), is asked its maker's API (a dozen more); each open port is more to
    ask, a web port most (its pages, maybe ONVIF and a maker's API), so a host with none (RTSP only) comes after
    one with as many ports. Measured on the benchmark's 1,000 devices: those signs put the 3-3.6 s audits first
    and the 0.3-0.7 s ones (RTSP only) last. Ties keep the order given."""

    def work(host: Host) -> int:
        maker = bool(VENDOR_SDK_PORTS.intersection(host.open_ports)) or known_maker(host)
        web = any(port in HTTP_PORTS or port in HTTPS_PORTS for port in host.open_ports)
        return 8 * bool(host.wsd) + 8 * maker + 2 * len(host.open_ports) + web

    return sorted(hosts, key=work, reverse=True)  # sorted() is stable: ties keep their order


class _Dispatch:
    """Hands the hosts to the pool as the admission lets them in; each finished audit says so on a queue."""

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        hosts: Sequence[Host],
        admission: Admission,
        audit: Callable[[Host], DeviceReport],
    ) -> None:
        self.pool, self.admission, self.audit = pool, admission, audit
        self.waiting = list(reversed(hosts))  # popped from the end: in the order given
        self.running: dict[Future[DeviceReport], Host] = {}
        self.finished: queue.SimpleQueue[Future[DeviceReport]] = queue.SimpleQueue()
        self.closed = False  # no more hosts start (the stage was stopped)

    def top_up(self) -> None:
        limit = self.admission.tick(bool(self.waiting))
        while not self.closed and self.waiting and len(self.running) < limit:
            host = self.waiting.pop()
            future = self.pool.submit(self.audit, host)
            self.running[future] = host
            future.add_done_callback(self.finished.put)  # at once for a future already done


def _collect(
    dispatch: _Dispatch,
    reports: dict[str, DeviceReport],
    progress: ScanProgress,
    stop: threading.Event,
    deadline: float,
    over: Stop,
) -> Stop | None:
    """Start audits as the admission allows and gather finished ones into `reports` until all are in (None), or
    the stop or the deadline comes (why). Each finished audit says so on a queue: waiting costs nothing per device
    (a thousand devices polled with concurrent.futures.wait cost seconds of CPU)."""
    while True:
        dispatch.top_up()
        if not dispatch.running:
            return None
        if stop.is_set():
            return _interrupted()
        if time.monotonic() > deadline:
            return over
        try:
            future = dispatch.finished.get(timeout=POLL)
        except queue.Empty:
            continue
        host = dispatch.running.pop(future, None)
        if host is None or future.cancelled():
            continue
        report = replace(future.result(), discovery=host.facts)
        reports[report.address] = report
        progress.advance(report.address)
