"""Profile: where camaudit's CPU goes while it audits the premises at real-camera speed (bench/premises.py's lab).

Run by hand from the repository root, with yappi installed (`pip install yappi`: it charges each function the CPU
time of the thread that ran it, across every thread of the scan):

    .venv/bin/python bench/profile.py --n 1000 --top 25

Prints the functions that used the most CPU: by their own time (self) and with what they called (total), in CPU
seconds and as shares of the scan's CPU time. The profiler slows the scan down (each call is counted), so its
seconds are larger than a plain run's; the shares are what guide the work. `--stats FILE` keeps yappi's pstats.
`--code DIR` profiles the camaudit of another checkout (e.g. `git archive main | tar -x -C /tmp/before`) against
the same lab, for a before/after comparison.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a fresh clone without installing

from bench.lab_options import lab_options  # noqa: E402 - argparse only: the child imports the scanner it profiles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="devices (default 1000)")
    parser.add_argument("--network", default="127.90.64.0/20", help="loopback /20 for the lab")
    lab_options(parser)
    parser.add_argument("--stall", type=float, default=0.0, help="share of requests a device never answers")
    parser.add_argument("--scan-args", default="")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--stats", type=Path, help="keep yappi's statistics (pstats format) here")
    parser.add_argument("--code", type=Path, default=HERE.parent, help="the checkout whose camaudit is profiled")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        sys.path.insert(0, str(args.code.resolve()))  # before any import of scanner: the checkout under test
        return _profiled(args.child, args.top, args.stats)
    from bench.premises import LabProcess  # noqa: PLC0415 - the parent only: the child imports the code under test

    with tempfile.TemporaryDirectory(prefix="camaudit-profile-") as tmp:
        work = Path(tmp)
        lab = LabProcess(args.n, args.network, work / "credentials.toml", args)
        lab.stall(args.stall)
        try:
            scan = ["scan", args.network, "--credentials", str(work / "credentials.toml"), "--format", "json",
                    "-o", str(work / "r.json"), "--no-progress", "--no-history", *args.scan_args.split()]  # fmt: skip
            keep = ["--stats", str(args.stats)] if args.stats else []
            code = ["--code", str(args.code)]
            child = [sys.executable, str(Path(__file__)), "--top", str(args.top), *keep, *code, "--child", *scan]
            return subprocess.run(child, check=False).returncode  # noqa: S603 - our own script
        finally:
            lab.close()


def _profiled(argv: list[str], top: int, stats: Path | None) -> int:
    """`camaudit argv` under yappi (CPU clock, every thread), then the busiest functions."""
    import yappi  # noqa: PLC0415 - a profiling tool, not a dependency of camaudit

    from scanner.cli.main import main as camaudit  # noqa: PLC0415

    yappi.set_clock_type("cpu")
    started, cpu = time.monotonic(), time.process_time()
    yappi.start(builtins=False, profile_threads=True)
    try:
        code = camaudit(argv)
    finally:
        yappi.stop()
    wall, used = time.monotonic() - started, time.process_time() - cpu
    functions = yappi.get_func_stats()
    if stats is not None:
        functions.save(str(stats), type="pstat")
    rows: list[tuple[str, float, float]] = [(_name(f.name, f.module), f.tsub, f.ttot) for f in functions]
    print(f"\nprofiled scan: {wall:.1f} s wall, {used:.1f} s CPU (under the profiler)\n", file=sys.stderr)
    for title, own in (("self", True), ("total", False)):
        print(f"{'CPU s':>7} {'share':>6}  function ({title})", file=sys.stderr)
        for name, tsub, ttot in sorted(rows, key=lambda r: r[1] if own else r[2], reverse=True)[:top]:
            seconds = tsub if own else ttot
            print(f"{seconds:7.2f} {100 * seconds / used:5.1f}%  {name}", file=sys.stderr)
        print(file=sys.stderr)
    return code


def _name(function: str, module: str) -> str:
    parts = Path(module).parts
    return f"{function} ({'/'.join(parts[-2:]) if len(parts) >= 2 else module})"


if __name__ == "__main__":
    raise SystemExit(main())
