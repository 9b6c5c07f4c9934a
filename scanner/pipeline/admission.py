"""How many devices are audited at once: adapted to the load the audit sees on its own core.

Devices spend most of their audit waiting for answers, so more of them at once finish the scan sooner, until the
audit's own core is saturated: then every request waits for the interpreter before it is sent and after its
answer came, answers seem slower than they are, a slow device may look silent, and each device's audit drags on
past its own pace (measured at 1,000 devices: each audit took 1.2-1.3x its floor at 96-144 devices at once, the
core 60-90 % busy, and 1.8x at 210, the core saturated, for the same wall time). Two signs say so: how busy the
audit's core was over the last step (by the audit or any other program on it: /proc/stat on Linux; elsewhere the
share of a core the audit's process used), and how late a thread on the audit's core wakes from a short sleep (its
place in the queue for the core and the GIL). While both stay low and devices are waiting, more are let in; when
either is high, fewer. The thresholds keep the core just short of saturation: lower ones (70/85 %) held 80-90
devices at once when a CPU hog pushed the lab's answers onto our core, and the scan took 29-34 s instead of 27 s
for each audit at 1.25x its floor instead of 1.31x.

A core kept busy by another program is not the audit's saturation: letting fewer devices in does not free it (the
other program takes what the audit leaves), and the audit's threads may still wake on time. So a busy core counts
only while the audit itself uses at least half of what is busy; when another program uses more, the lag alone
says whether the audit waits. Measured at 1,000 devices with a busy program on each core: the audit fell to 16
devices at once (its core 100 % busy, its threads waking 0.1-0.4 ms late) and took 116 s for 18 s of CPU.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from scanner.pipeline.cores import CoreMeter, share_core

TICK = 0.02  # seconds the lag probe sleeps between looks
CALM = 0.002  # seconds of median lag under which more devices may be let in
BUSY = 0.006  # seconds of median lag over which fewer are
CALM_CPU = 0.85  # share of a core under which more devices may be let in
BUSY_CPU = 0.95  # share of a core over which fewer are
STEP = 0.5  # seconds between adjustments


@dataclass(frozen=True)
class Limits:
    """Devices at once: where the audit starts, and the fewest and most it may adapt to."""

    start: int
    low: int
    high: int


@dataclass(frozen=True)
class Load:
    """What the last step saw: the probe's median lag (seconds), how busy the audit's core was (0..1), and the share
    of a core the audit's own process used (0..1; 1.0 when not told: the busy core is taken to be the audit's)."""

    lag: float
    cpu: float
    own: float = 1.0

    @property
    def ours(self) -> bool:
        """The audit uses at least half of what keeps its core busy (no other program uses more)."""
        return self.own >= self.cpu / 2


def adjusted(limit: int, load: Load, waiting: bool, limits: Limits) -> int:
    """The next limit from the last step's load: up by an eighth (at least 4) while both signs are calm and devices
    wait, down by a sixth when either is busy, within [low, high]. A core busy mostly with another program's work
    is neither busy nor calm: the lag decides alone."""
    if load.lag > BUSY or (load.cpu > BUSY_CPU and load.ours):
        return max(limits.low, limit - max(1, limit // 6))
    if load.lag < CALM and (load.cpu < CALM_CPU or not load.ours) and waiting:
        return min(limits.high, limit + max(4, limit // 8))
    return limit


class LagProbe:
    """A daemon thread on the audit's core that sleeps TICK at a time and keeps how late it woke; it also reads the
    process's CPU time at each take."""

    def __init__(self, cores: set[int] | None) -> None:
        self._lags: list[float] = []
        self._lock = threading.Lock()
        self._at, self._cpu = time.monotonic(), time.process_time()
        self._meter = CoreMeter(next(iter(cores))) if cores is not None and len(cores) == 1 else None
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

    def take(self) -> Load:
        """The median lag (0 when none was measured), how busy the audit's core was, since the last call (the
        busier of the core, every program on it, and the process's own share of a core), and that own share."""
        with self._lock:
            lags, self._lags = sorted(self._lags), []
            now, cpu = time.monotonic(), time.process_time()
            share = (cpu - self._cpu) / (now - self._at) if now > self._at else 0.0
            self._at, self._cpu = now, cpu
            core = self._meter.share() if self._meter is not None else None
        return Load(lags[len(lags) // 2] if lags else 0.0, max(share, core or 0.0), share)

    def close(self) -> None:
        self._stop.set()


class Admission:
    """The current limit, adjusted every STEP seconds from the probe; a record of the limits over time."""

    def __init__(self, limits: Limits, probe: LagProbe | None) -> None:
        self.limits, self.limit, self._probe = limits, limits.start, probe
        self._last = time.monotonic()
        self.started = self._last  # time.monotonic() when the audit stage began
        self._area = 0.0  # integral of the limit over time: its mean over the audit
        self.peak = self.limit
        # (seconds into the audit, limit, median lag in ms, share of the core busy, the audit's own share)
        self.history: list[tuple[float, int, float, float, float]] = []

    def tick(self, waiting: bool) -> int:
        """The limit now (adjusted when a step has passed)."""
        now = time.monotonic()
        if self._probe is not None and now - self._last >= STEP:
            self._area += self.limit * (now - self._last)
            self._last = now
            load = self._probe.take()
            self.limit = adjusted(self.limit, load, waiting, self.limits)
            self.peak = max(self.peak, self.limit)
            self.history.append(
                (
                    round(now - self.started, 1),
                    self.limit,
                    round(load.lag * 1000, 1),
                    round(load.cpu, 2),
                    round(load.own, 2),
                )
            )
        return self.limit

    def mean(self) -> float:
        """The limit's mean over the audit so far (what the devices at once were allowed, on average)."""
        now = time.monotonic()
        span = now - self.started
        return (self._area + self.limit * (now - self._last)) / span if span > 0 else float(self.limit)
