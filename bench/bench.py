"""Benchmark: camaudit's full audit against `nmap -sT -sV` on a lab of N emulated cameras; prints a table.

Run by hand from the repository root (root, for the lab's real ports 80/554; nmap installed):

    .venv/bin/python bench/bench.py --n 10 50 254 --runs 3

For each N, a lab of N cloned personas (bench/lab_server.py, its own process) listens on a loopback /24. Each run
measures, one after the other, `camaudit scan` with the lab's logins (discovery, identification, every face probe,
JSON report) and `nmap -n -sT -sV -p <camaudit's camera ports>` over the same /24, each as a child process: wall
time, CPU time and peak RSS (nmap's own process included under camaudit). The table shows the median of the runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a fresh clone without installing

from bench.measure import Usage, cpu_seconds, peak_rss_mb, run_measured  # noqa: E402
from bench.report import Row, critical_path, differences, print_table  # noqa: E402
from scanner.config import CAMERA_PORTS  # noqa: E402
from tests.doubles.fleet import Fleet  # noqa: E402


@dataclass(frozen=True)
class Run:
    """One run at one N: both tools' costs, the lab's CPU while each ran, and what camaudit concluded."""

    camaudit: Usage
    nmap: Usage | None
    lab_cpu_audit_s: float
    lab_cpu_nmap_s: float
    critical: tuple[int, float]  # requests on the longest chain of one device, and that chain's seconds
    wrong: tuple[str, ...]  # devices not judged as the lab expects
    requests: int


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[10, 50, 254], help="lab sizes (default: 10 50 254)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the table shows medians (default: 3)")
    parser.add_argument("--network", default="127.79.0.0/24", help="first loopback /24 (the i-th size uses .i.0/24)")
    parser.add_argument("--no-nmap", action="store_true", help="measure camaudit only")
    parser.add_argument("--keep", type=Path, help="keep reports, traces and nmap output in this directory")
    args = parser.parse_args(argv)
    nmap = None if args.no_nmap else shutil.which("nmap")
    if not args.no_nmap and nmap is None:
        parser.error("nmap is not installed (apt-get install nmap), or pass --no-nmap")
    rows = []
    with tempfile.TemporaryDirectory(prefix="camaudit-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for index, count in enumerate(args.n):
            network = str(_nth_network(args.network, index))
            runs = _measure_size(count, network, args.runs, nmap, work / f"n{count}")
            rows.append(_row(count, runs))
            print(f"N={count}: done ({args.runs} runs)", file=sys.stderr, flush=True)
    print_table(rows)
    return 1 if any(row.wrong for row in rows) else 0


def _nth_network(first: str, index: int) -> ipaddress.IPv4Network:
    net = ipaddress.IPv4Network(first, strict=False)
    if net.prefixlen != 24 or not net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")):
        raise SystemExit(f"--network must be a /24 inside 127.0.0.0/8, not {first}")
    return ipaddress.IPv4Network((int(net.network_address) + (index << 8), 24))


def _measure_size(count: int, network: str, runs: int, nmap: str | None, work: Path) -> list[Run]:
    work.mkdir(parents=True, exist_ok=True)
    credentials = work / "credentials.toml"
    lab = subprocess.Popen(  # noqa: S603 - our own lab script, fixed arguments
        [sys.executable, str(HERE / "lab_server.py"), "--n", str(count), "--network", network,
         "--credentials", str(credentials)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert lab.stdout is not None
        ready = lab.stdout.readline()
        if not ready.startswith("ready"):
            raise SystemExit(f"the lab of {count} devices did not start (see its error above)")
        expected = Fleet(count, network=network).devices  # the same deterministic fleet, as the answer key
        results = []
        for i in range(runs):
            results.append(_one_run(lab.pid, network, credentials, expected, nmap, work / f"run{i}"))
            done = results[-1]
            nmap_wall = f"{done.nmap.wall_s:.1f} s" if done.nmap else "not run"
            print(f"N={count} run {i + 1}: camaudit {done.camaudit.wall_s:.2f} s, nmap {nmap_wall}", file=sys.stderr)
        print(f"lab of {count}: peak RSS {peak_rss_mb(lab.pid):.0f} MB", file=sys.stderr)
        return results
    finally:
        if lab.stdin:
            lab.stdin.close()
        lab.wait(timeout=60)


def _one_run(lab_pid: int, network: str, credentials: Path, expected: Sequence, nmap: str | None, work: Path) -> Run:
    work.mkdir(parents=True, exist_ok=True)
    report, trace = work / "report.json", work / "trace.jsonl"
    before = cpu_seconds(lab_pid)
    audit = run_measured(
        [sys.executable, str(HERE / "audit_child.py"), str(trace), "scan", network, "--credentials", str(credentials),
         "--format", "json", "-o", str(report), "--no-progress", "--no-history"],
    )  # fmt: skip
    lab_audit = cpu_seconds(lab_pid) - before
    nmap_usage, lab_nmap = None, 0.0
    if nmap:
        before = cpu_seconds(lab_pid)
        ports = ",".join(str(p) for p in CAMERA_PORTS)
        nmap_usage = run_measured([nmap, "-n", "-sT", "-sV", "-p", ports, network, "-oX", str(work / "nmap.xml")])
        lab_nmap = cpu_seconds(lab_pid) - before
    devices = json.loads(report.read_text(encoding="utf-8"))["devices"]
    traces = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines() if line.strip()]
    return Run(
        camaudit=audit,
        nmap=nmap_usage,
        lab_cpu_audit_s=lab_audit,
        lab_cpu_nmap_s=lab_nmap,
        critical=critical_path(traces),
        wrong=tuple(differences(devices, expected)),
        requests=sum(t.get("requests", 0) for t in traces),
    )


def _row(count: int, runs: list[Run]) -> Row:
    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    nmaps = [r.nmap for r in runs if r.nmap is not None]
    return Row(
        n=count,
        audit_wall=median([r.camaudit.wall_s for r in runs]),
        audit_cpu=median([r.camaudit.cpu_s for r in runs]),
        audit_rss=median([r.camaudit.peak_rss_mb for r in runs]),
        nmap_wall=median([u.wall_s for u in nmaps]),
        nmap_cpu=median([u.cpu_s for u in nmaps]),
        nmap_rss=median([u.peak_rss_mb for u in nmaps]),
        lab_share=median([r.lab_cpu_audit_s / r.camaudit.wall_s for r in runs]),
        critical_requests=int(median([r.critical[0] for r in runs])),
        critical_s=median([r.critical[1] for r in runs]),
        requests=int(median([r.requests for r in runs])),
        wrong=tuple(sorted({line for r in runs for line in r.wrong})),
        walls=tuple(r.camaudit.wall_s for r in runs),
    )


if __name__ == "__main__":
    raise SystemExit(main())
