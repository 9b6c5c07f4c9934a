"""What a device's answers broke, and which of its discovery replies could not be used: notes for the report (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.model import FAILED, OK, REJECTED, Host, NotChecked, Observation
from scanner.vocabulary import Reason


def rejections(host: Host) -> list[NotChecked]:
    """Discovery replies from the device that could not be used (garbage, too many, answers to no probe of ours)."""
    notes = []
    for fact in host.facts:
        reasons = [value for name, value in fact.facts if name == REJECTED]
        if reasons:
            notes.append(NotChecked(fact.method, Reason.DISCOVERY_REJECTED, "; ".join(reasons)))
    return notes


def misbehaviour(observations: Sequence[Observation]) -> list[NotChecked]:
    """What the device's answers broke, in the report's words: each request that got no usable answer (when no
    other request of the same probe did), and each answer cut at the size cap. A hostile or broken device is then
    reported with its reason, whether or not it looked like a camera.
    """
    answered = {obs.probe for obs in observations if obs.outcome == OK}
    notes: dict[str, NotChecked] = {}
    # Requests not sent because the device refused the login are the device's login note, said once elsewhere.
    observations = [obs for obs in observations if obs.stopped != Reason.LOGIN_REFUSED]
    unsent = [obs for obs in observations if obs.outcome == FAILED and obs.stopped not in (None, Reason.TIMED_OUT)]
    for obs in observations:
        if obs.outcome == FAILED and obs.probe not in answered and obs.detail and obs not in unsent:
            why = Reason.TIMED_OUT if obs.stopped == Reason.TIMED_OUT else Reason.NO_ANSWER_TO  # slow, or broken
            notes.setdefault(obs.probe, NotChecked(obs.probe, why, f"{obs.request}: {obs.detail}"))
        elif obs.truncated:
            note = NotChecked("answer_size", Reason.ANSWER_CUT, f"{obs.request} ({obs.detail})")
            notes.setdefault("answer_size", note)
    if unsent:  # one line, not one per request: the budget ran out, or the scan was stopped
        why = unsent[0].stopped or Reason.BUDGET_SPENT
        notes["not_sent"] = NotChecked("not_sent", why, str(len(unsent)))  # why, and how many
    return list(notes.values())
