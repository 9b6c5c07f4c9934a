"""A vendor's own words in its answers (`[[answer]]`): "I lack this" concludes a check as absent; an error answer
sent with HTTP 200 is not a read."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from scanner.matching.schema import AnswerMeaning
from scanner.model import ABSENT, NOT_SUPPORTED, OK, Observation

_OUTCOMES = {"absent": ABSENT, "error": NOT_SUPPORTED}
_NOTES = {
    "absent": "the device's answer means it lacks this function",
    "error": "the device's answer is its own error message, although its HTTP status says success",
}


def means(obs: Observation, meaning: AnswerMeaning) -> bool:
    """The answer is worded as the meaning says: one of its statuses, and its body pattern if it has one."""
    if obs.status not in meaning.statuses or obs.stopped is not None:
        return False
    return meaning.body is None or re.search(meaning.body, obs.text) is not None


def read_answer(obs: Observation, meanings: Sequence[AnswerMeaning], vendors: Sequence[str]) -> Observation:
    """The observation with outcome ABSENT when one of its vendors' "absent" meanings says so, else NOT_SUPPORTED
    when an "error" meaning does; unchanged otherwise.

    Only the vendors the device was identified as speak through their meanings: another vendor's way of saying
    "absent" proves nothing about this device. "absent" is tried first: a vendor's "not implemented" is one of
    its error answers too.
    """
    mine = [m for m in meanings if m.vendor in vendors]
    for meaning in sorted(mine, key=lambda m: m.meaning != "absent"):
        if means(obs, meaning):
            note = f"{_NOTES[meaning.meaning]} ([[answer]] {meaning.id})"
            detail = f"{obs.detail}; {note}" if obs.detail else note
            return dataclasses.replace(obs, outcome=_OUTCOMES[meaning.meaning], detail=detail)
    return obs


def case_applies(meaning: AnswerMeaning, body: bytes, status: int) -> bool:
    """How `validate` runs an [[answer]] case: as an answer of that status and body."""
    return means(Observation("case", "case", OK, status=status, body=body), meaning)
