"""The premises lab's options on the command line (bench/premises.py and bench/profile.py): argparse only, so that
the profiler's child imports no scanner before it chooses which checkout's to import."""

from __future__ import annotations

import argparse


def lab_options(parser: argparse.ArgumentParser) -> None:
    """The lab's pace and limits, as LabProcess reads them (here and in bench/profile.py)."""
    parser.add_argument("--think", type=float, default=0.15, help="median think time per request, s (default 0.15)")
    parser.add_argument("--sigma", type=float, default=0.6, help="log-normal spread of the think time (default 0.6)")
    parser.add_argument("--cap", type=float, default=1.0, help="longest think time, s (default 1.0)")
    parser.add_argument("--connections", type=int, default=4, help="connections a device serves at once (4)")
    parser.add_argument("--refuse-every", type=int, default=3, help="every K-th device refuses extra connections, "
                        "the others queue them (default 3)")  # fmt: skip
    parser.add_argument("--lab-loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                        help="the lab's event loop (auto: uvloop when installed)")  # fmt: skip
