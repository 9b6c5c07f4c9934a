"""The persona sections added for face analytics: vendor APIs, face libraries, observe-mode events, and the key."""

from __future__ import annotations

import pytest

from scanner.errors import LabError
from scanner.lab import load_personas
from tests.lab.test_personas import MINIMAL, _write

FAMILIES = {
    "hik-terminal": "Hikvision",
    "dahua-asi": "Dahua",
    "amcrest-400": "Amcrest",
    "axis-face": "Axis",
    "hanwha-face": "Hanwha",
    "reolink-face": "Reolink",
    "bosch-iva": "Bosch",
    "megvii-oui": "Megvii",
    "zkteco-terminal": "ZKTeco",
}
TRAPS = ("hik-trap", "axis-trap", "hanwha-trap", "reolink-plain", "onvif-trap", "bosch-iva")


def test_every_rule_family_has_a_persona_and_every_trap_expects_nothing():
    personas = {p.id: p for p in load_personas()}
    for persona_id, vendor in FAMILIES.items():
        assert personas[persona_id].vendor == vendor
    for persona_id in TRAPS:  # a trap never gives a face level; unknown where the maker's own settings are unread
        assert personas[persona_id].expect.face_analytics in ("not_found", "unknown"), persona_id
    levels = {p.expect.face_analytics for p in personas.values()}
    assert {"active", "configured", "capable", "not_found", "unknown"} <= levels
    observed = {p.id for p in personas.values() if p.expect.face_analytics_observed == "active"}
    assert observed == {"onvif-m-face", "reolink-face"}


def test_the_new_sections_load():
    personas = {p.id: p for p in load_personas()}
    assert personas["hik-terminal"].isapi is not None and personas["hik-terminal"].isapi.fdlib == (37, 0)
    assert personas["amcrest-400"].cgi is not None and personas["amcrest-400"].cgi.analyse_status == 400
    assert personas["amcrest-400"].web is not None and personas["amcrest-400"].web.page == "amcrest"
    axis = personas["axis-trap"].axis
    assert axis is not None and [a.status for a in axis.applications].count("Stopped") == 1
    reolink = personas["reolink-face"]
    assert reolink.reolink is not None and reolink.reolink.face_enabled
    assert reolink.onvif is not None
    face = next(e for e in reolink.onvif.events if e.topic.endswith("FaceDetect"))
    assert face.data == (("State", "true"),) and face.operation == "Changed"
    milesight = personas["onvif-m-face"].onvif
    assert milesight is not None and milesight.events[0].operation == ""
    assert ("EnrollmentID", "visitor-0042") in milesight.events[0].data


ZK = MINIMAL.replace('flavor = "nginx"', 'flavor = "zkteco"')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MINIMAL + '[persona.axis]\napplications = []\n', r"\[persona.axis\] needs \[persona.web\] .* 'axis'"),
        (MINIMAL + '[persona.reolink]\nface_support = true\nface_enabled = true\n', "flavor = 'reolink'"),
        (ZK.replace('server = "nginx"', 'server = "nginx"\npage = "lorex"'), "'lorex'"),
        (MINIMAL + '[persona.sunapi]\nevent_types = [1]\n', "flavor = 'hanwha'|list of strings"),
        (MINIMAL.replace('face_analytics_without_credentials = "not_found"',
                         'face_analytics_without_credentials = "not_found"\nface_analytics_observed = "seen"'),
         "'seen'"),
    ],
)  # fmt: skip
def test_bad_face_sections_fail_with_one_line(tmp_path, text, message):
    with pytest.raises(LabError, match=message) as info:
        load_personas(_write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_isapi_face_libraries_must_be_counts(tmp_path):
    text = MINIMAL.replace('flavor = "nginx"', 'flavor = "hikvision"') + (
        '[persona.isapi]\nnamespace = "n"\nface_detect = false\nface_snap = false\nface_contrast = false\n'
        "face_lib = false\ntriggers = []\nfdlib = [3, -1]\n"
    )
    with pytest.raises(LabError, match="'fdlib' must be a list of counts"):
        load_personas(_write(tmp_path, text))


# --- the recorder, terminal and vendor sections of issue 11, and the answer key's role and findings ---

HIK = MINIMAL.replace('flavor = "nginx"', 'flavor = "hikvision"')
ISAPI = (
    '[persona.isapi]\nnamespace = "n"\nface_detect = false\nface_snap = false\nface_contrast = false\n'
    "face_lib = false\n"
)


def test_the_recorder_and_terminal_personas_load_with_their_key():
    personas = {p.id: p for p in load_personas()}
    nvr = personas["hik-nvr"]
    assert nvr.isapi is not None and nvr.isapi.device_type == "NVR"
    assert [c.id for c in nvr.isapi.channels] == list("1234")
    assert nvr.expect.role == "recorder" and "face_detection:configured@2" in (nvr.expect.findings or ())
    ivss = personas["dahua-ivss"].cgi
    assert ivss is not None and [c.enable for c in ivss.remote] == [True, True, True, False]
    assert all(c.password not in repr(c) for c in ivss.remote)  # a camera's password never shows in a repr
    fingerprint = personas["hik-fingerprint"].expect
    assert (fingerprint.findings, fingerprint.is_camera, fingerprint.is_camera_without_credentials) == ((), False, True)
    assert personas["uniview-face"].lapi and personas["huawei-sdc"].sdc


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MINIMAL + 'role = "nvr"\n', "'nvr'"),
        (MINIMAL + 'findings = ["face_detection"]\n', "not feature:level or feature:level@channel"),
        (MINIMAL + 'findings = ["face_library:active", "face_library:active"]\n', "must not repeat"),
        (HIK + ISAPI + 'record_triggers = ["facedetection"]\n', "not <eventType>-<channel>"),
        (HIK + ISAPI + "users = 3\n", "set access_control = true"),
        (HIK + ISAPI + "access_control = true\nusers = 3\nface_users = 4\n", "face_users must be at most users"),
        (HIK + ISAPI + 'device_type = "Camera"\n', "'Camera'"),
        (MINIMAL + '[[persona.lapi]]\nname = "a"\npersons = 1\nfaces = 1\n', "flavor = 'uniview'"),
        (MINIMAL.replace('flavor = "nginx"', 'flavor = "hanwha"') + "[persona.sunapi]\nface_enabled = true\n",
         "face_enabled needs face_support"),
    ],
)  # fmt: skip
def test_bad_issue11_sections_fail_with_one_line(tmp_path, text, message):
    with pytest.raises(LabError, match=message) as info:
        load_personas(_write(tmp_path, text))
    assert "\n" not in str(info.value)
