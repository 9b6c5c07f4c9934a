"""How many devices are audited at once: adapted to the latency the audit sees in its own threads.

Devices spend most of their audit waiting for answers, so more of them at once finish the scan sooner, until the
audit's own core is saturated: then every request waits for the interpreter before it is sent and after its
answer came, answers seem slower than they are, and a slow device may look silent. The latency that says so is
the audit's own: how late a thread on the audit's core wakes from a short sleep (its place in the queue for the
core and the GIL). While that lag stays small and devices are waiting, more are let in; when it grows, fewer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from scanner.pipeline.cores import share_core

TICK = 0.02  # seconds the lag probe sleeps between looks
CALM = 0.002  # seconds of median lag under which more devices are let in
BUSY = 0.006  # seconds of median lag over which fewer are
STEP = 0.5  # seconds between adjustments


@dataclass(frozen=True)
class Limits:
    """Devices at once: where the audit starts, and the fewest and most it may adapt to."""

    start: int
    low: int
    high: int


def adjusted(limit: int, lag: float, waiting: bool, limits: Limits) -> int:
    """The next limit from the median lag of the last step: up by an eighth (at least 4) while calm and devices
    wait, down by a sixth when busy, within [low, high]."""
    if lag > BUSY:
        return max(limits.low, limit - max(1, limit // 6))
    if lag < CALM and waiting:
        return min(limits.high, limit + max(4, limit // 8))
    return limit


class LagProbe:
    """A daemon thread on the audit's core that sleeps TICK at a time and keeps how late it woke."""

    def __init__(self, cores: set[int] | None) -> None:
        self._lags: list[float] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(cores,), name="camaudit-lag", daemon=True)
        self._thread.start()

    def _run(self, cores: set[int] | None) -> None:
        share_core(cores)
        while not self._stop.is_set():
            asked = time.monotonic()
            time.sleep(TICK)
            late = time.monotonic() - asked - TICK
            with self._lock:
                self._lags.append(max(0.0, late))

    def take(self) -> float:
        """The median lag since the last call (0 when none was measured)."""
        with self._lock:
            lags, self._lags = sorted(self._lags), []
        return lags[len(lags) // 2] if lags else 0.0

    def close(self) -> None:
        self._stop.set()


class Admission:
    """The current limit, adjusted every STEP seconds from the probe; a record of the limits over time."""

    def __init__(self, limits: Limits, probe: LagProbe | None) -> None:
        self.limits, self.limit, self._probe = limits, limits.start, probe
        self._last = time.monotonic()
        self._started = self._last
        self._area = 0.0  # integral of the limit over time: its mean over the audit
        self.peak = self.limit
        self.history: list[tuple[float, int, float]] = []  # (seconds into the audit, limit, median lag in ms)

    def tick(self, waiting: bool) -> int:
        """The limit now (adjusted when a step has passed)."""
        now = time.monotonic()
        if self._probe is not None and now - self._last >= STEP:
            self._area += self.limit * (now - self._last)
            self._last = now
            lag = self._probe.take()
            self.limit = adjusted(self.limit, lag, waiting, self.limits)
            self.peak = max(self.peak, self.limit)
            self.history.append((round(now - self._started, 1), self.limit, round(lag * 1000, 1)))
        return self.limit

    def mean(self) -> float:
        """The limit's mean over the audit so far (what the devices at once were allowed, on average)."""
        now = time.monotonic()
        span = now - self._started
        return (self._area + self.limit * (now - self._last)) / span if span > 0 else float(self.limit)
