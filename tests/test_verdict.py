"""The verdict: strongest level proven; not_found only when a face check concluded; unknown says why."""

from __future__ import annotations

from scanner.judge.verdict import not_checked, verdict
from scanner.matching.schema import Rule
from scanner.model import AUTH_REQUIRED, NOT_SUPPORTED, OK, Evidence, Finding, Observation
from scanner.vocabulary import Reason


def _rule(probe: str, vendor: str | None = "Acme") -> Rule:
    return Rule(
        id=f"{probe}.face",
        name="n",
        vendor=vendor,
        feature="face_detection",
        level="capable",
        confidence="high",
        probe=probe,
        match="all",
        matchers=(),
        sources=("s",),
        cases=(),
    )


def _obs(probe: str, outcome: str) -> Observation:
    return Observation(probe=probe, request=f"GET /{probe}", outcome=outcome, status=200 if outcome == OK else 401)


def _finding(level: str) -> Finding:
    ev = Evidence("p", "GET /", "x", "0" * 64, "2026-01-01T00:00:00.000Z")
    return Finding("r", "face_capture", level, "high", (ev,))


RULES = [_rule("acme.caps"), _rule("onvif.events.properties", vendor=None)]


def test_strongest_level_wins():
    assert verdict([_finding("capable"), _finding("active"), _finding("configured")], [], RULES, [], True) == "active"


def test_not_found_needs_a_conclusive_face_check():
    obs = [_obs("acme.caps", OK)]
    assert verdict([], obs, RULES, ["Acme"], True) == "not_found"
    assert verdict([], [_obs("http.root", OK)], RULES, ["Acme"], True) == "unknown"


def test_a_check_of_another_vendor_does_not_conclude():
    assert verdict([], [_obs("acme.caps", OK)], RULES, ["Other"], True) == "unknown"


def test_vendor_neutral_check_concludes_for_anyone():
    assert verdict([], [_obs("onvif.events.properties", OK)], RULES, [], True) == "not_found"


def test_auth_refusal_is_unknown_with_reason():
    obs = [_obs("acme.caps", AUTH_REQUIRED)]
    assert verdict([], obs, RULES, ["Acme"], True) == "unknown"
    without = not_checked(obs, RULES, ["Acme"], True, has_credential=False)
    assert [n.check for n in without] == ["acme.caps"] and without[0].reason == Reason.NEEDS_LOGIN
    refused = not_checked(obs, RULES, ["Acme"], True, has_credential=True)
    assert refused[0].reason == Reason.LOGIN_REFUSED


def test_camera_with_no_management_interface_says_so():
    notes = not_checked([_obs("rtsp.options", OK)], RULES, [], True, has_credential=False)
    assert [n.check for n in notes] == ["face_analytics"]


def test_non_camera_is_not_found_without_notes():
    assert verdict([], [_obs("http.root", OK)], RULES, [], False) == "not_found"
    assert not_checked([_obs("http.root", OK)], RULES, [], False, has_credential=False) == ()


def test_not_supported_is_listed_not_concluded():
    notes = not_checked([_obs("acme.caps", NOT_SUPPORTED)], RULES, ["Acme"], True, has_credential=True)
    assert notes and notes[0].reason == Reason.NOT_OFFERED
