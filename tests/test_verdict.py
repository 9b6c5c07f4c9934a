"""The verdict under the evidence standard: the strongest level proven; not_found only when every face check that
applies was read or said absent; unknown, with a reason, for everything else."""

from __future__ import annotations

from dataclasses import replace

from scanner.judge.verdict import Context, judge
from scanner.matching.schema import Rule
from scanner.model import ABSENT, AUTH_REQUIRED, FAILED, NOT_SUPPORTED, OK, Evidence, Finding, NotChecked, Observation
from scanner.vocabulary import Reason, Role


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


def _obs(probe: str, outcome: str, channel: str | None = None, stopped: Reason | None = None) -> Observation:
    status = {OK: 200, AUTH_REQUIRED: 401, NOT_SUPPORTED: 404, ABSENT: 403}.get(outcome)
    return Observation(probe, f"GET /{probe}", outcome, status=status, channel=channel, stopped=stopped)


def _finding(level: str) -> Finding:
    ev = Evidence("p", "GET /", "x", "0" * 64, "2026-01-01T00:00:00.000Z")
    return Finding("r", "face_capture", level, "high", (ev,))


RULES = [_rule("acme.caps"), _rule("acme.switch"), _rule("onvif.events.properties", vendor=None)]
ACME = Context(vendors=("Acme",), is_camera=True, has_credential=True)
BOTH = [_obs("acme.caps", OK), _obs("acme.switch", OK)]


def test_strongest_level_wins():
    findings = [_finding("capable"), _finding("active"), _finding("configured")]
    assert judge(findings, [], RULES, ACME).verdict == "active"


def test_not_found_needs_every_check_of_the_maker_read():
    assert judge([], BOTH, RULES, ACME).verdict == "not_found"
    half = judge([], BOTH[:1], RULES, ACME)
    assert half.verdict == "unknown" and half.coverage.unread == ("acme.switch",)
    assert [(n.check, n.reason) for n in half.not_checked] == [("acme.switch", Reason.NOT_ASKED)]


def test_a_check_the_device_says_it_lacks_concludes():
    judged = judge([], [_obs("acme.caps", OK), _obs("acme.switch", ABSENT)], RULES, ACME)
    assert judged.verdict == "not_found" and judged.coverage.absent == ("acme.switch",)


def test_a_plain_404_is_not_proof_of_absence():
    judged = judge([], [_obs("acme.caps", OK), _obs("acme.switch", NOT_SUPPORTED)], RULES, ACME)
    assert judged.verdict == "unknown" and judged.not_checked[0].reason == Reason.NOT_OFFERED


def test_onvif_checks_apply_once_the_device_speaks_onvif():
    spoken = [*BOTH, _obs("onvif.device.information", OK)]
    assert judge([], spoken, RULES, ACME).verdict == "unknown"  # onvif.events.properties was not read
    assert judge([], [*spoken, _obs("onvif.events.properties", OK)], RULES, ACME).verdict == "not_found"
    said_absent = replace(ACME, absent=frozenset({"onvif.events.properties"}))
    assert judge([], spoken, RULES, said_absent).verdict == "not_found"


def test_an_unknown_maker_is_unknown_however_much_onvif_said():
    onvif = [_obs("onvif.device.information", OK), _obs("onvif.events.properties", OK)]
    judged = judge([], onvif, RULES, replace(ACME, vendors=()))
    assert judged.verdict == "unknown" and ("maker", Reason.MAKER_UNKNOWN) in [
        (n.check, n.reason) for n in judged.not_checked
    ]


def test_a_maker_whose_face_api_is_out_of_reach_is_unknown():
    skipped = (NotChecked("vendor_api", Reason.FACE_API_NONE_PUBLIC, "Acme"),)
    assert judge([], BOTH, RULES, replace(ACME, skipped=skipped)).verdict == "unknown"


def test_login_refusal_and_missing_login_are_unknown_with_their_reason():
    refused = judge([], [_obs("acme.caps", AUTH_REQUIRED), BOTH[1]], RULES, ACME)
    assert refused.verdict == "unknown" and refused.not_checked[0].reason == Reason.LOGIN_REFUSED
    anonymous = judge([], [_obs("acme.caps", AUTH_REQUIRED), BOTH[1]], RULES, replace(ACME, has_credential=False))
    assert anonymous.not_checked[0].reason == Reason.NEEDS_LOGIN


def test_a_check_cut_short_by_the_budget_or_a_stop_is_unknown_with_that_reason():
    for cause in (Reason.BUDGET_SPENT, Reason.INTERRUPTED, Reason.STAGE_BUDGET):
        cut = _obs("acme.switch", FAILED, stopped=cause)
        judged = judge([], [BOTH[0], cut], RULES, ACME)
        assert judged.verdict == "unknown" and judged.not_checked[0].reason == cause


def test_a_camera_whose_audit_was_cut_is_never_cleared_though_every_check_that_applied_was_read():
    # ONVIF's first query stopped by the device's budget: whether ONVIF's face checks apply is not known, while
    # the maker's round, run beside it, read every one of its own checks.
    stopped = _obs("onvif.device.clock", FAILED, stopped=Reason.BUDGET_SPENT)
    assert judge([], [*BOTH, stopped], RULES, ACME).verdict == "unknown"
    skipped = (NotChecked("rtsp", Reason.STAGE_BUDGET),)
    assert judge([], BOTH, RULES, replace(ACME, skipped=skipped)).verdict == "unknown"
    slow = _obs("onvif.device.clock", FAILED, stopped=Reason.TIMED_OUT)  # the device's slowness, not our limits
    assert judge([], [*BOTH, slow, _obs("onvif.device.clock", FAILED)], RULES, ACME).verdict == "unknown"
    assert judge([], BOTH, RULES, ACME).verdict == "not_found"


def test_every_channel_asked_must_be_read():
    channels = [_obs("acme.caps", OK), _obs("acme.switch", OK, "1"), _obs("acme.switch", AUTH_REQUIRED, "2")]
    judged = judge([], channels, RULES, ACME)
    assert judged.verdict == "unknown" and judged.coverage.unread == ("acme.switch@2",)
    assert judged.coverage.read == ("acme.caps", "acme.switch@1")


def test_camera_with_no_management_interface_says_so():
    judged = judge([], [_obs("rtsp.options", OK)], RULES, replace(ACME, vendors=()))
    assert judged.verdict == "unknown" and {n.check for n in judged.not_checked} == {"face_analytics", "maker"}


def test_non_camera_is_not_found_without_notes():
    judged = judge([], [_obs("http.root", OK)], RULES, replace(ACME, is_camera=False, role=Role.OTHER))
    assert judged.verdict == "not_found" and judged.not_checked == ()


def test_a_device_nothing_identified_is_unknown_never_not_found():
    """Role unknown: it listens on a camera port, and nothing it answered says whether it is a camera."""
    unidentified = replace(ACME, vendors=(), is_camera=False, role=Role.UNKNOWN)
    judged = judge([], [_obs("http.root", NOT_SUPPORTED)], RULES, unidentified)
    assert judged.verdict == "unknown"
    assert [(n.check, n.reason) for n in judged.not_checked] == [("device", Reason.DEVICE_UNKNOWN)]
    assert judge([_finding("capable")], [], RULES, unidentified).verdict == "capable"  # a finding still counts


def test_a_check_that_timed_out_is_unknown_with_its_code():
    slow = _obs("acme.switch", FAILED, stopped=Reason.TIMED_OUT)
    judged = judge([], [BOTH[0], slow], RULES, ACME)
    assert judged.verdict == "unknown" and [(n.check, n.reason) for n in judged.not_checked] == [
        ("acme.switch", Reason.TIMED_OUT)
    ]


def test_a_timed_out_step_that_no_other_answer_read_never_clears_a_device():
    identify = _obs("acme.device_info", FAILED, stopped=Reason.TIMED_OUT)  # who it is (role, channels) is unknown
    assert judge([], [*BOTH, identify], RULES, ACME).verdict == "unknown"
    on_another_port = _obs("acme.device_info", OK)
    assert judge([], [*BOTH, identify, on_another_port], RULES, ACME).verdict == "not_found"
    not_a_camera = replace(ACME, is_camera=False)
    assert judge([], [_obs("http.root", FAILED, stopped=Reason.TIMED_OUT)], RULES, not_a_camera).verdict == "unknown"
