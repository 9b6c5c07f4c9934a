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
from scanner.discovery.discover import discover_hosts
from scanner.judge.places import place_result
from scanner.matching.engine import vendor_for_oui
from scanner.matching.loader import load_signatures
from scanner.matching.schema import SignatureSet
from scanner.model import DISCOVERY_UNFINISHED, DeviceReport, Host, ScanError, ScanResult, utc_now
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
    cores = audit_core() if config.one_core else None  # chosen before nmap's sweep keeps a core busy a while
    budget = config.discovery_budget or discovery_budget(len(addresses), config)
    finding = _Finding(addresses, config, sigset, budget)
    why = _wait_for(finding.handed_or_done, stop, finding.deadline, finding.over)
    devices: tuple[DeviceReport, ...] = ()
    if why is None:
        finding.check()  # raises what discovery raised before handing over any host (bad input: no traffic yet)
        devices, why = _audit_all(finding, config, sigset, progress, stop, cores)
        errors += finding.errors
        if why:
            errors.append(ScanError("audit", why.text))
    else:
        errors.append(ScanError("discover", f"no device was audited: {why.text} {DISCOVERY_UNFINISHED}"))
    progress.close()
    result = ScanResult(
        started_at=started,
        finished_at=utc_now(),
        targets=tuple(config.targets),
        devices=devices,
        errors=tuple(errors),
        partial=why is not None or any(e.discovery_unfinished for e in errors),
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


class _Finding:
    """The discovery, on a daemon thread (a stop never waits for nmap), handing over its hosts block by block while
    the audits of the first ones run: what it handed over since last asked, whether it is done, and what it
    has to say (its notes; why it was given up)."""

    def __init__(self, addresses: tuple[str, ...], config: ScanConfig, sigset: SignatureSet, budget: float) -> None:
        self.addresses = len(addresses)
        self.deadline = time.monotonic() + budget
        self.over = _over("discovery", budget)
        self.count = 0  # hosts handed over
        self.errors: list[ScanError] = []  # its notes, and why it was given up, for the scan's errors
        self.stopped: Stop | None = None  # why it was given up before it finished (then no more hosts come)
        self.wake: Callable[[], None] = lambda: None  # called when hosts come (the audit stage's wake-up)
        self._lock = threading.Lock()
        self._new: list[Host] = []
        self._said = False  # its notes are in `errors`
        self.failed = False  # it raised after handing over some hosts (then no more come)
        self.done = on_daemon(
            lambda: discover_hosts(addresses, config, lambda org: _known_vendor(org, sigset), self._hand),
            "camaudit-discovery",
        )

    def _hand(self, hosts: tuple[Host, ...]) -> None:
        with self._lock:
            if self.stopped is None:
                self._new += hosts
                self.count += len(hosts)
        self.wake()

    def handed_or_done(self) -> bool:
        return bool(self.count) or self.done.done()

    def check(self) -> None:
        """Raise what the discovery raised, if it failed before handing over any host."""
        if not self.count and self.done.done():
            self.done.result()

    def take(self) -> list[Host]:
        """The hosts handed over since the last call."""
        with self._lock:
            new, self._new = self._new, []
        return new

    def finished(self, progress: ScanProgress, stop: threading.Event) -> bool:
        """Whether no more hosts will come: the discovery is done (then its notes are said, once), or it was given
        up (stopped, or past its deadline)."""
        if self.stopped is not None:
            return True
        if self.done.done():
            if not self._said:
                self._said = True
                failed = self.done.exception()
                notes = self.done.result().notes if failed is None else (
                    f"discovery failed ({type(failed).__name__}) {DISCOVERY_UNFINISHED}: the rest of the addresses "
                    "were not looked at",)  # fmt: skip
                for note in notes:
                    progress.note(note)
                    self.errors.append(ScanError("discover", note))
                self.failed = failed is not None
            return True
        why = _interrupted() if stop.is_set() else self.over if time.monotonic() > self.deadline else None
        if why is not None:
            self.give_up(why)
        return why is not None

    def give_up(self, why: Stop) -> None:
        with self._lock:
            if self.stopped is None and not self.done.done():
                self.stopped = why
                self.errors.append(ScanError("discover", f"{why.text} {DISCOVERY_UNFINISHED}: the rest of the "
                                             "addresses were not looked at"))  # fmt: skip

    def hosts(self) -> dict[str, Host]:
        """The discovery's hosts by address, each with its facts as the whole discovery merged them (the hosts it
        shares a MAC or serial with, in any block); empty when it did not finish."""
        if self.stopped is not None or not self.done.done() or self.failed:
            return {}
        return {host.address: host for host in self.done.result().hosts}


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
    finding: _Finding,
    config: ScanConfig,
    sigset: SignatureSet,
    progress: ScanProgress,
    stop: threading.Event,
    cores: set[int] | None,
) -> tuple[tuple[DeviceReport, ...], Stop | None]:
    """The devices a few at a time, sharing one kit (limits, helper threads, `cores`: the one their threads share):
    `config.concurrency` at first, then as many as the audit's own latency allows, up to `config.max_concurrency`
    (scanner.pipeline.admission). They start as discovery hands them over, block by block, while it sweeps the
    rest; the stage's budget grows with them (`audit_budget`).

    On a stop or past the stage budget, every exchange in flight ends, and the devices not audited by then are
    reported as such; the second value says why (None when every audit finished).
    """
    reports: dict[str, DeviceReport] = {}
    done = finding.finished(progress, stop)  # before taking: once done, every host has been handed over
    first = finding.take()
    # the limits need a bound on the hosts to come: the hosts when discovery is done, else its addresses
    count = max(1, len(first) if done else finding.addresses)
    start = max(1, min(config.concurrency, count))
    limits = Limits(start, max(1, start // 4), max(start, min(config.max_concurrency, count)))
    began = time.monotonic()
    probe = LagProbe(cores) if limits.high > limits.start else None
    admission = Admission(limits, probe)
    progress.stage("audit" if done else "audit_found", total=len(first) if done else None, count=len(first))
    total = len(first) if done else None

    def more() -> bool:  # whether hosts are still to come; once not, the progress bar learns its total
        nonlocal total
        if total is None and finding.finished(progress, stop):
            total = finding.count  # every host it handed over (none after it was given up)
            progress.found(total)
        return total is None

    def why_stop() -> Stop | None:
        if stop.is_set():
            return _interrupted()
        budget = config.audit_budget or audit_budget(len(dispatch.taken), config)
        return _over("the audit stage", budget) if time.monotonic() > began + budget else None

    with AuditKit(config, limits.high, cores) as kit, fewer_collections():
        pool = ThreadPoolExecutor(limits.high, "camaudit-audit", initializer=share_core, initargs=(cores,))
        dispatch = _Dispatch(pool, admission, lambda host: audit_host(host, config, sigset, kit), finding.take,
                             lambda host: _known_vendor(host.mac_vendor, sigset))  # fmt: skip
        dispatch.add(first)
        finding.wake = dispatch.wake
        why = _collect(dispatch, reports, progress, why_stop, more)
        if why is not None:
            finding.give_up(why)
            kit.pace.stop(why.text, why.cause)  # exchanges in flight end now; no request starts any more
            pool.shutdown(wait=False, cancel_futures=True)
            dispatch.closed = True
            grace = time.monotonic() + STOP_GRACE
            _collect(dispatch, reports, progress, lambda: why if time.monotonic() > grace else None, lambda: False)
        pool.shutdown(wait=why is None)
    if probe is not None:
        probe.close()
    _trace_log.debug("audit stage", extra={"trace": {"scan": {
        "concurrency_start": limits.start, "concurrency_mean": round(admission.mean(), 1),
        "concurrency_peak": admission.peak, "history": admission.history,
        "began": round(admission.started, 4), "ended": round(time.monotonic(), 4)}}})  # fmt: skip
    final = finding.hosts()  # the hosts' facts as the whole discovery merged them
    for host in dispatch.taken:
        if host.address not in reports:
            assert why is not None  # every host is in `reports` when the stage was not stopped
            reports[host.address] = unaudited(host, why.cause, sigset=sigset)
        reports[host.address] = replace(reports[host.address], discovery=final.get(host.address, host).facts)
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
    """Hands the hosts to the pool as the admission lets them in, those that look longest first among the hosts
    handed over so far (`longest_first`); each finished audit says so on a queue, and so does discovery when it
    hands over more hosts (`wake`)."""

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        admission: Admission,
        audit: Callable[[Host], DeviceReport],
        incoming: Callable[[], list[Host]],
        known_maker: Callable[[Host], bool],
    ) -> None:
        self.pool, self.admission, self.audit = pool, admission, audit
        self.incoming, self.known_maker = incoming, known_maker
        self.taken: list[Host] = []  # every host handed over, in that order
        self.waiting: list[Host] = []  # popped from the end: the longest first
        self.running: dict[Future[DeviceReport], Host] = {}
        self.finished: queue.SimpleQueue[Future[DeviceReport] | None] = queue.SimpleQueue()
        self.closed = False  # no more hosts start (the stage was stopped)

    def wake(self) -> None:
        self.finished.put(None)

    def add(self, hosts: Sequence[Host]) -> None:
        if hosts:
            self.taken += hosts
            self.waiting = longest_first([*reversed(self.waiting), *hosts], self.known_maker)[::-1]

    def top_up(self) -> None:
        if not self.closed:
            self.add(self.incoming())
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
    why_stop: Callable[[], Stop | None],
    more: Callable[[], bool],
) -> Stop | None:
    """Start audits as the admission allows and gather finished ones into `reports` until all are in and no more
    are to come (None), or `why_stop` says why not wait any longer. Each finished audit says so on a queue:
    waiting costs nothing per device (a thousand devices polled with concurrent.futures.wait cost seconds of
    CPU)."""
    while True:
        ended = not more()  # asked before taking what came: once it is so, every host has been handed over
        dispatch.top_up()
        if ended and not dispatch.running and (dispatch.closed or not dispatch.waiting):
            return None
        why = why_stop()
        if why is not None:
            return why
        try:
            future = dispatch.finished.get(timeout=POLL)
        except queue.Empty:
            continue
        host = None if future is None else dispatch.running.pop(future, None)
        if future is None or host is None or future.cancelled():
            continue  # a wake-up (hosts handed over), or an audit cancelled by a stop
        report = replace(future.result(), discovery=host.facts)
        reports[report.address] = report
        progress.advance(report.address)
