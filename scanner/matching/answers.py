"""A vendor's own way of saying it lacks a function (`[[answer]]`): such an answer concludes its check as absent."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from scanner.matching.schema import AnswerMeaning
from scanner.model import ABSENT, OK, Observation


def means_absent(obs: Observation, meaning: AnswerMeaning) -> bool:
    """The answer is the vendor's "I do not have this": one of its statuses, and its body pattern if it has one."""
    if obs.status not in meaning.statuses or obs.stopped is not None:
        return False
    return meaning.body is None or re.search(meaning.body, obs.text) is not None


def read_as_absent(obs: Observation, meanings: Sequence[AnswerMeaning], vendors: Sequence[str]) -> Observation:
    """The observation with outcome ABSENT when one of its vendors' meanings says so; unchanged otherwise.

    Only the vendors the device was identified as speak through their meanings: another vendor's way of saying
    "absent" proves nothing about this device.
    """
    for meaning in meanings:
        if meaning.vendor in vendors and means_absent(obs, meaning):
            note = f"the device's answer means it lacks this function ([[answer]] {meaning.id})"
            detail = f"{obs.detail}; {note}" if obs.detail else note
            return dataclasses.replace(obs, outcome=ABSENT, detail=detail)
    return obs


def case_applies(meaning: AnswerMeaning, body: bytes, status: int) -> bool:
    """How `validate` runs an [[answer]] case: as an answer of that status and body."""
    return means_absent(Observation("case", "case", OK, status=status, body=body), meaning)
