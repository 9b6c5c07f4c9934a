"""Run a fleet of N emulated cameras in this process until stdin closes (the benchmark's lab, kept apart).

Prints `ready N LOOP` once every device listens; LOOP is the event loop the devices run on: `uvloop` when it is
installed (`pip install -e '.[bench]'`), which answers the same requests with less of the machine's CPU (the audit
shares the machine with this lab, never with real cameras), else `asyncio`. Each `stats` line on stdin is answered
with one JSON line of what the devices saw since the last one: requests answered and stalled, connections queued
and refused, per device address, and how late the lab woke its devices after their think time (`late_ms`: median,
99th percentile and most, in ms; a lab starved of CPU answers late). A `stall P` line makes the devices drop a share
P of requests from then on (never answered).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh clone without installing

from tests.doubles.fleet import Fleet  # noqa: E402
from tests.doubles.tempo import RealSpeed, ThinkTime  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, required=True, help="number of devices")
    parser.add_argument("--network", required=True, help="loopback network, e.g. 127.79.0.0/24 or 127.90.0.0/20")
    parser.add_argument("--credentials", type=Path, required=True, help="where to write the lab's logins (0600)")
    parser.add_argument("--think", type=float, default=0.0, help="median think time per request, seconds (0: none)")
    parser.add_argument("--sigma", type=float, default=0.6, help="spread of the log-normal think time")
    parser.add_argument("--cap", type=float, default=1.0, help="longest think time, seconds")
    parser.add_argument("--connections", type=int, default=0, help="connections each device serves at once (0: any)")
    parser.add_argument("--refuse-every", type=int, default=0, help="every K-th device refuses extra connections")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                        help="the devices' event loop (auto: uvloop when installed)")  # fmt: skip
    args = parser.parse_args()
    loop = event_loop(args.loop)
    tempo = None
    if args.think > 0 or args.connections > 0:
        tempo = RealSpeed(ThinkTime(args.think, args.sigma, args.cap), args.connections or 1 << 16)
    with Fleet(args.n, network=args.network, tempo=tempo) as fleet:
        if tempo is not None and args.refuse_every > 0:
            tempo.refusing = frozenset(d.address for i, d in enumerate(fleet.devices) if i % args.refuse_every == 0)
        fd = os.open(args.credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(fleet.credentials_toml())
        print(f"ready {len(fleet.devices)} {loop}", flush=True)
        for line in sys.stdin:  # the benchmark closes our stdin when it is done
            words = line.split()
            if words == ["stats"]:
                print(json.dumps(_stats(fleet, tempo)), flush=True)
            elif len(words) == 2 and words[0] == "stall" and tempo is not None:
                tempo.stall = float(words[1])  # a float store: the loop thread sees one value or the other
    return 0


def event_loop(wanted: str) -> str:
    """Make `wanted` the event loop of the loops made from now on (the lab's own, on its thread); its name.
    `auto`: uvloop when it is installed, else asyncio's."""
    if wanted == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: PLC0415 - optional: the bench extra
    except ImportError:
        if wanted == "uvloop":
            raise SystemExit("--loop uvloop: uvloop is not installed (pip install -e '.[bench]')") from None
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def _stats(fleet: Fleet, tempo: RealSpeed | None) -> dict[str, dict[str, Any]]:
    """The counters since the last call, read (and reset) on the lab's own loop."""
    names = ("answered", "queued", "refused", "stalled")
    if tempo is None or fleet.loop is None:
        return {name: {} for name in (*names, "late_ms")}

    async def take() -> dict[str, dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {name: dict(getattr(tempo, name)) for name in names}
        seen["late_ms"] = lateness(tempo.late)
        for name in names:
            getattr(tempo, name).clear()
        tempo.late.clear()
        return seen

    return asyncio.run_coroutine_threadsafe(take(), fleet.loop).result(10)


def lateness(late: list[float]) -> dict[str, float]:
    """Median, 99th percentile and most of `late` (seconds), in ms; empty when nothing was timed."""
    if not late:
        return {}
    ranked = sorted(late)

    def ms(share: float) -> float:
        return round(ranked[min(len(ranked) - 1, int(share * len(ranked)))] * 1000, 1)

    return {"median": ms(0.5), "p99": ms(0.99), "max": ms(1.0)}


if __name__ == "__main__":
    raise SystemExit(main())
