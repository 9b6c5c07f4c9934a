"""A device's face-analytics verdict and the list of what could not be checked, with reason codes (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.matching.schema import Rule
from scanner.model import AUTH_REQUIRED, FAILED, NOT_SUPPORTED, OK, Finding, NotChecked, Observation, strongest_level
from scanner.vocabulary import Reason, Verdict


def face_probes(rules: Sequence[Rule], vendors: Sequence[str]) -> frozenset[str]:
    """Probe ids that some face rule reads, for these vendors or vendor-neutral."""
    return frozenset(r.probe for r in rules if r.vendor is None or r.vendor in vendors)


def verdict(
    findings: Sequence[Finding],
    observations: Sequence[Observation],
    rules: Sequence[Rule],
    vendors: Sequence[str],
    is_camera: bool,
) -> Verdict:
    """`active`/`configured`/`capable` from findings; else `not_found` if a face check concluded; else `unknown`."""
    level = strongest_level([f.level for f in findings])
    if level:
        return Verdict(level)
    if not is_camera:
        return Verdict.NOT_FOUND
    checks = face_probes(rules, vendors)
    if any(obs.probe in checks and obs.outcome == OK for obs in observations):
        return Verdict.NOT_FOUND
    return Verdict.UNKNOWN


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
    notes: dict[str, NotChecked] = {n.check: n for n in skipped}
    for obs in observations:
        if obs.probe not in checks or obs.outcome == OK or obs.probe in notes:
            continue
        notes[obs.probe] = _note(obs, has_credential)
    concluded = any(obs.probe in checks and obs.outcome == OK for obs in observations)
    if is_camera and not concluded and not notes:
        notes["face_analytics"] = NotChecked("face_analytics", Reason.NO_MANAGEMENT)
    # A check that concluded elsewhere (e.g. on another endpoint) does not need a note.
    for obs in observations:
        if obs.probe in notes and obs.outcome == OK:
            del notes[obs.probe]
    return tuple(note for _, note in sorted(notes.items()))


def _note(obs: Observation, has_credential: bool) -> NotChecked:
    if obs.outcome == AUTH_REQUIRED:
        return NotChecked(obs.probe, Reason.LOGIN_REFUSED if has_credential else Reason.NEEDS_LOGIN)
    if obs.outcome == NOT_SUPPORTED:
        return NotChecked(obs.probe, Reason.NOT_OFFERED, str(obs.status) if obs.status else "")
    if obs.outcome == FAILED:
        return NotChecked(obs.probe, Reason.NO_ANSWER, obs.detail)
    return NotChecked(obs.probe, Reason.OTHER, obs.detail or obs.outcome)
