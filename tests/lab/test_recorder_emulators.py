"""The emulators added for recorders, terminals and the vendors' own face settings, over real sockets: a Hikvision
recorder's channels and switches, Dahua's face groups, searches and RemoteDevice, Hanwha's face detection (JSON,
text and errors with HTTP 200), Uniview's and Huawei's libraries."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from requests.auth import HTTPDigestAuth

from scanner.lab import Lab, LabDevice, load_personas
from scanner.lab.dahua import DahuaSite
from tests.lab.clients import base_url, device, session

pytestmark = pytest.mark.lab
NETWORK = "127.77.117.0/24"
PERSONAS = ("hik-nvr", "hik-fingerprint", "dahua-ivss", "dahua-terminal", "hanwha-fd-on", "hanwha-trap",
            "uniview-face", "huawei-sdc")  # fmt: skip


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK, personas=[p for p in load_personas() if p.id in PERSONAS]) as running:
        yield running


def get(d: LabDevice, path: str, **headers: str):
    auth = HTTPDigestAuth(d.persona.username, d.persona.password)
    return session().get(base_url(d) + path, auth=auth, headers=headers, timeout=3)


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


# --- Hikvision recorder and terminal ---


def test_a_recorder_lists_its_channels_and_answers_per_channel(lab):
    nvr = device(lab, "hik-nvr")
    listed = ET.fromstring(get(nvr, "/ISAPI/ContentMgmt/InputProxy/channels").content)
    assert local(listed.tag) == "InputProxyChannelList" and len(listed) == 4
    assert b"password" not in get(nvr, "/ISAPI/ContentMgmt/InputProxy/channels").content.lower()
    assert b"<enabled>true</enabled>" in get(nvr, "/ISAPI/Smart/FaceDetect/2").content
    assert b"<enabled>false</enabled>" in get(nvr, "/ISAPI/Smart/FaceDetect/3").content
    assert get(nvr, "/ISAPI/Smart/FaceDetect/9").status_code == 404  # no such channel: notSupport
    assert b"<enable>false</enable>" in get(nvr, "/ISAPI/Intelligent/channels/2/faceContrast").content
    assert b"<deviceType>NVR</deviceType>" in get(nvr, "/ISAPI/System/deviceInfo").content


def test_a_recorders_record_only_triggers_name_their_channel(lab):
    nvr = device(lab, "hik-nvr")
    triggers = ET.fromstring(get(nvr, "/ISAPI/Event/triggers").content)
    by_id = {t.findtext("{*}id"): [m.text for m in t.iter() if local(m.tag) == "notificationMethod"] for t in triggers}
    assert by_id["facedetection-3"] == ["record"] and "facedetection-2" not in by_id
    assert by_id["VMD-1"] == ["center"]


def test_a_fingerprint_terminal_has_no_face_reader_and_no_channels(lab):
    terminal = device(lab, "hik-fingerprint")
    flags = {local(e.tag): e.text for e in ET.fromstring(get(terminal, "/ISAPI/AccessControl/capabilities").content)}
    assert flags["isSupportFingerPrintCfg"] == "true" and flags["isSupportFDLib"] == "false"
    assert flags["isSupportCaptureFace"] == flags["isSupportFaceRecognizeMode"] == "false"
    counts = get(terminal, "/ISAPI/AccessControl/UserInfo/Count?format=json").json()["UserInfoCount"]
    assert (counts["userNumber"], counts["bindFaceUserNumber"], counts["bindFingerprintUserNumber"]) == (52, 0, 52)
    assert get(terminal, "/ISAPI/Smart/capabilities").status_code == 404
    assert get(terminal, "/ISAPI/Intelligent/FDLib/Count?format=json").status_code == 404


# --- Dahua recorder and terminal ---


def test_the_ivss_answers_its_groups_rules_and_cameras_in_key_value_lines(lab):
    ivss = device(lab, "dahua-ivss")
    groups = get(ivss, "/cgi-bin/faceRecognitionServer.cgi?action=findGroup").text
    assert "GroupList[0].groupSize=12\r\n" in groups and "GroupList[1].groupSize=0\r\n" in groups
    rules = get(ivss, "/cgi-bin/configManager.cgi?action=getConfig&name=VideoAnalyseRule").text
    assert "table.VideoAnalyseRule[2][0].Class=FaceCompare\r\n" in rules
    assert "table.VideoAnalyseRule[1][0].Enable=false\r\n" in rules
    remote = get(ivss, "/cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice").text
    assert "NETCAMERA_INFO_0.Password=lab-ivss-cam0-Qx71c\r\n" in remote  # as a real recorder: in clear
    assert "NETCAMERA_INFO_3.Enable=false\r\n" in remote and "NETCAMERA_INFO_3.Address=192.168.0.0\r\n" in remote
    caps = get(ivss, "/cgi-bin/devVideoAnalyse.cgi?action=getCaps&channel=1").text
    assert "caps.SupportedRules[1]=FaceCompare" in caps


def test_a_terminal_search_closes_only_with_its_token_and_refuses_photos(lab):
    terminal = device(lab, "dahua-terminal")
    site = lab.site(terminal.address)
    assert isinstance(site, DahuaSite)
    before = len(site.searches.opened)
    opened = get(terminal, "/cgi-bin/FaceInfoManager.cgi?action=startFind").json()
    token = str(opened["Token"])
    assert opened["Total"] == 24 and site.searches.opened[before:] == [token] and token in site.searches.open
    assert get(terminal, "/cgi-bin/FaceInfoManager.cgi?action=doFind&token=" + token).status_code == 400
    assert site.searches.photo_requests == 1
    assert get(terminal, "/cgi-bin/FaceInfoManager.cgi?action=stopFind&token=0").status_code == 400
    assert get(terminal, f"/cgi-bin/FaceInfoManager.cgi?action=stopFind&token={token}").text == "OK\r\n"
    assert token not in site.searches.open
    ivss = device(lab, "dahua-ivss")  # a recorder has no such CGI
    assert get(ivss, "/cgi-bin/FaceInfoManager.cgi?action=startFind").status_code == 400


# --- Hanwha: answers in JSON or key=value lines; every error with HTTP 200 ---

FACE = "/stw-cgi/eventsources.cgi?msubmenu=facedetection&action=view"


def test_hanwha_face_detection_in_json_when_asked_and_in_lines_otherwise(lab):
    on = device(lab, "hanwha-fd-on")
    assert get(on, FACE, Accept="application/json").json() == {
        "FaceDetection": [{"Channel": 0, "Enable": True, "Sensitivity": 70}]
    }
    assert get(on, FACE).text.startswith("Channel.0.Enable=True\r\n")
    support = ET.fromstring(get(on, "/stw-cgi/attributes.cgi/attributes").content)
    values = {a.get("name"): a.get("value") for a in support.iter() if local(a.tag) == "attribute"}
    assert values["FaceDetection"] == "True"


def test_hanwha_errors_keep_status_200(lab):
    trap = device(lab, "hanwha-trap")
    text = get(trap, FACE)
    assert text.status_code == 200 and text.text.startswith("NG\r\nError Code: 608\r\n")
    assert get(trap, FACE, Accept="application/json").json()["Error"]["Code"] == 608
    unknown = get(trap, "/stw-cgi/eventsources.cgi?msubmenu=nosuch&action=view")
    assert unknown.status_code == 200 and "Error Code: 600" in unknown.text


# --- Uniview and Huawei ---


def test_uniview_and_huawei_libraries_behind_digest(lab):
    uniview = device(lab, "uniview-face")
    url = base_url(uniview) + "/LAPI/V1.0/PeopleLibraries/BasicInfo"
    assert session().get(url, timeout=3).status_code == 401
    envelope = get(uniview, "/LAPI/V1.0/PeopleLibraries/BasicInfo").json()["Response"]
    assert envelope["ResponseCode"] == 0 and [lib["FaceNum"] for lib in envelope["Data"]["LibList"]] == [12, 0]
    huawei = device(lab, "huawei-sdc")
    libs = get(huawei, "/SDCAPI/V1.0/FaceApp/FaceRecog/FaceLibs/Libs").json()
    assert libs["StatusCode"] == 0 and [(lib["OnControl"], lib["TotalPicNum"]) for lib in libs["FaceListsArry"]] == [
        (1, 25),
        (0, 0),
    ]
