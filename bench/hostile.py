"""Benchmark: the clean lab scanned alone, then beside the hostile corpus; wall time, CPU and peak memory of each.

Run by hand from the repository root (root, for the lab's real ports; nmap installed):

    .venv/bin/python bench/hostile.py --runs 3

Each run starts the labs in their own process (`--serve`, kept apart from the measured scan), then measures
`camaudit scan <network>` with the labs' logins and the default bounds as a child process (wall time, CPU time,
peak RSS, nmap included). It prints the medians, the scan's documented budget (discovery + audit stage), how many
normal personas were judged differently beside the hostile ones (must be 0), and how many hostile devices were
reported without their reason (must be 0).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a fresh clone without installing

from bench.measure import Usage, run_measured  # noqa: E402
from scanner.config import ScanConfig  # noqa: E402
from scanner.pipeline.scan import audit_budget, discovery_budget  # noqa: E402

FIELDS = ("vendor", "model", "is_camera", "face_analytics")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each scan; medians are shown (default: 3)")
    parser.add_argument("--network", default="127.79.200.0/24", help="loopback /24 for both labs")
    parser.add_argument("--serve", choices=("clean", "hostile"), help=argparse.SUPPRESS)
    parser.add_argument("--credentials", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return _serve(args.network, args.serve == "hostile", args.credentials)
    with tempfile.TemporaryDirectory(prefix="camaudit-bench-hostile-") as tmp:
        clean = [_measure(args.network, False, Path(tmp), run) for run in range(args.runs)]
        hostile = [_measure(args.network, True, Path(tmp), run) for run in range(args.runs)]
    return _print(clean, hostile, args.network)


def _serve(network: str, hostile: bool, credentials: Path) -> int:
    """Run the labs until stdin closes, after writing their logins."""
    from scanner.lab import Lab
    from tests.doubles.hostile import HostileLab, scan_personas

    with Lab(network=network) as normal:
        text = normal.credentials_toml()
        if hostile:
            bad = HostileLab(network, personas=scan_personas())
            bad.start()
            text += "\n" + bad.credentials_toml()
        credentials.write_text(text, encoding="utf-8")
        expected = {d.address: {f: getattr(d.persona.expect, f) for f in FIELDS} for d in normal.devices}
        rules = {d.address: [d.persona.check, d.persona.reason] for d in bad.devices} if hostile else {}
        print(json.dumps({"expected": expected, "hostile": rules}), flush=True)
        sys.stdin.read()
        if hostile:
            bad.stop()
    return 0


def _measure(network: str, hostile: bool, tmp: Path, run: int) -> tuple[Usage, list[str], list[str], int, int]:
    """One scan: its usage, the normal personas judged other than expected, the hostile devices without their
    reason (what each was expected to say and what it said), how many hostile devices there were, and how many
    devices the scan reported."""
    kind = "hostile" if hostile else "clean"
    credentials, report = tmp / f"{kind}-{run}.toml", tmp / f"{kind}-{run}.json"
    argv = [
        sys.executable,
        str(Path(__file__)),
        "--serve",
        kind,
        "--network",
        network,
        "--credentials",
        str(credentials),
    ]
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as labs:  # noqa: S603
        assert labs.stdout is not None and labs.stdin is not None
        plan = json.loads(labs.stdout.readline())
        scan = [str(HERE.parent / ".venv/bin/camaudit"), "scan", network, "--credentials", str(credentials),
                "--format", "json", "-o", str(report), "--no-history", "--no-progress"]  # fmt: skip
        usage = run_measured(scan)
        labs.stdin.close()
    devices = {d["address"]: d for d in json.loads(report.read_text(encoding="utf-8"))["devices"]}
    wrong = [f"{a}: {f}" for a, want in plan["expected"].items() for f in FIELDS if devices[a].get(f) != want[f]]
    unexplained = [f"{a}: expected {check} {reason}, reported {_notes(devices[a])}"
                   for a, (check, reason) in plan["hostile"].items()
                   if not _reported(devices[a], check, reason)]  # fmt: skip
    return usage, wrong, unexplained, len(plan["hostile"]), len(devices)


def _notes(device: dict[str, Any]) -> str:
    return ", ".join(f"{n['check']} {n['reason']}" for n in device.get("not_checked") or []) or "nothing unchecked"


def _reported(device: dict[str, Any], check: str, reason: str) -> bool:
    if not check:
        return True  # a persona that leaves nothing unchecked (reolink-token-echo: its fault is in every record)
    notes = device.get("not_checked") or []
    return any(re.fullmatch(check, n["check"]) and re.search(reason, n["reason"]) for n in notes)


def _print(clean: list[tuple[Usage, list[str], list[str], int, int]],
           hostile: list[tuple[Usage, list[str], list[str], int, int]], network: str) -> int:  # fmt: skip
    config = ScanConfig(targets=(network,))
    print(f"{'scan':<18} {'devices':>7} {'budget s':>9} {'wall s':>7} {'cpu s':>7} {'peak RSS MB':>12}  notes")
    for name, runs in (("clean lab alone", clean), ("clean + hostile", hostile)):
        devices = runs[0][4]
        budget = discovery_budget(254, config) + audit_budget(devices, config)  # what the pipeline allows
        wall = statistics.median(u.wall_s for u, *_ in runs)
        cpu = statistics.median(u.cpu_s for u, *_ in runs)
        rss = statistics.median(u.peak_rss_mb for u, *_ in runs)
        wrong = sorted({line for _, lines, *_ in runs for line in lines})
        note = f"{len(wrong)} normal personas misjudged"
        if runs[0][3]:
            note += f"; {max(len(r[2]) for r in runs)} of {runs[0][3]} hostile devices without their reason"
        print(f"{name:<18} {devices:>7} {budget:>9.0f} {wall:>7.1f} {cpu:>7.1f} {rss:>12.0f}  {note}")
        for line in wrong:
            print(f"    misjudged: {line}")
        for line in sorted({line for _, _, lines, *_ in runs for line in lines}):
            print(f"    without its reason: {line}")
    return 1 if any(r[1] or r[2] for r in clean + hostile) else 0


if __name__ == "__main__":
    raise SystemExit(main())
