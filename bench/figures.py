"""The premises benchmark's figures (pure): the lower bound the politeness limits allow, requests per device by role,
each device's verdict against its model's solo audit, and the printed table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

VERDICT_FIELDS = ("vendor", "model", "is_camera", "role", "face_analytics")


@dataclass(frozen=True)
class Limits:
    """The politeness limits a scan ran under: devices audited at once, requests in flight per device, and the
    scan-wide rate (requests started per second; None: no such cap); `think` is the mean think time of a request."""

    devices_at_once: float  # on average over the audit, when the scan adapted it
    per_host: int
    rate: float | None
    think: float
    # When the scan adapted it: (seconds into the audit stage, devices allowed at once from then on), in time order
    at_once_over_time: tuple[tuple[float, int], ...] = ()


@dataclass(frozen=True)
class DeviceWork:
    """What one device's audit needed: requests it answered, and its longest chain of dependent requests."""

    requests: int
    critical: int


def lower_bound(work: Sequence[DeviceWork], limits: Limits) -> float:
    """Seconds no schedule within the limits can beat: the slowest device alone, or every device's floor spread
    over the devices audited at once, or every request at the scan-wide rate; whichever is longest.

    A device's floor is its critical path (dependent requests, one think time each) or its requests spread over
    its allowed lines, whichever is longer. Think times are taken at their mean. When the scan adapted the devices
    at once, the floors are spread over the limits it set as they came (`covered_by`), else over the mean.
    """
    if not work:
        return 0.0
    floors = [max(w.critical, w.requests / limits.per_host) * limits.think for w in work]
    if limits.at_once_over_time:
        spread = covered_by(sum(floors), limits.at_once_over_time)
    else:
        spread = sum(floors) / limits.devices_at_once
    bound = max(max(floors), spread)
    if limits.rate:
        bound = max(bound, sum(w.requests for w in work) / limits.rate)
    return bound


def covered_by(device_seconds: float, steps: Sequence[tuple[float, int]]) -> float:
    """The earliest time by which the devices allowed at once, added up over time, reach `device_seconds`: `steps`
    says from when (seconds) how many were allowed, the first from 0, the last for as long as needed. No schedule
    that keeps to those limits runs that much device time sooner; a limit raised once no device waits for its turn
    (the stage's tail) then counts for nothing, where a mean over the whole stage would count it."""
    done = 0.0
    for (at, allowed), (until, _) in zip(steps, steps[1:], strict=False):
        if allowed > 0 and done + allowed * (until - at) >= device_seconds:
            return at + (device_seconds - done) / allowed
        done += max(0, allowed) * (until - at)
    at, allowed = steps[-1]
    return at + (device_seconds - done) / max(1, allowed)


def verdict_of(device: Mapping[str, Any]) -> tuple[Any, ...]:
    """What must not bend under load: identity, camera-ness, role, the verdict and every finding (rule, level,
    channel)."""
    findings = sorted((f.get("rule"), f.get("level"), f.get("channel") or "") for f in device.get("findings") or ())
    return (*(device.get(k) for k in VERDICT_FIELDS), tuple(findings))


def coverage_of(device: Mapping[str, Any]) -> tuple[Any, ...]:
    cover = device.get("coverage") or {}
    return tuple(tuple(cover.get(k) or ()) for k in ("read", "absent", "unread"))


def bent(
    devices: Sequence[Mapping[str, Any]], template_of: Mapping[str, str], solo: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """One line per device whose verdict differs from the solo audit of its model (its template persona)."""
    found = {d["address"]: d for d in devices}
    lines = []
    for address, template in sorted(template_of.items()):
        device, alone = found.get(address), solo.get(template)
        if alone is None:
            continue
        if device is None:
            lines.append(f"{address} ({template}): not in the report")
            continue
        if verdict_of(device) != verdict_of(alone):
            got, want = verdict_of(device), verdict_of(alone)
            names = (*VERDICT_FIELDS, "findings")
            diff = [f"{k} {g!r} (alone: {w!r})" for k, g, w in zip(names, got, want, strict=True) if g != w]
            reasons = ", ".join(sorted({n.get("code", "") for n in device.get("not_checked") or ()}))
            lines.append(f"{address} ({template}): " + "; ".join(diff) + (f" [reasons: {reasons}]" if reasons else ""))
    return lines


def coverage_changed(
    devices: Sequence[Mapping[str, Any]], template_of: Mapping[str, str], solo: Mapping[str, Mapping[str, Any]]
) -> int:
    """Devices whose coverage (checks read, said absent, unread) differs from their model's solo audit."""
    found = {d["address"]: d for d in devices}
    return sum(
        1
        for address, template in template_of.items()
        if template in solo and address in found and coverage_of(found[address]) != coverage_of(solo[template])
    )


def per_role(requests: Mapping[str, int], roles: Mapping[str, str]) -> dict[str, tuple[int, int, int, int]]:
    """Requests per device by role: (devices, min, median, max)."""
    grouped: dict[str, list[int]] = {}
    for address, role in roles.items():
        grouped.setdefault(role, []).append(requests.get(address, 0))
    return {
        role: (len(counts), min(counts), int(statistics.median(counts)), max(counts))
        for role, counts in sorted(grouped.items())
    }


@dataclass(frozen=True)
class RunFigures:
    """One measured scan of the premises."""

    label: str  # e.g. "N=1000" or "N=1000 + CPU hog"
    wall: float
    cpu: float
    rss: float
    lab_cpu: float
    requests: int
    bound: float
    bent: int
    coverage_changed: int
    retried: int
    refused: int
    queued: int
    stalled: int
    partial: bool

    @property
    def ratio(self) -> float:
        return self.wall / self.bound if self.bound > 0 else math.nan


def print_table(rows: Sequence[RunFigures]) -> None:
    head = (
        f"{'run':<20} {'wall s':>7} {'CPU s':>6} {'RSS MB':>6} {'lab CPU s':>9} {'requests':>8} {'bound s':>7} "
        f"{'ratio':>5} {'bent':>4} {'cov.':>4} {'retried':>7} {'stalled':>7} {'refused':>7} {'queued':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r.label:<20} {r.wall:>7.1f} {r.cpu:>6.1f} {r.rss:>6.0f} {r.lab_cpu:>9.1f} {r.requests:>8} "
            f"{r.bound:>7.1f} {r.ratio:>5.2f} {r.bent:>4} {r.coverage_changed:>4} {r.retried:>7} {r.stalled:>7} "
            f"{r.refused:>7} {r.queued:>6}" + ("  PARTIAL" if r.partial else "")
        )
    print(
        "\nbound = the lower bound the politeness limits allow (each device's critical path or its requests over its "
        "lines, at the mean think time, spread over the devices audited at once); ratio = wall / bound\n"
        "bent = devices whose verdict (identity, role, verdict, findings) differs from their model's solo audit; "
        "cov. = devices whose coverage differs\nretried = checks that timed out or ran out of budget and were asked "
        "again; stalled = requests the devices dropped (never answered); refused / queued = connections the devices "
        "refused or queued"
    )
