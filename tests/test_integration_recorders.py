"""End to end on the lab: recorders and their channels, face terminals, and the vendors' own face settings (issue 11).

Each persona is judged exactly (level, findings, role, and the channel of each per-channel finding, with the camera
the recorder lists behind it); a recorder's camera passwords never reach a report or a bundle; a face terminal's
search is closed with the token it was given.
"""

from __future__ import annotations

import json

import pytest

from scanner.cli.main import main
from scanner.lab import Lab, load_personas
from scanner.lab.answer_key import differences, finding_keys
from scanner.lab.dahua import DahuaSite
from scanner.model import ABSENT, OK, DeviceReport, ScanResult
from scanner.report.json_report import render
from scanner.vocabulary import Reason, Role
from tests.lab.clients import device

pytestmark = pytest.mark.lab
NETWORK = "127.77.113.0/24"
NEW = ("hik-nvr", "dahua-ivss", "dahua-terminal", "uniview-face", "hanwha-fd-on", "hik-fingerprint", "huawei-sdc")
PERSONAS = (*NEW, "hanwha-trap", "hanwha-face", "dahua-asi")


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK, personas=[p for p in load_personas() if p.id in PERSONAS]) as running:
        yield running


def report_of(lab, result: ScanResult, persona_id: str) -> DeviceReport:
    address = device(lab, persona_id).address
    return next(d for d in result.devices if d.address == address)


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_each_persona_is_judged_exactly_by_the_answer_key(lab, with_creds, without_creds, persona_id):
    d = device(lab, persona_id)
    assert differences(d, report_of(lab, with_creds, persona_id), with_credentials=True) == []
    assert differences(d, report_of(lab, without_creds, persona_id), with_credentials=False) == []


def test_the_new_personas_state_role_and_findings_in_their_key():
    for persona in (p for p in load_personas() if p.id in NEW):
        assert persona.expect.role is not None and persona.expect.findings is not None, persona.id


# --- a DeepinMind recorder: channels, a per-channel switch, linkage that stays capable ---


def test_a_recorder_lists_its_channels_and_the_cameras_behind_them(lab, with_creds):
    nvr = report_of(lab, with_creds, "hik-nvr")
    assert nvr.role == Role.RECORDER and nvr.is_camera
    assert [(c.id, c.name, c.address, c.model, c.maker) for c in nvr.channels] == [
        ("1", "Lobby", "192.168.254.2", "DS-2CD2386G2-IU", "HIKVISION"),
        ("2", "Entrance", "192.168.254.3", "iDS-2CD7146G0-IZS", "HIKVISION"),
        ("3", "Car park", "192.168.254.4", "DS-2CD2146G2-ISU", "HIKVISION"),
        ("4", "Warehouse", "192.168.254.5", "DS-2CD2143G2-I", "HIKVISION"),
    ]
    assert nvr.channels[1].serial == "iDS-2CD7146G0-IZS20221108AAWRK10000102"


def test_face_detection_is_configured_on_one_channel_only_and_names_its_camera(lab, with_creds):
    nvr = report_of(lab, with_creds, "hik-nvr")
    (switch,) = [f for f in nvr.findings if f.level == "configured"]
    assert (switch.rule, switch.feature, switch.channel) == ("hikvision.switch.face_detect", "face_detection", "2")
    camera = next(c for c in nvr.channels if c.id == switch.channel)
    assert (camera.address, camera.model) == ("192.168.254.3", "iDS-2CD7146G0-IZS")
    (evidence,) = switch.evidence
    assert "/ISAPI/Smart/FaceDetect/2" in evidence.request and "<enabled>true</enabled>" in evidence.excerpt
    assert {f"hikvision.isapi.face_detect@{c}" for c in "1234"} <= set(nvr.coverage.read)


def test_record_only_face_triggers_are_linkage_capable_never_configured(lab, with_creds):
    nvr = report_of(lab, with_creds, "hik-nvr")
    (trigger,) = [f for f in nvr.findings if f.rule == "hikvision.trigger.face_detection"]
    assert trigger.level == "capable" and trigger.channel is None
    assert "notificationMethod>record<" in trigger.evidence[0].excerpt
    assert not any(f.level == "configured" and f.channel in ("1", "3", "4") for f in nvr.findings)
    (enrolled,) = [f for f in nvr.findings if f.rule == "hikvision.fdlib.enrolled"]
    assert enrolled.level == "active" and '"recordDataNumber": 23' in enrolled.evidence[0].excerpt


# --- a Dahua IVSS: a FaceCompare rule on one channel, a face group, and its cameras' passwords ---

IVSS_PASSWORDS = ("lab-ivss-cam0-Qx71c", "lab-ivss-cam1-Vb39d", "lab-ivss-cam2-Hk58e", "lab-ivss-cam3-Zr20a")


def test_the_ivss_rule_names_its_channel_and_camera_and_the_group_is_counted(lab, with_creds):
    ivss = report_of(lab, with_creds, "dahua-ivss")
    assert ivss.role == Role.RECORDER and ivss.face_analytics == "active"
    assert [(c.id, c.address, c.model) for c in ivss.channels] == [
        ("0", "192.168.1.108", "IPC-HFW5442E-ZE"),
        ("1", "192.168.1.109", "IPC-HDW1230S"),
        ("2", "192.168.1.110", "DS-2CD2386G2-IU"),
    ]  # the unused slot 3 (Enable=false) is no channel
    (rule,) = [f for f in ivss.findings if f.rule == "dahua.rule.face_recognition"]
    assert (rule.level, rule.channel) == ("configured", "2")
    assert "VideoAnalyseRule[2][0].Class=FaceCompare" in rule.evidence[0].excerpt
    assert "VideoAnalyseRule[2][0].Enable=true" in rule.evidence[0].excerpt
    assert next(c for c in ivss.channels if c.id == rule.channel).model == "DS-2CD2386G2-IU"
    (groups,) = [f for f in ivss.findings if f.rule == "dahua.face_group.enrolled"]
    assert groups.level == "active" and "groupSize=12" in groups.evidence[0].excerpt
    assert not [f for f in ivss.findings if f.channel == "1"]  # a FaceAttribute rule switched off


def test_the_recorders_camera_passwords_are_dropped_before_recording(lab, with_creds):
    ivss = report_of(lab, with_creds, "dahua-ivss")
    (remote,) = [o for o in ivss.observations if o.probe == "dahua.cgi.remote_device"]
    assert remote.outcome == OK and b"RemoteDevice" in remote.body
    assert b".Password=" not in remote.body and b".UserName=" not in remote.body
    assert "8 line(s) holding secrets were dropped" in remote.detail
    text = render(with_creds)
    assert not [p for p in IVSS_PASSWORDS if p in text]


def test_no_camera_password_reaches_the_json_report_or_the_evidence_bundle(lab, creds_file, tmp_path, capsys):
    ivss = device(lab, "dahua-ivss")
    out, bundle = tmp_path / "report.json", tmp_path / "bundle"
    code = main(["scan", ivss.address, "--credentials", str(creds_file), "--format", "json", "-o", str(out),
                 "--bundle", str(bundle), "--no-progress", "--no-history"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 1 and json.loads(out.read_text())["devices"][0]["face_analytics"] == "active"
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert len(files) > 5, "the bundle holds the raw answers"
    haystacks = [out.read_bytes(), printed.out.encode(), printed.err.encode(), *(p.read_bytes() for p in files)]
    for password in IVSS_PASSWORDS:
        assert not [h for h in haystacks if password.encode() in h], password


# --- a Dahua face terminal: stored faces counted, the search closed with its token ---


def test_a_face_terminal_search_is_closed_with_the_token_it_was_given(lab, with_creds):
    terminal = report_of(lab, with_creds, "dahua-terminal")
    assert terminal.role == Role.FACE_TERMINAL and terminal.face_analytics == "active"
    site = lab.site(device(lab, "dahua-terminal").address)
    assert isinstance(site, DahuaSite)
    (token,) = site.searches.opened
    assert site.searches.closed == [token] and site.searches.open == []
    assert site.searches.photo_requests == 0  # doFind (the photos) is never asked
    (opened,) = [o for o in terminal.observations if o.probe == "dahua.cgi.face_info_find"]
    (closed,) = [o for o in terminal.observations if o.probe == "dahua.cgi.face_info_find.close"]
    assert f'"Token": {token}' in opened.text and '"Total": 24' in opened.text
    assert closed.outcome == OK and f"action=stopFind&token={token}" in closed.request


def test_a_terminal_whose_search_cgi_is_missing_leaves_nothing_open(lab, with_creds):
    asi = report_of(lab, with_creds, "dahua-asi")
    assert asi.role == Role.FACE_TERMINAL and asi.face_analytics == "capable"
    site = lab.site(device(lab, "dahua-asi").address)
    assert isinstance(site, DahuaSite) and site.searches.opened == []
    reasons = {n.check: n.reason for n in asi.not_checked}
    assert reasons["dahua.cgi.face_info_find"] == Reason.NOT_OFFERED  # 400 Bad Request is not absence


# --- Hanwha, Uniview, Huawei: the vendors' own settings ---


def test_hanwha_switch_on_is_configured_and_608_is_absence(lab, with_creds):
    on = report_of(lab, with_creds, "hanwha-fd-on")
    (switch,) = [f for f in on.findings if f.rule == "hanwha.switch.face_detection"]
    assert switch.level == "configured" and '"Enable": true' in switch.evidence[0].excerpt
    off = report_of(lab, with_creds, "hanwha-face")
    assert off.face_analytics == "capable" and "hanwha.sunapi.face_detection" in off.coverage.read
    trap = report_of(lab, with_creds, "hanwha-trap")
    (answer,) = [o for o in trap.observations if o.probe == "hanwha.sunapi.face_detection"]
    assert answer.status == 200 and answer.outcome == ABSENT and "hanwha.answer.not_implemented" in answer.detail
    assert trap.face_analytics == "not_found" and "hanwha.sunapi.face_detection" in trap.coverage.absent


def test_uniview_and_huawei_libraries_are_counted_and_their_gaps_said(lab, with_creds, without_creds):
    uniview = report_of(lab, with_creds, "uniview-face")
    assert finding_keys(uniview) == ("face_library:active",)
    assert '"FaceNum": 12' in uniview.findings[0].evidence[0].excerpt
    huawei = report_of(lab, with_creds, "huawei-sdc")
    assert finding_keys(huawei) == ("face_library:active", "face_recognition:configured")
    for persona_id in ("uniview-face", "huawei-sdc"):
        quiet = report_of(lab, without_creds, persona_id)
        reasons = {(n.check, n.reason) for n in quiet.not_checked}
        assert quiet.face_analytics == "unknown" and ("vendor_api", Reason.FACE_CAPS_UNDOCUMENTED) in reasons


# --- a fingerprint terminal: not a camera, no face finding ---


def test_a_fingerprint_terminal_is_not_a_camera_and_has_no_face_finding(lab, with_creds, without_creds):
    terminal = report_of(lab, with_creds, "hik-fingerprint")
    assert (terminal.role, terminal.is_camera, terminal.face_analytics) == (Role.OTHER, False, "not_found")
    assert terminal.findings == () and terminal.identity.model == "DS-K1T804AEF"
    checked = {o.probe: o.outcome for o in terminal.observations}
    assert checked["hikvision.isapi.access_control_capabilities"] == OK  # read, and it has no face reader
    assert checked["hikvision.isapi.user_count"] == OK
    quiet = report_of(lab, without_creds, "hik-fingerprint")
    assert (quiet.is_camera, quiet.face_analytics) == (True, "unknown")  # without a login: a Hikvision web server
