"""The benchmark's figures: the answer-key check, the critical path from the audit trace, and the printed table."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.lab import LabDevice


@dataclass(frozen=True)
class Row:
    """Medians over the runs at one N (seconds, MB); `lab_share` is lab CPU / camaudit wall (1.0 = one core)."""

    n: int
    audit_wall: float
    audit_cpu: float
    audit_rss: float
    nmap_wall: float
    nmap_cpu: float
    nmap_rss: float
    lab_share: float
    critical_requests: int
    critical_s: float
    requests: int
    wrong: tuple[str, ...]
    walls: tuple[float, ...]


def critical_path(traces: Sequence[Mapping[str, Any]]) -> tuple[int, float]:
    """(requests, seconds) of the longest chain of dependent requests of any one device, longest in time.

    No scheduling can audit that device faster: with every other device in parallel, it is the audit's floor.
    """
    best = max(traces, key=lambda t: (t.get("critical_s", 0.0), t.get("critical_requests", 0)), default=None)
    if best is None:
        return 0, float("nan")
    return int(best.get("critical_requests", 0)), float(best.get("critical_s", float("nan")))


def differences(devices: Sequence[Mapping[str, Any]], expected: Sequence[LabDevice]) -> list[str]:
    """Devices the report does not judge as the lab's answer key says (with the lab's logins)."""
    found = {d["address"]: d for d in devices}
    lines = []
    for device in expected:
        report, want = found.get(device.address), device.persona.expect
        if report is None:
            lines.append(f"{device.address} ({device.persona.id}): not found")
            continue
        pairs = {
            "vendor": (want.vendor, report.get("vendor")),
            "model": (want.model, report.get("model")),
            "is_camera": (want.is_camera, report.get("is_camera")),
            "face_analytics": (want.face_analytics, report.get("face_analytics")),
        }
        for name, (wanted, got) in pairs.items():
            if wanted != got:
                lines.append(f"{device.address} ({device.persona.id}): {name} is {got!r}, expected {wanted!r}")
    return lines


def _num(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def print_table(rows: Sequence[Row]) -> None:
    head = (
        f"{'N':>4} | {'camaudit wall s':>15} {'CPU s':>6} {'RSS MB':>6} | {'nmap -sV wall s':>15} {'CPU s':>6} "
        f"{'RSS MB':>6} | {'ratio':>5} | {'lab CPU':>7} | {'critical path':>16} | {'requests':>8} | as expected"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = r.audit_wall / r.nmap_wall if r.nmap_wall and not math.isnan(r.nmap_wall) else float("nan")
        critical = f"{r.critical_requests} req {_num(r.critical_s, 2)} s"
        print(
            f"{r.n:>4} | {_num(r.audit_wall, 2):>15} {_num(r.audit_cpu):>6} {_num(r.audit_rss, 0):>6} | "
            f"{_num(r.nmap_wall, 2):>15} {_num(r.nmap_cpu):>6} {_num(r.nmap_rss, 0):>6} | {_num(ratio, 2):>5} | "
            f"{_num(100 * r.lab_share, 0):>6}% | {critical:>16} | {r.requests:>8} | "
            f"{'all' if not r.wrong else f'{len(r.wrong)} differ'}"
        )
    print(
        "\nwall = median of the runs; camaudit runs:",
        "; ".join(f"N={r.n}: " + ", ".join(f"{w:.2f}" for w in r.walls) for r in rows),
    )
    print("lab CPU = the lab process's CPU time while camaudit ran / camaudit's wall time (100% = one core busy)")
    print("critical path = the longest chain of dependent requests of one device (requests, seconds)")
    by_n = {r.n: r for r in rows}
    if 50 in by_n and 254 in by_n:
        growth = by_n[254].audit_wall / by_n[50].audit_wall
        print(f"N=50 -> 254: camaudit wall x{growth:.2f} for x{254 / 50:.2f} devices")
    for r in rows:
        for line in r.wrong:
            print(f"N={r.n}: {line}")
