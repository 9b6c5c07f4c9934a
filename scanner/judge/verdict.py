"""A device's face-analytics verdict under the evidence standard (docs/evidence-standard.md), its coverage, and
what could not be checked, with reason codes (pure).

- `active` / `configured` / `capable`: the strongest level a finding proves.
- `not_found`: every face check that applies to the device (its maker's, per channel where the maker's API is per
  channel, and ONVIF's when it speaks ONVIF) was read, or the device said in its own documented way that it lacks
  the function; and nothing matched.
- `unknown` otherwise: a check that applies could not be read (no login, refused, no answer, cut short by a budget
  or a Ctrl-C), the maker's own face settings are out of reach, the maker is unknown, or not even what the device
  is (role `unknown`: it listens on a camera port, but nothing it answered says whether it is a camera). Each is
  said in not_checked.
  A request the device did not answer in time (`timed_out`, after one retry when the budget allowed) never lets a
  device be cleared, whichever step it belonged to: a slow device is not a negative one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from scanner.matching.schema import Rule
from scanner.model import (
    ABSENT,
    AUTH_REQUIRED,
    FAILED,
    NOT_SUPPORTED,
    OK,
    Coverage,
    Finding,
    NotChecked,
    Observation,
    strongest_level,
)
from scanner.vocabulary import FACE_API_REASONS, STOP_REASONS, Reason, Role, Verdict

ONVIF_PREFIX = "onvif."


@dataclass(frozen=True)
class Judgement:
    """The verdict, the coverage it rests on, and every note on what could not be checked."""

    verdict: Verdict
    coverage: Coverage
    not_checked: tuple[NotChecked, ...]


@dataclass(frozen=True)
class Context:
    """What the judgement needs to know beyond the answers: who the device is and what was skipped."""

    vendors: tuple[str, ...]  # the identified maker and the makers whose APIs it speaks; () when unidentified
    is_camera: bool
    has_credential: bool
    role: Role = Role.CAMERA
    skipped: tuple[NotChecked, ...] = ()  # what the probes chose not to ask, and why
    absent: frozenset[str] = frozenset()  # checks the device said it lacks without being asked (ONVIF services)


def face_probes(rules: Sequence[Rule], vendors: Sequence[str]) -> frozenset[str]:
    """Probe ids that some face rule reads, for these vendors or vendor-neutral."""
    return frozenset(r.probe for r in rules if r.vendor is None or r.vendor in vendors)


def applicable_checks(rules: Sequence[Rule], observations: Sequence[Observation], context: Context) -> frozenset[str]:
    """The face checks that apply: the maker's (each channel asked on its own), and ONVIF's when it speaks ONVIF.

    A check is a probe id, or `probe@channel` for a request asked per channel. `rules` are the conclusive ones.
    """
    maker = {r.probe for r in rules if r.vendor is not None and r.vendor in context.vendors and _for_role(r, context)}
    speaks_onvif = any(o.probe.startswith(ONVIF_PREFIX) and o.outcome == OK for o in observations)
    neutral = {r.probe for r in rules if r.vendor is None} if speaks_onvif else set()
    checks = maker | neutral
    per_channel = {o.probe for o in observations if o.channel is not None and o.probe in checks}
    channels = {_key(o) for o in observations if o.probe in per_channel}  # one check per channel asked
    return frozenset((checks - per_channel) | channels)


def judge(
    findings: Sequence[Finding], observations: Sequence[Observation], rules: Sequence[Rule], context: Context
) -> Judgement:
    """The device's verdict, coverage and notes. `rules` are the conclusive face rules of the signature set."""
    checks = applicable_checks(rules, observations, context) if context.is_camera else frozenset()
    coverage = _coverage(checks, observations, context.absent)
    notes = _notes(coverage, observations, context, checks)
    level = strongest_level([f.level for f in findings])
    if level is not None:
        return Judgement(Verdict(level), coverage, notes)
    if not context.is_camera:  # not a camera, unless the audit was cut before the device could say what it is
        unsure = context.role == Role.UNKNOWN or _cut(observations, context)
        return Judgement(Verdict.UNKNOWN if unsure else Verdict.NOT_FOUND, coverage, notes)
    out_of_reach = not context.vendors or any(n.reason in FACE_API_REASONS for n in context.skipped)
    unfinished = _timed_out(observations) or _cut(observations, context, limits_only=True)
    if out_of_reach or not checks or coverage.unread or unfinished:
        return Judgement(Verdict.UNKNOWN, coverage, notes)
    return Judgement(Verdict.NOT_FOUND, coverage, notes)


def _timed_out(observations: Sequence[Observation]) -> bool:
    """A request the device did not answer in time (also when asked again), of a probe no other answer read: what
    it would have said (who the device is, its role, its channels) is not known, so the device cannot be cleared."""
    answered = {o.probe for o in observations if o.outcome == OK}
    return any(o.stopped == Reason.TIMED_OUT and o.probe not in answered for o in observations)


def _cut(observations: Sequence[Observation], context: Context, limits_only: bool = False) -> bool:
    """The scan's own limits stopped a request of this device, or kept a step from running (with `limits_only`,
    only a budget or a Ctrl-C counts; else a request the device did not answer in time counts too). A camera's
    audit cut by those limits did not finish, so what it did not ask may have been a check that applies (ONVIF's
    face checks apply only once ONVIF answered; a vendor round may have finished while ONVIF was stopped beside it)."""
    stops = (o.stopped for o in observations)
    stopped = any(s in STOP_REASONS for s in stops) if limits_only else any(s is not None for s in stops)
    return stopped or any(n.reason in STOP_REASONS for n in context.skipped)


def _for_role(rule: Rule, context: Context) -> bool:
    return not rule.roles or context.role in rule.roles


def _key(obs: Observation) -> str:
    return obs.probe if obs.channel is None else f"{obs.probe}@{obs.channel}"


def _coverage(checks: Collection[str], observations: Sequence[Observation], absent: Collection[str]) -> Coverage:
    read = {_key(o) for o in observations if o.outcome == OK}
    said_absent = {_key(o) for o in observations if o.outcome == ABSENT} | set(absent)
    return Coverage(
        read=tuple(sorted(c for c in checks if c in read)),
        absent=tuple(sorted(c for c in checks if c not in read and c in said_absent)),
        unread=tuple(sorted(c for c in checks if c not in read and c not in said_absent)),
    )


def _notes(
    coverage: Coverage, observations: Sequence[Observation], context: Context, checks: Collection[str]
) -> tuple[NotChecked, ...]:
    """The probes' own notes, then one per unread check with the reason its answer gives, then the device-wide
    reasons (an unknown maker, a camera that answered nothing that holds face settings)."""
    notes: dict[str, NotChecked] = {n.check: n for n in context.skipped}
    answers: dict[str, list[Observation]] = {}
    for obs in observations:
        answers.setdefault(_key(obs), []).append(obs)
    for check in coverage.unread:
        if check in notes or _covered_by_skipped(check, context.skipped):
            continue
        notes[check] = _note(check, answers.get(check, []), context.has_credential)
    if context.is_camera and not context.vendors:
        notes.setdefault("maker", NotChecked("maker", Reason.MAKER_UNKNOWN))
    if context.is_camera and not checks and not context.skipped:
        notes["face_analytics"] = NotChecked("face_analytics", Reason.NO_MANAGEMENT)
    if context.role == Role.UNKNOWN:  # nothing it answered says what it is, so not whether it is a camera either
        notes.setdefault("device", NotChecked("device", Reason.DEVICE_UNKNOWN))
    if not context.is_camera and _cut(observations, context):  # why this device could not even be identified
        cause = next((o.stopped for o in observations if o.stopped is not None), Reason.BUDGET_SPENT)
        notes.setdefault("audit", NotChecked("audit", cause))
    return tuple(note for _, note in sorted(notes.items()))


def _covered_by_skipped(check: str, skipped: Sequence[NotChecked]) -> bool:
    """A probe's own note already explains the check: `onvif` covers every `onvif.*` check it did not ask, and
    `vendor_api` (the maker's web API not asked: the budget ran out) every check of the maker's."""
    for note in skipped:
        if check.startswith(note.check + "."):
            return True
        if note.check == "vendor_api" and note.reason not in FACE_API_REASONS and not check.startswith(ONVIF_PREFIX):
            return True
    return False


def _note(check: str, answers: Sequence[Observation], has_credential: bool) -> NotChecked:
    """Why a check is unread, from the most telling of its answers (a stop first, then a refusal)."""
    for obs in answers:
        if obs.stopped is not None:
            return NotChecked(check, obs.stopped)
    for obs in answers:
        if obs.outcome == AUTH_REQUIRED:
            return NotChecked(check, Reason.LOGIN_REFUSED if has_credential else Reason.NEEDS_LOGIN)
    for obs in answers:
        if obs.outcome == NOT_SUPPORTED:
            return NotChecked(check, Reason.NOT_OFFERED, str(obs.status) if obs.status else "")
    for obs in answers:
        if obs.outcome == FAILED:
            return NotChecked(check, Reason.NO_ANSWER, obs.detail)
    return NotChecked(check, Reason.NOT_ASKED)
