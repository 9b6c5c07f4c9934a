"""The bounds of every request camaudit sends to a device: politeness (requests in flight, scan rate), the device's
time budget, a hard deadline per exchange, the evidence kept per device, and the scan's stop.

Every probe wraps each exchange with a device (an HTTP request with its Digest retry, a SOAP call, an RTSP
request) in `with pace:` and bounds its sockets with `pace.guard(seconds)`; the limits hold however the audit
schedules its work. Once a device's budget is spent, or the scan is stopped (Ctrl-C, the audit stage over its
budget), a request is not sent (ProbeError) and exchanges in flight end at once.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from scanner.errors import ProbeError
from scanner.model import MAX_BODY
from scanner.net import exchanges
from scanner.net.deadline import Guard
from scanner.net.slots import Slots, is_bulk
from scanner.vocabulary import Reason

DEVICE_BYTES = 8 << 20  # answer bytes kept per device at full size (real devices send well under 1 MiB in all)
NOT_SENT = "not sent: "  # how a refused request's detail begins (the audit sums these up in one line)
T = TypeVar("T")
LEAN_BODY = 64 << 10  # the cap on each answer once a device has used DEVICE_BYTES (a hostile one, in practice)
# A request that may be asked once more is first waited for FIRST_WAIT_FACTOR times the device's slowest round trip
# so far (once it has given FIRST_WAIT_BASIS answers; an exchange with a login challenge is two round trips), never
# less than FIRST_WAIT_FLOOR nor more than its timeout; the second attempt gets the whole timeout. A device that
# lost a request (an embedded web server drops one now and then) costs a few seconds, not the whole timeout, while a
# slow device keeps its whole timeout on both attempts. Twice, not four times: under load a device's slowest answer
# so far is most of a second (its think time and our queue), and four times that was the whole timeout; a lost
# request late in a scan held the scan's end (on the premises bench's lab, a lost request cost its device's audit
# 1.4-1.6 s at the median against 1.8-2.1 s; README, Benchmark).
FIRST_WAIT_FACTOR = 2.0
FIRST_WAIT_FLOOR = 2.0
FIRST_WAIT_BASIS = 3
# A device that has not answered FIRST_WAIT_BASIS times yet is measured by the scan's other devices instead: the
# 95th percentile of the last SCAN_TRIPS round trips of the scan (once it has SCAN_BASIS of them), so that a lost
# first request (`GET /`, or the redirect it led to) costs a few seconds, not the whole timeout.
SCAN_TRIPS = 512
SCAN_BASIS = 64
# A device that closes a new connection without answering is asked once more after BUSY_PAUSE: embedded web servers
# at their limit of connections accept the next one and close it at once, and free a slot when any client's
# connection ends (ours that sat idle are closed first: scanner.probes.wire).
BUSY_PAUSE = 0.5
_attempt = threading.local()  # `first`: inside `first_attempt`; `began`, `trips`: its exchange's start


class Pace:
    """The scan-wide limits: `per_host` requests in flight to one address (0: no cap), `rate` starts per second."""

    def __init__(self, per_host: int = 0, rate: float | None = None) -> None:
        if per_host < 0:
            raise ValueError("per_host must be 0 (no cap) or more")
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self._per_host = per_host
        self._interval = 1.0 / rate if rate else 0.0
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._hosts: dict[str, HostPace] = {}
        self._stopped = threading.Event()
        self._why = ""
        self._cause = Reason.INTERRUPTED
        self._guards: weakref.WeakSet[Guard] = weakref.WeakSet()  # exchanges in flight (a guard dies with its own)
        self._trips: deque[float] = deque(maxlen=SCAN_TRIPS)  # the scan's last round trips, seconds

    def host(self, address: str) -> HostPace:
        """The pace of one device; the same object for the same address, so its cap is shared by all callers."""
        with self._lock:
            found = self._hosts.get(address)
            if found is None:
                found = self._hosts[address] = HostPace(self, self._per_host)
            return found

    def release(self, address: str) -> None:
        """Forget a device whose audit is over (its slots are all free again)."""
        with self._lock:
            self._hosts.pop(address, None)

    def wait_turn(self) -> None:
        """Block until the scan-wide rate allows one more request to start (no wait without a rate)."""
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        while start > now and not self._stopped.is_set():  # in slices: a stop is heard within a quarter second
            time.sleep(min(start - now, 0.25))
            now = time.monotonic()

    def stop(self, reason: str, cause: Reason = Reason.INTERRUPTED) -> None:
        """End the scan's exchanges: those in flight at once, later ones before they are sent. `reason` says why
        in words, `cause` as a code (INTERRUPTED, STAGE_BUDGET)."""
        with self._lock:
            if not self._stopped.is_set():
                self._why, self._cause = reason, cause
                self._stopped.set()
            guards = list(self._guards)
        for guard in guards:
            guard.expire(self._why, self._cause)

    @property
    def stopped(self) -> str | None:
        """Why the scan was stopped, or None while it runs."""
        return self._why if self._stopped.is_set() else None

    @property
    def stop_cause(self) -> Reason:
        """The code of why the scan was stopped (meaningful once `stopped` is set)."""
        return self._cause

    def answered(self, seconds: float) -> None:
        """A device answered after `seconds` (one round trip)."""
        self._trips.append(seconds)  # deque.append is atomic

    def slow_trip(self) -> float | None:
        """The 95th percentile of the scan's last round trips, or None while it has fewer than SCAN_BASIS."""
        trips = sorted(tuple(self._trips))
        return trips[int(0.95 * len(trips))] if len(trips) >= SCAN_BASIS else None

    def track(self, guard: Guard) -> None:
        with self._lock:
            self._guards.add(guard)
            stopped = self._stopped.is_set()
        if stopped:
            guard.expire(self._why, self._cause)


class HostPace:
    """`with host_pace:` around one exchange: checks the device's budget, waits for a free slot (scanner.net.slots:
    requests sent while `giving_way()` after the others), then the scan rate."""

    def __init__(self, pace: Pace | None = None, per_host: int = 0) -> None:
        self._pace = pace
        self._slots = Slots(per_host) if per_host else None  # the chain's requests before the bulk
        self._deadline: float | None = None
        self._bytes = 0
        self._bytes_lock = threading.Lock()
        self.retries = 0  # requests asked once more after they timed out (the benchmark counts them)
        self._answers = 0  # exchanges that ended in an answer, and the slowest round trip among them (seconds)
        self._slowest = 0.0

    def limit(self, seconds: float) -> None:
        """Give the device a time budget of `seconds` from now: no request starts after it, none outlives it."""
        self._deadline = time.monotonic() + seconds

    def __enter__(self) -> HostPace:
        self._refuse_if_over()
        if self._slots is not None:
            self._slots.acquire(is_bulk())
        try:
            self._refuse_if_over()  # the budget may have run out while waiting for a slot
            if self._pace is not None:
                self._pace.wait_turn()
                self._refuse_if_over()
        except ProbeError:
            if self._slots is not None:
                self._slots.release()
            raise
        _attempt.began, _attempt.trips = time.monotonic(), exchanges.so_far()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            took = time.monotonic() - getattr(_attempt, "began", time.monotonic())
            trips = max(1, exchanges.so_far() - getattr(_attempt, "trips", 0))  # a login challenge: two
            took /= trips
            with self._bytes_lock:
                self._answers += 1
                self._slowest = max(self._slowest, took)
            if self._pace is not None:
                self._pace.answered(took)
        if self._slots is not None:
            self._slots.release()

    def _refuse_if_over(self) -> None:
        stopped = self._pace.stopped if self._pace is not None else None
        if stopped and self._pace is not None:
            raise ProbeError(f"{NOT_SENT}{stopped}", self._pace.stop_cause)
        if self._deadline is not None and time.monotonic() >= self._deadline:
            raise ProbeError(f"{NOT_SENT}the device's time budget ran out", Reason.BUDGET_SPENT)

    def may_retry(self, seconds: float) -> bool:
        """Whether a request that timed out may be asked once more: the scan is not stopped and the device's budget
        has `seconds` left (one request timeout). Counts the retries it grants."""
        if self._pace is not None and self._pace.stopped:
            return False
        if self._deadline is not None and self._deadline - time.monotonic() < seconds:
            return False
        with self._bytes_lock:
            self.retries += 1
        return True

    def once_more(self, seconds: float, attempt: Callable[[], T], patient: bool = False, timeouts: bool = True) -> T:
        """`attempt()`; asked once more when the device did not answer in time, or closed a new connection without
        answering (ClosedUnanswered: after BUSY_PAUSE), and `may_retry(seconds)`. Anything else it raises (a
        refusal, a reset of a kept connection, the scan's limits) is raised at once: never a retry after a refusal.
        `patient`: the first attempt too waits the whole timeout (a request that opens a search on the device: one
        given up early would be left open there). `timeouts=False`: a timeout is raised, for the caller to ask
        again (it may wait less than the whole timeout: `first_attempt`)."""
        try:
            if patient:
                return attempt()
            return first_attempt(attempt)
        except Exception as exc:
            closed = isinstance(exc, ClosedUnanswered)
            if not ((closed or (timeouts and timed_out(exc))) and self.may_retry(seconds)):
                raise
            if closed:
                time.sleep(BUSY_PAUSE)
        return attempt()

    def first_wait(self, seconds: float) -> float:
        """How long the first attempt of a request that may be asked again waits for its answer: a few times the
        device's slowest round trip so far once it has answered enough (before that, the scan's slow round trip:
        `Pace.slow_trip`), when its budget holds this wait and a whole second attempt; else `seconds` (the whole
        timeout)."""
        with self._bytes_lock:
            answers, slowest = self._answers, self._slowest
        if answers < FIRST_WAIT_BASIS:
            scan = self._pace.slow_trip() if self._pace is not None else None
            if scan is None:
                return seconds
            slowest = scan
        wait = min(seconds, max(FIRST_WAIT_FLOOR, FIRST_WAIT_FACTOR * slowest))
        if self._deadline is not None and self._deadline - time.monotonic() < wait + seconds:
            return seconds
        return wait

    def guard(self, seconds: float) -> Guard:
        """The hard deadline of one exchange: `seconds` from now (less for the first attempt of a request that may
        be asked again: `first_wait`), or the end of the device's budget if sooner."""
        if in_first_attempt():
            seconds = self.first_wait(seconds)
        deadline, reason = time.monotonic() + seconds, f"the device took more than {seconds:g} s to answer"
        cause = Reason.TIMED_OUT
        if self._deadline is not None and self._deadline < deadline:
            deadline, reason = self._deadline, "the device's time budget ran out during this exchange"
            cause = Reason.BUDGET_SPENT
        guard = Guard(deadline, reason, cause=cause)
        if self._pace is not None:
            self._pace.track(guard)
        return guard

    def body_cap(self) -> int:
        """How many bytes of the next answer to keep: MAX_BODY until the device has sent DEVICE_BYTES in all."""
        if self._pace is None:
            return MAX_BODY  # a probe used on its own: nothing to share out
        with self._bytes_lock:
            return MAX_BODY if self._bytes < DEVICE_BYTES else LEAN_BODY

    def spend(self, size: int) -> None:
        """Count answer bytes kept for this device."""
        with self._bytes_lock:
            self._bytes += size

    @property
    def spent(self) -> int:
        """Answer bytes kept for this device so far."""
        with self._bytes_lock:
            return self._bytes


UNPACED = HostPace()  # no cap, no rate, no budget: for a probe used on its own (tests, one-off checks)


def first_attempt(attempt: Callable[[], T]) -> T:
    """`attempt()` as the first attempt of a request its caller asks again if it times out: its exchanges' guards
    wait `HostPace.first_wait`, which may be less than the whole timeout."""
    before = getattr(_attempt, "first", False)
    _attempt.first = True
    try:
        return attempt()
    finally:
        _attempt.first = before


def in_first_attempt() -> bool:
    """Whether this thread's exchange is the first attempt of a request that will be asked again if it times out."""
    return bool(getattr(_attempt, "first", False))


def cause_of(error: BaseException) -> Reason | None:
    """Why an exchange ended without an answer, when time ended it: the scan's own limits (the device's budget,
    the stage's, a Ctrl-C), or the device's slowness (TIMED_OUT: a read timeout or the exchange's hard deadline);
    else None."""
    if isinstance(error, ProbeError):
        return error.cause
    return Reason.TIMED_OUT if isinstance(error, TimeoutError) else None


class ClosedUnanswered(ConnectionResetError):
    """The device closed a connection it had just accepted without answering the first request on it: a device
    at its limit of connections does (so does a broken one). Asked once more, like a request that timed out."""

    def __str__(self) -> str:
        return "the device closed the connection without answering (as a device at its limit of connections does)"


def timed_out(error: BaseException) -> bool:
    """The device did not answer in time (not the scan's limits): a request worth asking once more."""
    return cause_of(error) == Reason.TIMED_OUT
