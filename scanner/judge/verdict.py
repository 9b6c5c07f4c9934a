"""A device's face-analytics verdict and the list of what could not be checked, in plain words (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.matching.schema import Rule
from scanner.model import AUTH_REQUIRED, FAILED, NOT_SUPPORTED, OK, Finding, NotChecked, Observation, strongest_level


def face_probes(rules: Sequence[Rule], vendors: Sequence[str]) -> frozenset[str]:
    """Probe ids that some face rule reads, for these vendors or vendor-neutral."""
    return frozenset(r.probe for r in rules if r.vendor is None or r.vendor in vendors)


def verdict(
    findings: Sequence[Finding],
    observations: Sequence[Observation],
    rules: Sequence[Rule],
    vendors: Sequence[str],
    is_camera: bool,
) -> str:
    """`active`/`configured`/`capable` from findings; else `not_found` if a face check concluded; else `unknown`."""
    level = strongest_level([f.level for f in findings])
    if level:
        return level
    if not is_camera:
        return "not_found"
    checks = face_probes(rules, vendors)
    if any(obs.probe in checks and obs.outcome == OK for obs in observations):
        return "not_found"
    return "unknown"


def not_checked(
    observations: Sequence[Observation],
    rules: Sequence[Rule],
    vendors: Sequence[str],
    is_camera: bool,
    has_credential: bool,
    skipped: Sequence[NotChecked] = (),
) -> tuple[NotChecked, ...]:
    """`skipped` (what probes chose not to ask), then one entry per face check that ran but could not conclude,
    or, when nothing could be asked at all, a note saying so."""
    checks = face_probes(rules, vendors)
    notes: dict[str, str] = {n.check: n.reason for n in skipped}
    for obs in observations:
        if obs.probe not in checks or obs.outcome == OK or obs.probe in notes:
            continue
        notes[obs.probe] = _reason(obs, has_credential)
    concluded = any(obs.probe in checks and obs.outcome == OK for obs in observations)
    if is_camera and not concluded and not notes:
        notes["face_analytics"] = (
            "only the video stream answered; face settings need ONVIF or the maker's web interface, and neither "
            "answered"
        )
    # A check that concluded elsewhere (e.g. on another endpoint) does not need a note.
    for obs in observations:
        if obs.probe in notes and obs.outcome == OK:
            del notes[obs.probe]
    return tuple(NotChecked(check, reason) for check, reason in sorted(notes.items()))


def _reason(obs: Observation, has_credential: bool) -> str:
    if obs.outcome == AUTH_REQUIRED:
        if has_credential:
            return "the device refused the supplied login for this check"
        return "needs a login: no credentials were supplied for this address"
    if obs.outcome == NOT_SUPPORTED:
        return "the device does not offer this interface" + (f" (status {obs.status})" if obs.status else "")
    if obs.outcome == FAILED:
        return "no usable answer" + (f": {obs.detail}" if obs.detail else "")
    return obs.detail or obs.outcome
