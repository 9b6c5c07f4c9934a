"""End to end: camaudit scans the emulated premises over the real protocols and judges every persona exactly."""

from __future__ import annotations

import json

import pytest

from scanner.cli.main import main
from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.errors import UsageError
from scanner.lab import Lab
from scanner.lab.answer_key import differences
from scanner.model import ScanResult
from scanner.net.redact import secrets_of
from scanner.pipeline.scan import run_scan
from scanner.report.json_report import to_dict
from scanner.vocabulary import Reason

pytestmark = pytest.mark.lab
NETWORK = "127.77.9.0/24"


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK) as running:
        yield running


@pytest.fixture(scope="module")
def observed(lab, creds_file) -> ScanResult:
    return run_scan(ScanConfig(targets=(lab.network,), credentials=load_credentials(creds_file), observe=1.5))


def _by_address(result: ScanResult):
    return {d.address: d for d in result.devices}


def test_every_persona_is_found_once(lab, with_creds):
    found = _by_address(with_creds)
    assert sorted(found) == sorted(d.address for d in lab.devices)


@pytest.mark.parametrize("field", ["vendor", "model", "is_camera", "face_analytics"])
def test_each_persona_judged_exactly_with_credentials(lab, with_creds, field):
    found = _by_address(with_creds)
    for device in lab.devices:
        report = found[device.address]
        got = {
            "vendor": report.identity.vendor,
            "model": report.identity.model,
            "is_camera": report.is_camera,
            "face_analytics": report.face_analytics,
        }[field]
        assert got == getattr(device.persona.expect, field), f"{device.persona.id}: {field}"


def test_role_and_findings_match_the_answer_key_with_credentials(lab, with_creds):
    """The whole key (role, and the exact findings with their channels, where the persona states them)."""
    found = _by_address(with_creds)
    names = {d.address: d.persona.id for d in lab.devices}
    assert [line for d in lab.devices for line in differences(d, found[d.address], True, names)] == []
    assert sum(d.persona.expect.findings is not None for d in lab.devices) >= 7


def test_without_credentials_face_evidence_is_unknown_with_a_reason(lab, without_creds):
    found = _by_address(without_creds)
    for device in lab.devices:
        report = found[device.address]
        expected = device.persona.expect.face_analytics_without_credentials
        assert report.face_analytics == expected, device.persona.id
        if expected == "unknown":
            assert report.not_checked, f"{device.persona.id}: unknown without saying why"
        assert report.face_analytics != "not_found" or not report.is_camera or expected == "not_found"


def test_findings_carry_evidence_tied_to_the_bytes(with_creds):
    findings = [f for d in with_creds.devices for f in d.findings]
    assert findings, "the lab has face personas: some finding is expected"
    for finding in findings:
        assert finding.evidence
        for evidence in finding.evidence:
            assert len(evidence.sha256) == 64 and evidence.excerpt and evidence.at.endswith("Z")


def test_json_contract(with_creds):
    data = json.loads(json.dumps(to_dict(with_creds)))
    assert data["schema_version"] == 3
    assert data["tool"]["name"] == "camaudit"
    assert data["scan"]["started_at"].endswith("Z") and data["scan"]["finished_at"].endswith("Z")
    keys = {
        "address",
        "mac",
        "vendor",
        "model",
        "firmware",
        "serial",
        "is_camera",
        "services",
        "face_analytics",
        "findings",
        "not_checked",
    }
    for device in data["devices"]:
        assert keys <= set(device)
        assert device["face_analytics"] in ("active", "configured", "capable", "not_found", "unknown")
        for service in device["services"]:
            assert set(service) == {"port", "protocol"}
        for finding in device["findings"]:
            assert {"rule", "feature", "level", "confidence", "evidence"} <= set(finding)


def test_cli_scan_json_exit_code_and_no_secrets(lab, creds_file, tmp_path, capsys):
    out = tmp_path / "report.json"
    code = main(
        ["scan", lab.network, "--credentials", str(creds_file), "--format", "json", "-o", str(out), "--no-progress"]
    )
    captured = capsys.readouterr()
    assert code == 1  # the lab has face analytics
    printed = json.loads(captured.out)
    assert json.loads(out.read_text()) == printed
    for password in secrets_of(e.credential for e in load_credentials(creds_file).entries):
        assert password not in captured.out + captured.err + out.read_text()


def test_scan_without_nmap_uses_connect_scan_and_says_so_once(lab, creds_file, capsys):
    config = ScanConfig(targets=(lab.network,), credentials=load_credentials(creds_file), nmap_path="/nonexistent/nmap")
    result = run_scan(config)
    assert sorted(d.address for d in result.devices) == sorted(d.address for d in lab.devices)
    notes = [e for e in result.errors if e.stage == "discover"]
    assert len(notes) == 1 and "connect scan" in notes[0].message
    assert capsys.readouterr().err.count("note:") == 1
    assert {d.address: d.face_analytics for d in result.devices} == {
        d.address: d.persona.expect.face_analytics for d in lab.devices
    }


# --- face analytics across vendors (issue 4) ---


def _persona(lab, result: ScanResult, persona_id: str):
    device = next(d for d in lab.devices if d.persona.id == persona_id)
    return _by_address(result)[device.address]


def test_observe_mode_sees_face_events_and_always_unsubscribes(lab, observed):
    found = _by_address(observed)
    for device in lab.devices:
        report = found[device.address]
        expect = device.persona.expect
        assert report.face_analytics == (expect.face_analytics_observed or expect.face_analytics), device.persona.id
        probes = [o.probe for o in report.observations if o.outcome == "ok"]
        assert probes.count("onvif.events.subscribe") == probes.count("onvif.events.unsubscribe"), device.persona.id
    reolink = _persona(lab, observed, "reolink-face")
    assert "onvif.pull.face_state_true" in {f.rule for f in reolink.findings}
    milesight = _persona(lab, observed, "onvif-m-face")
    assert "onvif.pull.face_recognized" in {f.rule for f in milesight.findings}
    # Who was recognised never enters the report: the enrolment id and label were withheld.
    pulled = b"".join(o.body for o in milesight.observations if o.probe == "onvif.events.pull")
    assert b"Likelihood" in pulled and b"visitor-0042" not in pulled and b"Whitelisted" not in pulled
    assert "visitor-0042" not in json.dumps(to_dict(observed))
    people = _persona(lab, observed, "reolink-plain")
    assert any(o.value("true_topics") for o in people.observations if o.probe == "onvif.events.pull")
    assert not people.findings  # a person seen is not a face


def test_traps_give_no_face_finding(lab, with_creds):
    traps = ("hik-trap", "axis-trap", "hanwha-trap", "reolink-plain", "onvif-trap", "bosch-iva", "hik-fingerprint")
    for persona_id in traps:
        report = _persona(lab, with_creds, persona_id)
        assert report.face_analytics in ("not_found", "unknown") and not report.findings, persona_id
    for persona_id in ("hik-trap", "axis-trap", "hanwha-trap", "reolink-plain"):  # makers whose settings are read
        assert _persona(lab, with_creds, persona_id).face_analytics == "not_found", persona_id


def test_each_family_is_proven_by_its_own_rules(lab, with_creds):
    expected = {
        "hik-terminal": {"hikvision.fdlib.enrolled", "hikvision.acs.face_recognition", "hikvision.model.face_terminal"},
        "dahua-asi": {"dahua.model.face_terminal"},
        "axis-face": {"axis.acap.face_application_running"},
        "hanwha-face": {"hanwha.attributes.face_detection", "onvif.events.face_segment"},
        "reolink-face": {
            "reolink.ai.face_supported",
            "reolink.ai_cfg.face_enabled",
            "onvif.events.reolink_face_detect",
        },
        "onvif-objects": {"onvif.rule_options.face_class", "onvif.supported_metadata.human_face"},
        "onvif-m-face": {"onvif.rules.face_recognition", "onvif.supported_metadata.human_face"},
        "megvii-oui": {"megvii.oui.face_hardware"},
        "hik-nvr": {"hikvision.switch.face_detect", "hikvision.fdlib.enrolled", "hikvision.trigger.face_detection"},
        "dahua-ivss": {"dahua.rule.face_recognition", "dahua.face_group.enrolled"},
        "dahua-terminal": {"dahua.face_terminal.enrolled", "dahua.model.face_terminal"},
        "uniview-face": {"uniview.people_library.faces"},
        "hanwha-fd-on": {"hanwha.switch.face_detection", "hanwha.attributes.face_detection_support"},
        "huawei-sdc": {"huawei.face_library.pictures", "huawei.face_library.armed"},
    }
    for persona_id, rules in expected.items():
        found = {f.rule for f in _persona(lab, with_creds, persona_id).findings}
        assert rules <= found, (persona_id, found)


def test_an_answer_of_400_is_unknown_with_its_reason_never_absent(lab, with_creds):
    report = _persona(lab, with_creds, "amcrest-400")  # an OEM: its Dahua family's requests were asked
    assert report.face_analytics == "unknown" and report.identity.vendor == "Amcrest"
    reasons = {n.check: (n.reason, n.detail) for n in report.not_checked}
    assert reasons["dahua.cgi.video_analyse_global"] == (Reason.NOT_OFFERED, "400")
    assert reasons["dahua.cgi.video_analyse_rule"] == (Reason.NOT_OFFERED, "400")


def test_vendors_without_a_face_api_say_so(lab, with_creds, without_creds):
    for result in (with_creds, without_creds):
        zk = _persona(lab, result, "zkteco-terminal")
        assert zk.face_analytics == "unknown" and zk.identity.vendor == "ZKTeco"
        assert any(n.check == "vendor_api" and n.reason == Reason.FACE_API_NEEDS_KEY for n in zk.not_checked)
    bosch = _persona(lab, with_creds, "bosch-iva")
    assert any(n.check == "vendor_api" and n.reason == Reason.FACE_API_NONE_PUBLIC for n in bosch.not_checked)


def test_vendor_sessions_are_closed_and_their_tokens_never_recorded(lab, with_creds, without_creds):
    report = _persona(lab, with_creds, "reolink-face")
    probes = [o.probe for o in report.observations]
    assert probes.count("reolink.session.login") == 1 and probes.count("reolink.session.logout") == 1
    assert (
        probes.index("reolink.session.login")
        < probes.index("reolink.api.ai_state")
        < probes.index("reolink.session.logout")
    )
    logout = next(o for o in report.observations if o.probe == "reolink.session.logout")
    assert logout.outcome == "ok" and b'"code": 0' in logout.body
    login = next(o for o in report.observations if o.probe == "reolink.session.login")
    assert b"<session>" in login.body and "token=<session>" in logout.request
    quiet = _persona(lab, without_creds, "reolink-face")
    assert not any(o.probe.startswith("reolink.") for o in quiet.observations)  # no login without credentials
    assert {"reolink.api.ai_state", "reolink.api.ai_cfg"} <= {n.check for n in quiet.not_checked}


def test_pre_auth_evidence_without_credentials(lab, without_creds):
    terminal = _persona(lab, without_creds, "hik-terminal")  # the model in its WS-Discovery scopes
    assert {f.rule for f in terminal.findings} == {"hikvision.discovery.face_terminal"}
    megvii = _persona(lab, without_creds, "megvii-oui")  # its MAC, announced in its scopes
    assert megvii.identity.vendor == "Megvii" and megvii.face_analytics == "capable"
    axis = _persona(lab, without_creds, "axis-face")  # basic device information is open by default
    assert (axis.identity.vendor, axis.identity.model) == ("Axis", "P3265-LVE")


def test_rtsp_metadata_tracks_are_recorded_as_context(lab, with_creds):
    report = _persona(lab, with_creds, "onvif-objects")
    media = [m for o in report.observations if o.probe == "rtsp.describe" for m in o.value("sdp_media")]
    assert any("vnd.onvif.metadata" in m for m in media)


def test_cli_observe_window_is_checked_then_used(lab, creds_file, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["scan", lab.network, "--observe", "0", "--no-progress"])
    assert refused.value.code == 2 and "--observe" in capsys.readouterr().err
    with pytest.raises(UsageError):
        ScanConfig(targets=(lab.network,), observe=301)
    reolink = next(d for d in lab.devices if d.persona.id == "reolink-face")
    code = main(["scan", reolink.address, "--credentials", str(creds_file), "--observe", "1", "--format", "json",
                 "--no-progress", "--no-history"])  # fmt: skip
    (device,) = json.loads(capsys.readouterr().out)["devices"]
    assert code == 1 and device["face_analytics"] == "active"
    assert "onvif.pull.face_state_true" in {f["rule"] for f in device["findings"]}
