"""The core the audit's threads share. CPython runs one thread's Python at a time (the GIL); hundreds of threads that
each wake for a few microseconds of work, spread over several cores, hand the GIL from core to core on every wake-up,
and the hand-overs cost more CPU than the work (measured at 1,000 devices on 2 cores: 400,000 context switches and
44 s of CPU; on one core 83,000 and 33 s, and the scan finished sooner). So the audit's threads share one core: the
one least busy when the scan starts (before nmap's sweep, which may keep a core busy while the first audits begin).
Linux only (sched_setaffinity); elsewhere, and with one core, nothing changes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

SAMPLE = 0.1  # seconds between the two looks at /proc/stat
_IDLE_FIELDS = (3, 4)  # idle and iowait, among user nice system idle iowait irq softirq steal


def cpu_times(stat: str) -> dict[int, tuple[int, int]]:
    """Per core (`cpuN` lines of /proc/stat): (busy, total) clock ticks since boot."""
    times = {}
    for line in stat.splitlines():
        name, _, rest = line.partition(" ")
        if not (name.startswith("cpu") and name[3:].isdigit()):
            continue
        ticks = [int(x) for x in rest.split()[:8]]
        idle = sum(ticks[i] for i in _IDLE_FIELDS if i < len(ticks))
        times[int(name[3:])] = (sum(ticks) - idle, sum(ticks))
    return times


def quietest(
    before: Mapping[int, tuple[int, int]], after: Mapping[int, tuple[int, int]], allowed: set[int]
) -> int | None:
    """The allowed core that was least busy between the two looks (the lowest-numbered on a tie)."""
    shares = {}
    for core in sorted(allowed & before.keys() & after.keys()):
        busy = after[core][0] - before[core][0]
        total = after[core][1] - before[core][1]
        shares[core] = busy / total if total > 0 else 0.0
    return min(shares, key=lambda core: (shares[core], core)) if shares else None


def _proc_stat() -> str:
    return Path("/proc/stat").read_text()


def audit_core() -> set[int] | None:
    """The core for the audit's threads, or None (not Linux, one core, /proc unreadable: leave them be)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        return None
    try:
        before = cpu_times(_proc_stat())
        time.sleep(SAMPLE)
        after = cpu_times(_proc_stat())
    except OSError:
        return None
    core = quietest(before, after, set(allowed))
    return {core} if core is not None else None


def share_core(cores: set[int] | None) -> None:
    """Put the calling thread on `cores` (a thread pool's initializer); threads it starts inherit them."""
    if cores is not None:
        try:
            os.sched_setaffinity(0, cores)
        except OSError:
            pass  # a core taken offline meanwhile: the thread runs where the system puts it


class CoreMeter:
    """How busy one core was (by every program on it) between two calls of `share`, from /proc/stat (`stat`: what
    reads it)."""

    def __init__(self, core: int, stat: Callable[[], str] = _proc_stat) -> None:
        self.core, self._stat = core, stat
        self._last = self._read()

    def _read(self) -> tuple[int, int] | None:
        try:
            return cpu_times(self._stat()).get(self.core)
        except OSError:
            return None

    def share(self) -> float | None:
        """The core's busy share since the last call (0..1), or None when /proc/stat said nothing of it."""
        now, before = self._read(), self._last
        self._last = now
        if now is None or before is None or now[1] <= before[1]:
            return None
        return (now[0] - before[0]) / (now[1] - before[1])
