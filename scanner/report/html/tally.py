"""What the report counts and orders: each device's tone, the counts per verdict, the strongest finding (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scanner.model import LEVELS, DeviceReport, Finding, ScanResult
from scanner.report.i18n import Catalog

# Card, tile and overview order: the most serious first; "none" is a device that is not a camera.
TONES = ("active", "configured", "capable", "unknown", "not_found", "none")
FACE_TONES = ("active", "configured", "capable")


@dataclass(frozen=True)
class Summary:
    """How many devices, cameras, and devices at each verdict (one count per verdict, never a mixed number)."""

    devices: int
    cameras: int
    by_verdict: Mapping[str, int]

    @property
    def others(self) -> int:
        return self.devices - sum(self.by_verdict.values())


def tone(device: DeviceReport) -> str:
    """The colour class of a device: its verdict, or `none` when it is not a camera (a device whose audit was
    cut before it could say what it is stays `unknown`)."""
    return device.face_analytics.value if device.is_camera or device.face_analytics == "unknown" else "none"


def summarize(result: ScanResult) -> Summary:
    cameras = [d for d in result.devices if d.is_camera]
    counts = {v: sum(1 for d in result.devices if tone(d) == v) for v in TONES[:-1]}
    return Summary(len(result.devices), len(cameras), counts)


def summary_sentence(result: ScanResult, catalog: Catalog) -> str:
    """One plain sentence (no markup) for the page and the console."""
    s = summarize(result)
    return catalog.t(
        "summary.sentence",
        cameras=catalog.n("count.cameras", s.cameras),
        devices=catalog.n("count.devices", s.devices),
        **{k: s.by_verdict[k] for k in TONES[:-1]},
    )


def headline_key(summary: Summary) -> str:
    if not summary.cameras:
        return "headline.no_cameras"
    worst = next(v for v in TONES[:-1] if summary.by_verdict[v] or v == "not_found")
    return f"headline.{worst}"


def ordered(result: ScanResult) -> list[DeviceReport]:
    """The devices, most serious first, in their scan order within a verdict."""
    return [d for _, d in sorted(enumerate(result.devices), key=lambda p: (TONES.index(tone(p[1])), p[0]))]


def by_strength(findings: tuple[Finding, ...]) -> list[Finding]:
    """Findings, the strongest level first (a switch before a capability), then by rule for a stable order."""
    return sorted(findings, key=lambda f: (-LEVELS.index(f.level), f.rule, f.channel or ""))
