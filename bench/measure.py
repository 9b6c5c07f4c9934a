"""Run a child process and measure it: wall time, CPU time and peak RSS (its own and its reaped children's)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    """What one child cost. `peak_rss_mb` is the largest resident set of the child or any child it waited for."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_code: int


def run_measured(argv: Sequence[str], stdout: Path | None = None) -> Usage:
    """Start `argv`, wait for it with wait4() so its rusage (nmap under camaudit included) is its alone."""
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    try:
        started = time.monotonic()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)  # noqa: S603
        assert proc.stderr is not None
        # stderr is small (progress is off); read it so a chatty child cannot block on a full pipe.
        err = proc.stderr.read()
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    code = proc.returncode
    if code not in (0, 1):  # camaudit exits 1 when it found face analytics: a success here
        raise RuntimeError(f"{' '.join(argv[:3])}... exited {code}: {err.decode(errors='replace')[-2000:]}")
    return Usage(wall, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss / 1024, code)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of a running process's resident set (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reference_ms(repeats: int = 5) -> float:
    """How fast the machine runs Python now: the least of `repeats` timings of one fixed loop, in milliseconds.
    This project's VM ran the same scan up to half again slower within an hour; runs are comparable only at
    similar figures (lower is faster)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        table: dict[str, int] = {}
        for i in range(300_000):
            key = f"k{i % 997}"
            table[key] = table.get(key, 0) + i * i % 7
        best = min(best, time.perf_counter() - started)
    return best * 1000
