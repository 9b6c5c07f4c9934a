"""An early vendor round's answers read again as the maker the device turned out to be (pure)."""

from __future__ import annotations

from dataclasses import replace

from scanner.matching.answers import read_answer
from scanner.matching.schema import AnswerMeaning
from scanner.model import ABSENT, OK, Observation
from scanner.pipeline.vendor import Readings

LACKS = AnswerMeaning("acme.lacks", "Acme", "absent", (200,), "notSupport", ("s",), ())
OTHERS = AnswerMeaning("other.lacks", "Other", "absent", (200,), "nothing here", ("s",), ())


def _answer(probe: str, body: bytes) -> Observation:
    return Observation(probe, f"GET /{probe}", OK, status=200, body=body)


def test_answers_read_as_one_maker_are_read_again_as_another_and_what_was_never_read_stays():
    readings = Readings()
    lacking, plain = _answer("acme.face", b"<x>notSupport</x>"), _answer("acme.caps", b"<caps/>")
    kept = []
    for unread in (lacking, plain):
        read = read_answer(unread, [LACKS, OTHERS], ["Other"])  # read first as another maker's
        readings.keep(read, unread)
        kept.append(read)
    assert [o.outcome for o in kept] == [OK, OK]  # Other's wording does not match
    login = Observation("acme.login", "POST /login", OK, status=200)  # a login is never read
    copy = replace(kept[0], probe="acme.face_again")  # one request recorded under a second probe id
    readings.alias(copy, kept[0])
    again = readings.again([*kept, login, copy], [LACKS, OTHERS], ["Acme"])
    assert [o.outcome for o in again] == [ABSENT, OK, OK, ABSENT]
    assert again[2] is login and again[3].probe == "acme.face_again"
    assert "acme.lacks" in again[0].detail


def test_an_answer_that_was_not_kept_is_never_mistaken_for_one_that_was():
    readings = Readings()
    unread = _answer("acme.face", b"notSupport")
    read = read_answer(unread, [LACKS], [])
    readings.keep(read, unread)
    lookalike = replace(read)  # equal, but another object: not the answer kept
    assert readings.again([lookalike], [LACKS], ["Acme"])[0] is lookalike
