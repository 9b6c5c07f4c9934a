"""The engine: findings, vendor hits, identity fields, vendor names, validation that can fail, coverage."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from scanner.matching.engine import (
    ANY_VENDOR,
    api_family,
    canonical_vendor,
    case_observation,
    coverage,
    extract_fields,
    match_identify,
    match_rules,
    validate,
)
from scanner.matching.loader import load_signatures
from scanner.matching.schema import Matcher, RequestSpec, Rule
from scanner.model import AUTH_REQUIRED, FAILED, NOT_SUPPORTED, OK, Observation

SIGSET = load_signatures()
CASES = Path(__file__).parents[2] / "signatures" / "cases"


def rule(rule_id: str) -> Rule:
    return next(r for r in SIGSET.rules if r.id == rule_id)


def spec(spec_id: str) -> RequestSpec:
    return next(s for s in SIGSET.requests if s.id == spec_id)


def answer(probe: str, body: bytes, outcome: str = OK, request: str = "GET /x", at: str = "") -> Observation:
    return Observation(probe, request, outcome, 200 if outcome == OK else 401, (), body, at)


CAPS_FACE = (CASES / "hikvision/capabilities-nvr-face.xml").read_bytes()
CAPS_TRAP = (CASES / "hikvision/capabilities-trap.xml").read_bytes()


def test_findings_carry_the_rule_the_excerpt_and_the_body_hash() -> None:
    observation = answer("hikvision.isapi.capabilities", CAPS_FACE, request="GET /ISAPI/System/capabilities")
    findings = match_rules([observation], SIGSET.rules)
    assert [f.rule for f in findings] == [
        "hikvision.cap.face_contrast",
        "hikvision.cap.face_detect",
        "hikvision.cap.face_snap",
        "hikvision.cap.face_snap_modeling",
    ]
    detect = findings[1]
    assert (detect.feature, detect.level, detect.confidence) == ("face_detection", "capable", "high")
    (evidence,) = detect.evidence
    assert evidence.excerpt == "<isSupportFaceDetect>true</isSupportFaceDetect>"
    assert evidence.sha256 == observation.sha256 and evidence.request == "GET /ISAPI/System/capabilities"


def test_the_trap_document_gives_no_finding() -> None:
    assert match_rules([answer("hikvision.isapi.capabilities", CAPS_TRAP)], SIGSET.rules) == ()


def test_only_ok_observations_of_the_rule_probe_count() -> None:
    rules = [rule("hikvision.cap.face_detect")]
    for outcome in (AUTH_REQUIRED, NOT_SUPPORTED, FAILED):
        assert match_rules([answer("hikvision.isapi.capabilities", CAPS_FACE, outcome)], rules) == ()
    assert match_rules([answer("hikvision.isapi.triggers", CAPS_FACE)], rules) == ()


def test_one_finding_per_rule_with_all_matching_evidence_in_a_stable_order() -> None:
    rules = [rule("hikvision.cap.face_detect")]
    first = answer("hikvision.isapi.capabilities", CAPS_FACE, request="GET :8080 /ISAPI/System/capabilities", at="t2")
    second = answer("hikvision.isapi.capabilities", CAPS_FACE, request="GET :80 /ISAPI/System/capabilities", at="t1")
    (finding,) = match_rules([first, second], rules)
    assert [e.request for e in finding.evidence] == [second.request, first.request]
    assert match_rules([second, first], rules) == match_rules([first, second], rules)


def test_findings_per_channel_sort_whatever_channel_ids_a_device_lists() -> None:
    # A device names its channels: `²` is a digit to str.isdigit() and not to int() (issue 13).
    rules = [rule("hikvision.cap.face_detect")]
    asked = [dataclasses.replace(answer("hikvision.isapi.capabilities", CAPS_FACE), channel=c)
             for c in ("10", "\u00b2", "2", "9" * 5000, "a")]  # fmt: skip
    channels = [f.channel for f in match_rules(asked, rules)]
    assert channels[:2] == ["2", "10"] and sorted(channels[2:]) == sorted(["\u00b2", "9" * 5000, "a"])


def test_matching_is_deterministic_whatever_the_input_order() -> None:
    observations = [
        answer("hikvision.isapi.capabilities", CAPS_FACE),
        answer("hikvision.isapi.triggers", (CASES / "hikvision/triggers-nvr-face.xml").read_bytes()),
        answer("dahua.cgi.video_analyse_global", (CASES / "dahua/global-face-analysis.txt").read_bytes()),
        Observation(
            "onvif.events.properties",
            "GetEventProperties",
            OK,
            200,
            values=(("topics", ("tns1:RuleEngine/Recognition/Face",)),),
        ),
    ]
    expected = match_rules(observations, SIGSET.rules)
    assert len(expected) == 10  # 4 capability flags, 3 triggers, 1 Dahua scene, 2 topic rules
    shuffler = random.Random(7)
    for _ in range(10):
        obs, rules = observations[:], list(SIGSET.rules)
        shuffler.shuffle(obs)
        shuffler.shuffle(rules)
        assert match_rules(obs, rules) == expected


def test_match_all_needs_every_matcher_and_any_needs_one() -> None:
    both = [Matcher("contains", text="Amcrest Technologies"), Matcher("contains", text="LDAPUser")]
    base = Rule(
        "t.r", "test", None, "face_detection", "capable", "low", "http.root", "all", tuple(both), ("x/y:z",), ()
    )
    page = answer("http.root", b"<div>Amcrest Technologies</div>")
    assert match_rules([page], [base]) == ()
    (finding,) = match_rules([page], [dataclasses.replace(base, match="any")])
    assert finding.evidence[0].excerpt == "<div>Amcrest Technologies</div>"


def test_identify_reads_refusals_but_not_failures() -> None:
    realm = (("realm", ("Login to 4X7C5A1ZAG21L3F",)),)
    refused = Observation("rtsp.describe", "DESCRIBE rtsp://127.0.0.1/", AUTH_REQUIRED, 401, values=realm)
    (hit,) = match_identify([refused], SIGSET.identifies)
    assert (hit.rule, hit.vendor, hit.confidence, hit.camera) == ("dahua.rtsp.realm", "Dahua", "low", True)
    assert hit.evidence[0].excerpt == "Login to 4X7C5A1ZAG21L3F"
    failed = dataclasses.replace(refused, outcome=FAILED)
    assert match_identify([failed], SIGSET.identifies) == ()


def test_identify_hits_are_ordered_strongest_first() -> None:
    root = Observation(
        "http.root",
        "GET /",
        OK,
        200,
        (("Server", "App-webs/"),),
        (CASES / "hikvision/root-redirect.html").read_bytes(),
    )
    realm = Observation("rtsp.describe", "DESCRIBE", AUTH_REQUIRED, 401, values=(("realm", ("Hikvision",)),))
    hits = match_identify([realm, root], SIGSET.identifies)
    assert [(h.rule, h.confidence) for h in hits] == [
        ("hikvision.http.login_page", "high"),
        ("hikvision.http.server", "high"),
        ("hikvision.rtsp.realm", "low"),
    ]


def test_extract_fields_from_each_expression_kind() -> None:
    info = answer("hikvision.isapi.device_info", (CASES / "hikvision/device-info.xml").read_bytes())
    assert extract_fields(info, spec("hikvision.isapi.device_info")) == {
        "model": "DS-2CD2386G2-IU",
        "firmware": "V5.7.18",
        "serial": "DS-2CD2386G2-IU00000000AAWRJ00000000",
        "mac": "a6:63:9e:f8:01:09",
    }
    device_type = answer("dahua.cgi.device_type", (CASES / "dahua/device-type.txt").read_bytes())
    assert extract_fields(device_type, spec("dahua.cgi.device_type")) == {"model": "IPC-HDW5831R-ZE"}
    system = answer("dahua.cgi.system_info", (CASES / "dahua/system-info.txt").read_bytes())
    assert extract_fields(system, spec("dahua.cgi.system_info")) == {"serial": "4X7C5A1ZAG21L3F"}
    version = answer("dahua.cgi.software_version", (CASES / "dahua/software-version.txt").read_bytes())
    assert extract_fields(version, spec("dahua.cgi.software_version")) == {
        "firmware": "2.800.0000016.0.R,build:2020-06-05"
    }


def test_extract_json_header_and_regex_expressions() -> None:
    custom = RequestSpec(
        "x.info",
        None,
        "GET",
        "/info",
        extract=(
            ("model", "json:data.propertyList[0].ProdNbr"),
            ("firmware", "header:X-Firmware"),
            ("serial", r"regex:serial=(\w+)"),
            ("mac", "json:data.missing"),
        ),
    )
    body = b'{"data": {"propertyList": [{"ProdNbr": "M1065-LW"}]}}'
    obs = Observation("x.info", "GET /info", OK, 200, (("X-Firmware", " 9.80.1 "),), body)
    assert extract_fields(obs, custom) == {"model": "M1065-LW", "firmware": "9.80.1"}
    text = Observation("x.info", "GET /info", OK, 200, (), b"serial=ACCC8E000001\n")
    assert extract_fields(text, custom) == {"serial": "ACCC8E000001"}


def test_extracted_values_are_cleaned_and_capped() -> None:
    hostile = b"type=IPC\x1b[31m-HDW\x00\r\n"
    obs = answer("dahua.cgi.device_type", hostile)
    assert extract_fields(obs, spec("dahua.cgi.device_type")) == {"model": "IPC[31m-HDW"}
    long = answer("dahua.cgi.device_type", b"type=" + b"A" * 1000)
    assert len(extract_fields(long, spec("dahua.cgi.device_type"))["model"]) == 128
    assert (
        extract_fields(answer("dahua.cgi.device_type", b"type=X", AUTH_REQUIRED), spec("dahua.cgi.device_type")) == {}
    )
    assert extract_fields(answer("hikvision.isapi.device_info", b"<<<"), spec("hikvision.isapi.device_info")) == {}


def test_canonical_vendor_matches_aliases_and_leading_words() -> None:
    assert canonical_vendor("HIKVISION DIGITAL TECHNOLOGY CO., LTD", SIGSET) == "Hikvision"
    assert canonical_vendor("HIKVISION", SIGSET) == "Hikvision"
    assert canonical_vendor("  Samsung   Techwin ", SIGSET) == "Hanwha"
    assert canonical_vendor("AXIS M2036-LE", SIGSET) == "Axis"
    assert canonical_vendor("Dahua", SIGSET) == "Dahua"
    assert canonical_vendor("Axisfoo", SIGSET) is None  # a prefix must end at a word boundary
    assert canonical_vendor("Samsung Electronics", SIGSET) is None
    assert canonical_vendor("", SIGSET) is None and canonical_vendor(None, SIGSET) is None


def test_vendor_for_oui_uses_nmap_organisation_names() -> None:
    from scanner.matching.engine import vendor_for_oui

    assert vendor_for_oui("Hangzhou Hikvision Digital Technology", SIGSET) == "Hikvision"
    assert vendor_for_oui("Prama Hikvision India Private Limited", SIGSET) == "Hikvision"
    assert vendor_for_oui("Zhejiang Dahua Technologyco.", SIGSET) == "Dahua"
    assert vendor_for_oui("Beijing Kuangshi Technology", SIGSET) == "Megvii"
    assert vendor_for_oui("Tp-link Technologies", SIGSET) is None  # too broad on purpose
    assert vendor_for_oui("Robert Bosch GmbH", SIGSET) is None


def test_api_family_follows_oem_relations() -> None:
    assert api_family("Amcrest", SIGSET) == "Dahua"
    assert api_family("Dahua", SIGSET) == "Dahua"
    assert api_family("Unknown Co", SIGSET) == "Unknown Co"
    assert api_family(None, SIGSET) is None


def test_validate_fails_when_a_rule_has_a_wrong_matcher() -> None:
    good = rule("hikvision.cap.face_detect")
    substring = (Matcher("regex", pattern="(?i)face"),)  # the naive rule the trap case exists for
    broken = dataclasses.replace(good, matchers=substring)
    failures = validate(dataclasses.replace(SIGSET, rules=(broken,), identifies=()))
    assert {(f.rule, f.expected, f.got) for f in failures} == {("hikvision.cap.face_detect", False, True)}
    assert any("trap" in f.note for f in failures)
    assert "expected no match, got a match" in str(failures[0])
    wrong_path = dataclasses.replace(
        good, matchers=(Matcher("xml", path="DeviceCap/isSupportFaceDetect", equals="true"),)
    )
    failures = validate(dataclasses.replace(SIGSET, rules=(wrong_path,), identifies=()))
    assert {(f.case, f.expected, f.got) for f in failures} == {(0, True, False), (1, True, False), (4, False, True)}


def test_validate_fails_when_a_fingerprint_is_wrong() -> None:
    ident = next(i for i in SIGSET.identifies if i.id == "hikvision.http.server")
    broken = dataclasses.replace(ident, matchers=(Matcher("exists", part="header:Server"),))
    failures = validate(dataclasses.replace(SIGSET, rules=(), identifies=(broken,)))
    assert [f.case for f in failures] == [3, 4]


def test_case_observation_outcome_follows_the_status() -> None:
    case = rule("hikvision.cap.face_detect").cases[0]
    assert case_observation("p", "r", 0, case).outcome == OK
    assert case_observation("p", "r", 0, dataclasses.replace(case, status=401)).outcome == AUTH_REQUIRED
    assert case_observation("p", "r", 0, dataclasses.replace(case, status=404)).outcome == NOT_SUPPORTED


def test_coverage_lists_vendor_feature_levels_with_neutral_rules_last() -> None:
    rows = coverage(SIGSET)
    assert ("Hikvision", "face_library", ("capable", "active")) in rows
    assert ("Dahua", "face_attributes", ("capable",)) in rows  # a scene is not a switch
    assert rows[-1][0] == ANY_VENDOR and rows[0][0] != ANY_VENDOR
    assert rows == coverage(SIGSET)
