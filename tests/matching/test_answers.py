"""A vendor's own words in its answers (`[[answer]]`): "absent" concludes a check, "error" (HTTP 200) is no read."""

from __future__ import annotations

from scanner.matching.answers import read_answer
from scanner.matching.engine import match_rules
from scanner.matching.schema import AnswerMeaning, Matcher, Rule
from scanner.model import ABSENT, NOT_SUPPORTED, OK, Observation

# Hanwha SUNAPI's wording (networkoptix/nx_open hanwha_response.cpp parses it): errors come with HTTP 200.
NOT_IMPLEMENTED = AnswerMeaning(
    "acme.answer.not_implemented", "Acme", "absent", (200,), r"^NG\s+Error Code:\s*608\b", ("x",), ()
)
ANY_ERROR = AnswerMeaning("acme.answer.error", "Acme", "error", (200,), r"^NG\s+Error Code:", ("x",), ())
MEANINGS = (ANY_ERROR, NOT_IMPLEMENTED)  # the error meaning first: "absent" must still win
RULE = Rule(
    "acme.switch", "switch", "Acme", "face_detection", "configured", "high", "acme.view", "all",
    (Matcher("regex", pattern="Enable=True", switch=True),), ("x",), (),
)  # fmt: skip


def answer(body: bytes, status: int = 200) -> Observation:
    return Observation("acme.view", "GET /view", OK, status=status, body=body, detail="")


def test_not_implemented_is_absent_and_says_which_answer() -> None:
    body = b"NG\r\nError Code: 608\r\nError Details:\r\nFeature(s) Not Implemented"
    read = read_answer(answer(body), MEANINGS, ["Acme"])
    assert read.outcome == ABSENT and "acme.answer.not_implemented" in read.detail


def test_another_error_with_status_200_is_no_read_and_no_rule_reads_it() -> None:
    body = b"NG\r\nError Code: 600\r\nError Details:\r\nSubmenu Not Found\r\nChannel.0.Enable=True\r\n"
    assert match_rules([answer(body)], [RULE])  # without the meaning, the error body would be read as evidence
    read = read_answer(answer(body), MEANINGS, ["Acme"])
    assert read.outcome == NOT_SUPPORTED and "acme.answer.error" in read.detail
    assert not match_rules([read], [RULE])


def test_a_real_answer_and_another_vendors_device_are_left_alone() -> None:
    good = answer(b"Channel.0.Enable=True\r\n")
    assert read_answer(good, MEANINGS, ["Acme"]) == good
    error = answer(b"NG\r\nError Code: 608\r\n")
    assert read_answer(error, MEANINGS, ["Other"]) == error
    assert read_answer(answer(b"NG\r\nError Code: 608\r\n", status=404), MEANINGS, ["Acme"]).outcome == OK
