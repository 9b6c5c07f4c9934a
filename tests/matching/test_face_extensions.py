"""Schema extensions for face evidence across vendors: xml attribute tests, conclusive rules, vendor sessions,
OEM families in coverage, and vendors whose face API camaudit cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.matching.engine import (
    ANY_VENDOR,
    match_rules,
    vendor_coverage,
    vendors_without_rules,
    with_families,
)
from scanner.matching.loader import load_signatures
from scanner.matching.matchers import evaluate
from scanner.matching.schema import Matcher
from scanner.matching.session import checked, hide_token, login_request, logout_request, read_token, with_token
from scanner.model import FAILED, FEATURES, NOT_SUPPORTED, OK, Credential, Observation
from tests.matching.test_loader import RULE, VENDORS, error_of, valid

SIGSET = load_signatures()
SUNAPI = b"""<cgis>
<cgi name="eventrules"><submenu name="rules"><action name="view">
  <parameter name="EventSource"><dataType><enum><entry value="FaceDetection"/></enum></dataType></parameter>
</action></submenu></cgi>
<cgi name="eventstatus"><submenu name="eventstatus"><action name="monitor">
  <parameter name="Channel.#.EventType"><dataType><csv><entry value="MotionDetection"/></csv></dataType></parameter>
</action></submenu></cgi>
</cgis>"""
EVENT_TYPES = (
    "//cgi[@name='eventstatus']/submenu/action[@name='monitor']/parameter[@name='Channel.#.EventType']"
    "/dataType/*/entry/@value"
)


def obs(body: bytes = b"", probe: str = "p", outcome: str = OK, **values: tuple[str, ...]) -> Observation:
    return Observation(probe, f"POST http://127.0.0.1/{probe}", outcome, 200, (), body, values=tuple(values.items()))


# --- xml: attribute tests on path steps ---


def test_an_attribute_test_keeps_only_the_named_element() -> None:
    face = Matcher("xml", path=EVENT_TYPES, equals="FaceDetection")
    motion = Matcher("xml", path=EVENT_TYPES, equals="MotionDetection")
    assert evaluate(face, obs(SUNAPI)) is None  # FaceDetection only under another CGI: the trap
    assert evaluate(motion, obs(SUNAPI)) == '<entry value="MotionDetection"/>'
    anywhere = Matcher("xml", path="//entry/@value", equals="FaceDetection")
    assert evaluate(anywhere, obs(SUNAPI)) is not None  # without the tests it would have matched


def test_attribute_tests_compare_whole_values_and_local_names() -> None:
    running = b'<reply><a:application xmlns:a="urn:x" a:Status="Running" Name="FaceApp"/></reply>'
    assert evaluate(Matcher("xml", path="//application[@Status='Running']/@Name"), obs(running)) is not None
    assert evaluate(Matcher("xml", path="//application[@Status='Run']/@Name"), obs(running)) is None
    assert evaluate(Matcher("xml", path="//application[@State='Running']/@Name"), obs(running)) is None


@pytest.mark.parametrize(
    "path",
    ["//a[@b='c']/d", "a[@b='x.#.y']/*/e/@v", "//*[@n='']"],
)
def test_the_loader_accepts_attribute_tests(tmp_path: Path, path: str) -> None:
    rule = RULE.replace('path = "Caps/face", equals = "true"', f'path = "{path}"')
    assert load_signatures(valid(tmp_path, rule)).rules[0].matchers[0].path == path


@pytest.mark.parametrize("path", ["//a[@b=c]/d", "a[@b='c'", "a[b='c']", "a[@b='c/d']", "a[@b='c'][@d='e']"])
def test_the_loader_refuses_other_predicates(tmp_path: Path, path: str) -> None:
    rule = RULE.replace('path = "Caps/face", equals = "true"', f'path = "{path}"')
    assert "is not a path of local names" in error_of(valid(tmp_path, rule))


# --- conclusive rules ---


def test_rules_are_conclusive_unless_told_otherwise(tmp_path: Path) -> None:
    assert load_signatures(valid(tmp_path)).rules[0].conclusive is True
    rule = RULE.replace('probe = "acme.caps"', 'probe = "acme.caps"\nconclusive = false')
    said = {"vendors.toml": VENDORS + 'no_face_api = "face_api_none_public"\n'}  # Acme has no conclusive rule now
    assert load_signatures(valid(tmp_path, rule, extra=said)).rules[0].conclusive is False
    assert "set no_face_api" in error_of(valid(tmp_path / "unsaid", rule))
    bad = RULE.replace('probe = "acme.caps"', 'probe = "acme.caps"\nconclusive = "no"')
    assert error_of(valid(tmp_path, bad)).endswith("rule[0].conclusive: must be true or false")


def test_shipped_rules_whose_miss_proves_nothing_are_not_conclusive() -> None:
    loose = {r.id for r in SIGSET.rules if not r.conclusive}
    assert {"hikvision.model.face_terminal", "dahua.model.face_terminal", "megvii.oui.face_hardware"} <= loose
    assert {"onvif.pull.face_state_true", "onvif.pull.face_recognized", "sensetime.oui.face_hardware"} <= loose
    # Dahua's getCaps answer has no public description: its rules read values whose absence proves nothing.
    assert {"dahua.caps.face_detection", "dahua.caps.face_recognition"} <= loose
    undocumented = ("dahua.cgi.video_analyse_caps",)
    assert all(r.probe in ("discovery.facts", "onvif.events.pull", *undocumented) or ".model." in r.id
               for r in SIGSET.rules if not r.conclusive)  # fmt: skip


# --- vendor sessions ---

SESSION = """
[[session]]
id = "acme.session"
vendor = "Acme"
login_path = "/api?cmd=Login"
login_body = '[{"user":{username},"pass":{password}}]'
token = "json:[0].token"
logout_path = "/api?cmd=Logout&token={token}"
code = "json:[*].code"

[[request]]
id = "acme.state"
vendor = "Acme"
method = "POST"
path = "/api?cmd=State&token={token}"
session = "acme.session"
"""


def test_a_session_and_its_requests_load(tmp_path: Path) -> None:
    sigset = load_signatures(valid(tmp_path, RULE + SESSION))
    (session,) = sigset.sessions
    assert (session.id, session.vendor, session.code, session.code_ok) == ("acme.session", "Acme", "json:[*].code", "0")
    assert next(s for s in sigset.requests if s.id == "acme.state").session == "acme.session"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('session = "acme.session"', 'session = "acme.other"'), "session: unknown session 'acme.other'"),
        (('"pass":{password}', '"pass":"x"'), "login_body: must contain {username} and {password}"),
        (('token = "json:[0].token"', 'token = "regex:t=(\\\\w+)"'), "token: must be a json:<path> expression"),
        (('login_path = "/api?cmd=Login"', 'login_path = "api"'), "login_path: must start with '/'"),
    ],
)
def test_session_mistakes_are_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    assert message in error_of(valid(tmp_path, RULE + SESSION.replace(*change)))


def test_the_login_carries_the_credential_as_json_never_in_the_url() -> None:
    session = SIGSET.sessions[0]
    login = login_request(session, Credential('ad"min', 'p\\a"ss'))
    body = json.loads(login.body)
    assert body[0]["param"]["User"] == {"userName": 'ad"min', "password": 'p\\a"ss'}
    assert "p\\a" not in login.path and login.method == "POST" and not login.auth
    assert logout_request(session, "a b/c").path.endswith("token=a%20b%2Fc")
    spec = next(s for s in SIGSET.requests if s.session == session.id)
    assert with_token(spec, "abc123").path.endswith("token=abc123") and "{token}" not in with_token(spec, "x").path


def test_the_token_is_read_checked_and_hidden() -> None:
    session = SIGSET.sessions[0]
    answer = obs(b'[{"cmd":"Login","code":0,"value":{"Token":{"leaseTime":3600,"name":"5f1e9c"}}}]')
    assert read_token(answer, session) == "5f1e9c"
    refused = obs(b'[{"cmd":"Login","code":1,"error":{"detail":"login failed","rspCode":-7}}]')
    assert read_token(refused, session) is None and checked(refused, session).outcome == FAILED
    assert "error code 1" in checked(refused, session).detail
    assert read_token(obs(b"<html>login</html>"), session) is None
    assert read_token(obs(b'[{"code":0,"value":{"Token":{"name":"a b"}}}]'), session) is None  # not a token
    hidden = hide_token(Observation("p", "POST http://h/api?token=5f1e9c", OK, body=answer.body), "5f1e9c")
    assert "5f1e9c" not in hidden.request + hidden.text and "<session>" in hidden.text
    assert checked(obs(b"[]", outcome=NOT_SUPPORTED), session).outcome == NOT_SUPPORTED


def test_a_token_echoed_in_a_header_or_a_value_is_hidden_too() -> None:
    # Issue 13: a device echoing its session token in a header put it into the evidence bundle.
    echoed = Observation("p", "POST http://h/api?token=5f1e9c", OK, headers=(("X-Session", "t=5f1e9c"),),
                         body=b"{}", detail="saw 5f1e9c", values=(("echo", ("5f1e9c",)),))  # fmt: skip
    hidden = hide_token(echoed, "5f1e9c")
    assert "5f1e9c" not in repr((hidden.request, hidden.headers, hidden.detail, hidden.values, hidden.text))
    assert hidden.headers == (("X-Session", "t=<session>"),) and "replaced by <session>" in hidden.detail


# --- families, coverage, vendors without a face API ---


def test_families_follow_each_vendor() -> None:
    assert with_families(("Amcrest",), SIGSET) == ("Amcrest", "Dahua")
    assert with_families(("Lorex", "Dahua", "Hikvision"), SIGSET) == ("Lorex", "Dahua", "Hikvision")
    assert with_families(("Unknown Co",), SIGSET) == ("Unknown Co",)


def test_coverage_shows_ten_vendors_and_every_feature() -> None:
    rows = vendor_coverage(SIGSET)
    vendors = {vendor for vendor, _, _ in rows} - {ANY_VENDOR}
    assert len(vendors) >= 10
    assert {"Hikvision", "Dahua", "Axis", "Hanwha", "Reolink", "Megvii", "SenseTime"} <= vendors
    assert {"Amcrest (Dahua family)", "Lorex (Dahua family)", "Intelbras (Dahua family)"} <= vendors
    assert {feature for _, feature, _ in rows} == set(FEATURES)
    assert rows[-1][0] == ANY_VENDOR


def test_vendors_without_rules_are_listed_and_say_why() -> None:
    others = vendors_without_rules(SIGSET)
    assert {"Bosch", "ZKTeco", "Milesight"} <= set(others)
    assert not {"Dahua", "Amcrest", "Hikvision", "Uniview", "Huawei"} & set(others)
    reasons = {v.name: v.no_face_api for v in SIGSET.vendors}
    assert reasons["ZKTeco"] == "face_api_needs_key" and reasons["Bosch"] == "face_api_none_public"
    assert reasons["Hikvision"] == "" and reasons["Hanwha"] == ""
    # Their libraries are counted, but their face detection switch has no public answer: unknown without a finding.
    assert reasons["Uniview"] == reasons["Huawei"] == "face_caps_undocumented"


def test_a_mac_in_megvii_block_matches_with_an_old_prefix_list() -> None:
    rules = [r for r in SIGSET.rules if r.probe == "discovery.facts"]
    old = obs(probe="discovery.facts", mac=("60:15:92:6a:10:2b",), mac_vendor=("Ieee Registration Authority",))
    assert {f.rule for f in match_rules([old], rules)} == {"megvii.oui.face_hardware"}
    hik = obs(probe="discovery.facts", model=("DS-K1T671MF",), mac=("a4:14:37:b0:1f:2e",))
    assert {f.rule for f in match_rules([hik], rules)} == {"hikvision.discovery.face_terminal"}
