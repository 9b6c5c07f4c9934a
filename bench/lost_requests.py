"""Benchmark: one lost request per device, for every request of every model. Does any single lost answer bend a
verdict?

Run by hand from the repository root (root, for the lab's real ports 80/554; nmap installed):

    .venv/bin/python bench/lost_requests.py

First one device of each model (lab persona) is audited, all at once, answering at once: that is each model's
verdict, and the list of requests its audit sends (by line, the k-th of each). Then one clone per request of
each model is started, each never answering that one request (as a busy camera loses one now and then), and the
whole premises is audited at once. Every clone must get its model's verdict: a lost answer is asked again, or the
check it feeds is reported unread with its reason, never read as an absence. It prints, per model, the clones and
those bent, and for each bent clone the request it lost and what differed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a fresh clone without installing

from bench.figures import bent  # noqa: E402
from bench.measure import run_measured  # noqa: E402
from scanner.config import ScanConfig  # noqa: E402
from scanner.lab.lab import loopback_personas  # noqa: E402
from scanner.lab.personas import Persona  # noqa: E402
from tests.doubles.fleet import Fleet  # noqa: E402
from tests.doubles.tempo import CONNECTION, LosingOne  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--network", default="127.93.0.0/20", help="loopback network for the lab (a /20)")
    parser.add_argument("--only", nargs="*", default=(), help="models (persona ids) to sweep (default: all)")
    parser.add_argument("--twice", action="store_true", help="each clone loses its request and the next one with "
                        "the same line (the request asked again): verdicts may then weaken, but only with the "
                        "unread check's reason, never to not_found")  # fmt: skip
    parser.add_argument("--slow", type=float, default=0.0, help="instead of losing its request, each clone answers "
                        "it (and every later one with the same line) after this many seconds: under the request "
                        "timeout (4 s) every verdict must hold; past it, they may weaken as with --twice")  # fmt: skip
    parser.add_argument(
        "--close",
        action="store_true",
        help="instead of leaving its request unanswered, each "
        "clone closes the connection that carried it (as a device that drops a request does)",
    )
    parser.add_argument("--keep", type=Path, help="keep reports and traces in this directory")
    args = parser.parse_args(argv)
    models = [p for p in loopback_personas() if not args.only or p.id in args.only]
    with tempfile.TemporaryDirectory(prefix="camaudit-lost-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        verdicts, asked = _baseline(models, args.network, work / "baseline")
        plan = [(model, line, k) for model in models for line, n in sorted(asked.get(model.id, {}).items())
                for k in range(1, n + 1) if not ((args.slow or args.close) and line == CONNECTION)]  # fmt: skip
        print(f"{len(models)} models, {len(plan)} clones: one per request each model's audit sends", file=sys.stderr)
        tempo = LosingOne(twice=args.twice, slow=args.slow, close=args.close)
        return _sweep(plan, verdicts, args.network, work / "sweep", tempo)


def _baseline(models: list[Persona], network: str, work: Path) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """Each model audited once, answering at once: its verdict and its requests by line."""
    tempo = LosingOne()
    with Fleet(len(models), network=network, personas=models, tempo=tempo) as fleet:
        devices = _scan(fleet, network, work)
        model_of = {d.address: _model(d.persona.id) for d in fleet.devices}
    verdicts = {model_of[d["address"]]: d for d in devices if d["address"] in model_of}
    asked = {model_of[a]: dict(seen) for a, seen in tempo.seen.items()}
    return verdicts, asked


def _sweep(
    plan: list[tuple[Persona, str, int]], verdicts: dict[str, Any], network: str, work: Path, tempo: LosingOne
) -> int:
    twice = tempo.twice
    # Lost once, or slow within the timeout, a request is answered in the end: any change is wrong. Lost twice, or
    # slower than the timeout, a check may stay unread: a verdict may weaken, with that check's reason; never to
    # not_found, never with a finding its model lacks.
    may_weaken = twice or tempo.slow >= ScanConfig(targets=("127.0.0.1",)).request_timeout
    fleet = Fleet(len(plan), network=network, personas=[model for model, _, _ in plan], tempo=tempo)
    tempo.targets = {d.address: (line, k) for d, (_, line, k) in zip(fleet.devices, plan, strict=True)}
    with fleet:
        devices = _scan(fleet, network, work)
    model_of = {d.address: _model(d.persona.id) for d in fleet.devices}
    found = {d["address"]: d for d in devices}
    wrong = {line.split(" ", 1)[0]: line for line in bent(devices, model_of, verdicts)}
    faults = {a: _dishonest(found.get(a), verdicts[model_of[a]]) if may_weaken else "bent" for a in wrong}
    faults = {a: fault for a, fault in faults.items() if fault}
    print(f"{'model':<18} {'clones':>6} {'lost':>5} {'bent':>5} {'wrong':>5}")
    for model in sorted(set(model_of.values())):
        clones = [a for a, m in model_of.items() if m == model]
        lost = sum(1 for a in clones if a in tempo.lost)
        changed = sum(1 for a in clones if a in wrong)
        print(f"{model:<18} {len(clones):>6} {lost:>5} {changed:>5} {sum(1 for a in clones if a in faults):>5}")
    for address, line in sorted(wrong.items()):
        target, k = tempo.targets[address]
        mark = f"WRONG ({faults[address]})" if address in faults else "weaker, with its reason"
        verb = "closed on" if tempo.close else "lost"
        what = f"slow from the {_nth(k)}" if tempo.slow else f"{verb} the {_nth(k)}" + (" twice" if twice else "")
        print(f"  {mark}: {what} '{target}': {line}")
    never = len(plan) - len(tempo.lost)
    print(f"{len(wrong)} of {len(plan)} clones bent, {len(faults)} wrongly; {never} never sent the request they "
          "would have lost")  # fmt: skip
    return 1 if faults else 0


def _dishonest(device: dict[str, Any] | None, alone: dict[str, Any]) -> str:
    """What is wrong with a verdict that weakened after a request was lost twice ("" when it is honest)."""
    if device is None:
        return "not in the report"
    if device.get("face_analytics") == "not_found" and alone.get("face_analytics") != "not_found":
        return f"not_found instead of {alone.get('face_analytics')}"
    mine = {(f.get("rule"), f.get("level"), f.get("channel")) for f in device.get("findings") or ()}
    theirs = {(f.get("rule"), f.get("level"), f.get("channel")) for f in alone.get("findings") or ()}
    if mine - theirs:
        return f"findings its model lacks: {sorted(mine - theirs)}"
    unread = {(n.get("check"), n.get("code")) for n in device.get("not_checked") or ()}
    if not unread - {(n.get("check"), n.get("code")) for n in alone.get("not_checked") or ()}:
        return "weaker without a reason (no check unread that its model read)"
    return ""


def _scan(fleet: Fleet, network: str, work: Path) -> list[dict[str, Any]]:
    work.mkdir(parents=True, exist_ok=True)
    credentials, report = work / "credentials.toml", work / "report.json"
    fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(fleet.credentials_toml())
    argv = [sys.executable, str(HERE / "audit_child.py"), str(work / "trace.jsonl"), "scan", network,
            "--credentials", str(credentials), "--format", "json", "-o", str(report), "--no-progress",
            "--no-history"]  # fmt: skip
    usage = run_measured(argv)
    print(f"  scan of {len(fleet.devices)} devices: {usage.wall_s:.1f} s", file=sys.stderr)
    return list(json.loads(report.read_text(encoding="utf-8"))["devices"])


def _model(persona_id: str) -> str:
    return persona_id.rsplit("-", 1)[0]


def _nth(k: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(k, f"{k}th")


if __name__ == "__main__":
    raise SystemExit(main())
