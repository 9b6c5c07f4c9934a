"""Benchmark: large premises at real-camera speed. N cloned cameras and recorders over a /20 on loopback (the rest of
its addresses silent), each thinking a log-normal time per request (median 0.15 s, tail to 1 s) and serving a few
connections at a time; `camaudit scan` of the whole /20 with the lab's logins, as a child process.

Run by hand from the repository root (root, for the lab's real ports 80/554; nmap installed; the bench extra gives
the lab uvloop's event loop, which spends less of the CPU the audit shares with it here):

    .venv/bin/python -m pip install -e '.[bench]'
    .venv/bin/python bench/premises.py --n 50 254 1000 --runs 2 --hog-runs 1

First every model (template persona) is audited alone, one after the other, with the lab otherwise idle: that is
each device's solo verdict. Then, per size, each run measures the scan (wall, CPU and peak RSS, nmap included),
the lab's CPU, the requests the devices answered (per device, by role), the lower bound the politeness limits
allow and the ratio to it, the devices whose verdict differs from their model's solo audit, and how many checks
needed a retry. A hog run adds a busy process pinned to one core for the whole scan.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a fresh clone without installing

from bench.figures import (  # noqa: E402
    DeviceWork,
    Limits,
    RunFigures,
    bent,
    coverage_changed,
    lower_bound,
    per_role,
    print_table,
)
from bench.lab_options import lab_options  # noqa: E402
from bench.measure import cpu_seconds, reference_ms, run_measured  # noqa: E402
from scanner.config import ScanConfig  # noqa: E402
from tests.doubles.fleet import Fleet  # noqa: E402
from tests.doubles.tempo import ThinkTime  # noqa: E402

HOG_CORE = 0
HOG = f"import os\nos.sched_setaffinity(0, {{{HOG_CORE}}})\nwhile True:\n    pass\n"


class LabProcess:
    """bench/lab_server.py in its own process: started, asked for its counters, stopped."""

    def __init__(self, count: int, network: str, credentials: Path, args: argparse.Namespace) -> None:
        argv = [sys.executable, str(HERE / "lab_server.py"), "--n", str(count), "--network", network,
                "--credentials", str(credentials), "--think", str(args.think), "--sigma", str(args.sigma),
                "--cap", str(args.cap), "--connections", str(args.connections),
                "--refuse-every", str(args.refuse_every), "--loop", args.lab_loop]  # fmt: skip
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # noqa: S603
        assert self.proc.stdout is not None
        ready = self.proc.stdout.readline().split()
        if not ready or ready[0] != "ready":
            raise SystemExit(f"the lab of {count} devices did not start (see its error above)")
        loop = ready[2] if len(ready) > 2 else "asyncio"  # the devices' event loop (lab_server.py)
        print(f"  N={count}: the lab's {count} devices run on {loop}'s event loop", flush=True)

    def stall(self, share: float) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"stall {share}\n")
        self.proc.stdin.flush()

    def stats(self) -> dict[str, dict[str, Any]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def place(self, cores: set[int]) -> None:
        """Put every thread of the lab on `cores` (Linux; elsewhere nothing changes)."""
        if not hasattr(os, "sched_setaffinity"):
            return
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                os.sched_setaffinity(int(task.name), cores)
            except (OSError, ValueError):
                pass  # a thread that ended meanwhile

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[50, 254, 1000], help="sizes (default: 50 254 1000)")
    parser.add_argument("--runs", type=int, default=2, help="plain runs per size (default: 2)")
    parser.add_argument("--hog-runs", type=int, default=1, help="runs per size with a CPU hog on one core")
    parser.add_argument("--network", default="127.90.0.0/20", help="loopback /20 of the first size; the i-th size "
                        "uses the i-th /20 after it")  # fmt: skip
    lab_options(parser)
    parser.add_argument("--stall", type=float, default=0.001, help="share of requests a device never answers in the "
                        "measured runs (default 0.001; never in the solo audits)")  # fmt: skip
    parser.add_argument("--scan-args", default="", help="extra arguments for camaudit scan, e.g. '--concurrency 128'")
    parser.add_argument("--no-solo", action="store_true", help="skip the solo audits (no verdict comparison)")
    parser.add_argument("--solo", type=Path, help="read the solo verdicts from this file if it exists, else write "
                        "them there (they hold while the personas and the lab's pace stay the same)")  # fmt: skip
    parser.add_argument("--hog-lab", choices=("beside", "anywhere"), default="beside",
                        help="in the hog run, the lab's devices run beside the hog on its core (beside: the audit has "
                        "the other core, as on a laptop with one core busy) or where the system puts them")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="keep reports and traces in this directory")
    parser.add_argument("--code", type=Path, help="scan with another checkout's camaudit (before/after); the lab "
                        "and the figures stay this one's")  # fmt: skip
    args = parser.parse_args(argv)
    if args.code:
        os.environ["CAMAUDIT_CODE"] = str(args.code.resolve())  # read by audit_child.py in each scan child
    think = ThinkTime(args.think, args.sigma, args.cap)
    rows: list[RunFigures] = []
    solo: dict[str, dict[str, Any]] = {}
    if args.solo and args.solo.is_file():
        solo = json.loads(args.solo.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="camaudit-premises-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        compiled(work / "pycache", args.code)
        for index, count in enumerate(args.n):
            network = str(_nth_network(args.network, index))
            rows += _measure_size(count, network, args, think, solo, work / f"n{count}")
    print_table(rows)
    return 1 if any(r.bent or r.partial for r in rows) else 0


def compiled(cache: Path, code: Path | None) -> None:
    """The scans (and the lab) from here on keep their modules' bytecode in `cache`, compiled now, as an installed
    camaudit has it (pip compiles a wheel's modules when it installs them); not in the checkout. Without this, an
    environment that sets PYTHONDONTWRITEBYTECODE (as the one the figures were taken in does) compiles every module
    of the checkout again at each scan's start: 0.2 s of a 1,000-device scan's wall, before nmap starts. `code`:
    the other checkout whose camaudit scans (`--code`)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(cache.resolve())
    packages = [HERE.parent / name for name in ("scanner", "bench", "tests")] + ([code / "scanner"] if code else [])
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(p.resolve()) for p in packages)], check=True)  # noqa: S603


def _nth_network(first: str, index: int) -> ipaddress.IPv4Network:
    net = ipaddress.IPv4Network(first, strict=False)
    if net.prefixlen != 20 or not net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")):
        raise SystemExit(f"--network must be a /20 inside 127.0.0.0/8, not {first}")
    return ipaddress.IPv4Network((int(net.network_address) + (index << 12), 20))


def _measure_size(
    count: int, network: str, args: argparse.Namespace, think: ThinkTime, solo: dict[str, dict[str, Any]], work: Path
) -> list[RunFigures]:
    work.mkdir(parents=True, exist_ok=True)
    credentials = work / "credentials.toml"
    fleet = Fleet(count, network=network)  # the same deterministic fleet: addresses and templates, never started
    template_of = {d.address: d.persona.id.rsplit("-", 1)[0] for d in fleet.devices}
    lab = LabProcess(count, network, credentials, args)
    rows = []
    try:
        if not solo and not args.no_solo:
            solo.update(_solo_audits(template_of, credentials, work / "solo"))
            if args.solo:
                args.solo.write_text(json.dumps(solo), encoding="utf-8")
            lab.stats()
        hogs = [False] * args.runs + [True] * args.hog_runs
        for i, hog in enumerate(hogs):
            label = f"N={count}" + (" + CPU hog" if hog else "")
            row = _one_run(lab, label, network, credentials, template_of, solo, think, args, hog, work / f"run{i}")
            print(f"{label}: wall {row.wall:.1f} s, ratio {row.ratio:.2f}, bent {row.bent}", file=sys.stderr)
            rows.append(row)
    finally:
        lab.close()
    return rows


def _scan_argv(trace: Path, target: str, credentials: Path, report: Path, extra: str) -> list[str]:
    return [sys.executable, str(HERE / "audit_child.py"), str(trace), "scan", target, "--credentials",
            str(credentials), "--format", "json", "-o", str(report), "--no-progress", "--no-history",
            *extra.split()]  # fmt: skip


def _solo_audits(template_of: dict[str, str], credentials: Path, work: Path) -> dict[str, dict[str, Any]]:
    """Each model's first device audited alone, one after the other: the verdict each device must get."""
    work.mkdir(parents=True, exist_ok=True)
    first: dict[str, str] = {}
    for address, template in template_of.items():
        first.setdefault(template, address)
    solo = {}
    for template, address in sorted(first.items()):
        report = work / f"{template}.json"
        run_measured(_scan_argv(work / f"{template}.trace", address, credentials, report, ""))
        devices = json.loads(report.read_text(encoding="utf-8"))["devices"]
        solo[template] = next(d for d in devices if d["address"] == address)
        print(f"solo {template}: {solo[template]['face_analytics']}", file=sys.stderr)
    return solo


def _one_run(
    lab: LabProcess,
    label: str,
    network: str,
    credentials: Path,
    template_of: dict[str, str],
    solo: dict[str, dict[str, Any]],
    think: ThinkTime,
    args: argparse.Namespace,
    hog: bool,
    work: Path,
) -> RunFigures:
    work.mkdir(parents=True, exist_ok=True)
    report, trace = work / "report.json", work / "trace.jsonl"
    lab.stats()  # reset the devices' counters
    speed = reference_ms()
    print(f"  {label}: the machine's speed: a reference loop took {speed:.0f} ms (lower is faster)", flush=True)
    lab.stall(args.stall)
    hog_proc = subprocess.Popen([sys.executable, "-c", HOG]) if hog else None  # noqa: S603
    beside = hog and args.hog_lab == "beside" and hasattr(os, "sched_getaffinity")
    if beside:
        lab.place({HOG_CORE})
    before = cpu_seconds(lab.proc.pid)
    try:
        usage = run_measured(_scan_argv(trace, network, credentials, report, args.scan_args))
    finally:
        if hog_proc is not None:
            hog_proc.kill()
            hog_proc.wait()
        if beside:
            lab.place(os.sched_getaffinity(0))
    lab_cpu = cpu_seconds(lab.proc.pid) - before
    lab.stall(0.0)
    seen = lab.stats()
    result = json.loads(report.read_text(encoding="utf-8"))
    devices = result["devices"]
    records = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines() if line]
    traces = {t["address"]: t for t in records if "address" in t}
    # the devices at once the audit allowed itself
    stage: dict[str, Any] = next((t["scan"] for t in records if "scan" in t), {})
    answered = seen["answered"]
    work_done = [DeviceWork(answered.get(a, 0), int(t.get("critical_requests", 0))) for a, t in traces.items()]
    limits = _limits(args.scan_args, think.mean, stage.get("concurrency_mean"), _at_once_over_time(stage))
    print(f"  {label}: devices at once: {stage.get('concurrency_start')} at first, {stage.get('concurrency_mean')} on "
          f"average, {stage.get('concurrency_peak')} at most", file=sys.stderr)  # fmt: skip
    if "began" in stage and traces:
        span, last = stage["ended"] - stage["began"], max(t["began"] for t in traces.values())
        print(f"  {label}: audit stage {span:.1f} s of {usage.wall_s:.1f} s wall; the last audit began "
              f"{stage['ended'] - last:.1f} s before its end", file=sys.stderr)  # fmt: skip
    wrong = [_with_losses(line, seen["stalled"], traces) for line in bent(devices, template_of, solo)]
    (work / "bent.txt").write_text("\n".join(wrong) + "\n", encoding="utf-8")
    for line in wrong[:20]:
        print(f"  {label}: {line}", file=sys.stderr)
    late = seen.get("late_ms") or {}
    if late:
        where = "beside the hog on its core" if beside else "where the system put them"
        print(f"  {label}: the devices ({where}) answered late by {late['median']} ms on median, {late['p99']} ms "
              f"at the 99th percentile, {late['max']} ms at most", file=sys.stderr)  # fmt: skip
    roles = {d["address"]: d.get("role") or "?" for d in devices if d["address"] in template_of}
    for role, (n, low, mid, high) in per_role(answered, roles).items():
        print(f"  {label}: {role}: {n} devices, requests min {low} median {mid} max {high}", file=sys.stderr)
    return RunFigures(
        label=label,
        wall=usage.wall_s,
        cpu=usage.cpu_s,
        rss=usage.peak_rss_mb,
        lab_cpu=lab_cpu,
        requests=sum(answered.values()),
        bound=lower_bound(work_done, limits),
        bent=len(wrong),
        coverage_changed=coverage_changed(devices, template_of, solo),
        retried=sum(int(t.get("retried", 0)) for t in traces.values()),
        refused=sum(seen["refused"].values()),
        queued=sum(seen["queued"].values()),
        stalled=sum(seen["stalled"].values()),
        partial=bool(result.get("scan", {}).get("partial")),
    )


def _with_losses(line: str, stalled: dict[str, int], traces: dict[str, dict[str, Any]]) -> str:
    """A bent device's line, with the requests the device never answered and those the audit asked again."""
    address = line.split(" ", 1)[0]
    retried = int(traces.get(address, {}).get("retried", 0))
    return f"{line} (the device lost {stalled.get(address, 0)} requests; {retried} asked again)"


def _at_once_over_time(stage: dict[str, Any]) -> tuple[tuple[float, int], ...]:
    """The devices the audit allowed itself at once as it changed them (its trace: the start, then each step's
    limit); empty for a checkout whose trace has none."""
    if "concurrency_start" not in stage or not stage.get("history"):
        return ()
    return ((0.0, int(stage["concurrency_start"])), *((float(h[0]), int(h[1])) for h in stage["history"]))


def _limits(
    scan_args: str, think: float, at_once: float | None = None, over_time: tuple[tuple[float, int], ...] = ()
) -> Limits:
    """The politeness limits of the scan: camaudit's defaults, with --concurrency/--per-host/--rate if given; the
    devices at once are those the audit allowed itself (`at_once` on average, `over_time` as they changed, from its
    trace) when it adapted them."""
    defaults = ScanConfig(targets=("127.0.0.1",))
    words = scan_args.split()

    def option(name: str, default: Any) -> Any:
        return type(default)(words[words.index(name) + 1]) if name in words else default

    rate = float(words[words.index("--rate") + 1]) if "--rate" in words else defaults.rate
    devices = at_once or option("--concurrency", defaults.concurrency)
    return Limits(devices, option("--per-host", defaults.per_host_concurrency), rate, think, over_time)


if __name__ == "__main__":
    raise SystemExit(main())
