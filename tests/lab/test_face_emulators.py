"""The vendor emulators added for face analytics, over real sockets: Axis, Hanwha, Reolink, ZKTeco, Hikvision face
libraries and terminals, Dahua's 400, ONVIF rule options, supported metadata and PullPoint subscriptions."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from requests.auth import HTTPDigestAuth

from scanner.lab import Lab, LabDevice, load_personas
from scanner.lab.xmlgen import NS
from tests.lab.clients import base_url, device, session, soap_with_token

pytestmark = pytest.mark.lab
NETWORK = "127.77.143.0/24"
PERSONAS = (
    "hik-face", "hik-terminal", "amcrest-400", "axis-face", "axis-trap", "hanwha-face", "hanwha-trap",
    "reolink-face", "reolink-plain", "zkteco-terminal", "onvif-objects", "onvif-trap", "onvif-m-face",
)  # fmt: skip
EVENTS = "http://www.onvif.org/ver10/events/wsdl"
WSNT = "http://docs.oasis-open.org/wsn/b-2"


@pytest.fixture(scope="module")
def lab():
    chosen = [p for p in load_personas() if p.id in PERSONAS]
    with Lab(network=NETWORK, personas=chosen) as running:
        yield running


def digest(d: LabDevice) -> HTTPDigestAuth:
    return HTTPDigestAuth(d.persona.username, d.persona.password)


# --- Axis ---


def test_axis_basic_device_information_is_open_and_the_applications_are_not(lab):
    d = device(lab, "axis-face")
    web = session()
    assert "/view/viewer_index.shtml" in web.get(base_url(d) + "/", timeout=3).text
    url = base_url(d) + "/axis-cgi/basicdeviceinfo.cgi"
    answer = web.post(url, json={"apiVersion": "1.0", "method": "getAllUnrestrictedProperties"}, timeout=3)
    props = answer.json()["data"]["propertyList"]
    assert answer.status_code == 200 and (props["Brand"], props["ProdNbr"]) == ("AXIS", "P3265-LVE")
    assert web.post(url, json={"method": "getAllProperties"}, timeout=3).status_code == 401
    apps = base_url(d) + "/axis-cgi/applications/list.cgi"
    assert web.post(apps, timeout=3).status_code == 401
    listed = ET.fromstring(web.post(apps, auth=digest(d), timeout=3).content)
    assert [(a.get("Name"), a.get("Status")) for a in listed] == [("vmd", "Running"), ("FaceRecognition", "Running")]
    trap = device(lab, "axis-trap")
    statuses = {a.get("Name"): a.get("Status") for a in ET.fromstring(web.post(
        base_url(trap) + "/axis-cgi/applications/list.cgi", auth=digest(trap), timeout=3).content)}  # fmt: skip
    assert statuses["FaceRecognition"] == "Stopped" and statuses["SurfaceInspect"] == "Running"


# --- Hanwha ---


def test_hanwha_viewer_and_attributes(lab):
    d = device(lab, "hanwha-face")
    web = session()
    root = web.get(base_url(d) + "/", timeout=3, allow_redirects=False)
    assert root.status_code == 302 and root.headers["Location"] == "/wmf/index.html"
    assert "<title>Wisenet WEBVIEWER</title>" in web.get(base_url(d) + "/wmf/index.html", timeout=3).text
    url = base_url(d) + "/stw-cgi/attributes.cgi/cgis"
    assert web.get(url, timeout=3).status_code == 401
    cgis = ET.fromstring(web.get(url, auth=digest(d), timeout=3).content)
    entries = [e.get("value") for e in cgis.iter("entry")]
    assert "FaceDetection" in entries and cgis.find("cgi").get("name") == "eventstatus"
    trap = device(lab, "hanwha-trap")
    cgis = ET.fromstring(web.get(base_url(trap) + "/stw-cgi/attributes.cgi/cgis", auth=digest(trap), timeout=3).content)
    monitor = cgis.find("cgi[@name='eventstatus']/submenu/action[@name='monitor']")
    assert "FaceDetection" not in [e.get("value") for e in monitor.iter("entry")]
    assert "FaceDetection" in [e.get("value") for e in cgis.find("cgi[@name='eventrules']").iter("entry")]


# --- Reolink ---


def _api(d: LabDevice, cmd: str, token: str, body: object) -> list:
    url = base_url(d) + f"/cgi-bin/api.cgi?cmd={cmd}&token={token}"
    return session().post(url, json=body, timeout=3).json()


def _login(d: LabDevice, password: str) -> list:
    user = {"userName": d.persona.username, "password": password}
    return _api(d, "Login", "null", [{"cmd": "Login", "action": 0, "param": {"User": user}}])


def test_reolink_token_sessions(lab):
    d = device(lab, "reolink-face")
    assert "<title>Reolink</title>" in session().get(base_url(d) + "/", timeout=3).text
    assert _login(d, "wrong")[0]["code"] == 1
    token = _login(d, d.persona.password)[0]["value"]["Token"]["name"]
    state = _api(d, "GetAiState", token, [{"cmd": "GetAiState", "action": 0, "param": {"channel": 0}}])[0]
    assert state["code"] == 0 and state["value"]["face"] == {"alarm_state": 0, "support": 1}
    cfg = _api(d, "GetAiCfg", token, [{"cmd": "GetAiCfg", "action": 0, "param": {"channel": 0}}])[0]
    assert cfg["value"]["AiDetectType"]["face"] == 1
    assert _api(d, "Logout", token, [{"cmd": "Logout", "action": 0, "param": {}}])[0]["code"] == 0
    after = _api(d, "GetAiState", token, [{"cmd": "GetAiState", "action": 0, "param": {"channel": 0}}])[0]
    assert after["error"]["detail"] == "please login first"  # the token died with the logout


def test_reolink_sessions_are_limited(lab):
    d = device(lab, "reolink-plain")
    tokens = [_login(d, d.persona.password)[0].get("value", {}).get("Token", {}).get("name") for _ in range(9)]
    assert all(tokens[:8]) and tokens[8] is None  # a ninth login is refused: leaking sessions locks owners out
    for token in tokens[:8]:
        _api(d, "Logout", token, [{"cmd": "Logout", "action": 0, "param": {}}])
    assert _login(d, d.persona.password)[0]["code"] == 0


# --- ZKTeco, Hikvision face documents, Dahua's 400 ---


def test_zkteco_names_its_server_and_offers_nothing_else(lab):
    d = device(lab, "zkteco-terminal")
    root = session().get(base_url(d) + "/", timeout=3)
    assert root.headers["Server"] == "ZK Web Server" and "userpwd" in root.text
    assert session().get(base_url(d) + "/ISAPI/System/deviceInfo", timeout=3).status_code == 404


def test_hikvision_face_libraries_give_counts_only(lab):
    d = device(lab, "hik-terminal")
    web = session()
    count = web.get(base_url(d) + "/ISAPI/Intelligent/FDLib/Count?format=json", auth=digest(d), timeout=3)
    assert [lib["recordDataNumber"] for lib in count.json()["FDRecordDataInfo"]] == [37, 0]
    acs = ET.fromstring(web.get(base_url(d) + "/ISAPI/AccessControl/capabilities", auth=digest(d), timeout=3).content)
    flags = {el.tag.split("}")[1]: el.text for el in acs}
    assert flags["isSupportFDLib"] == flags["isSupportFaceRecognizeMode"] == flags["isSupportCaptureFace"] == "true"
    camera = device(lab, "hik-face")
    missing = web.get(base_url(camera) + "/ISAPI/Intelligent/FDLib/Count?format=json", auth=digest(camera), timeout=3)
    assert missing.status_code == 404 and b"notSupport" in missing.content


def test_amcrest_page_and_tables_that_answer_400(lab):
    d = device(lab, "amcrest-400")
    web = session()
    page = web.get(base_url(d) + "/", timeout=3).text
    assert "Amcrest Technologies" in page and "LDAPUser" in page and "WEB SERVICE" not in page
    url = base_url(d) + "/cgi-bin/configManager.cgi?action=getConfig&name=VideoAnalyseGlobal"
    answer = web.get(url, auth=digest(d), timeout=3)
    assert answer.status_code == 400 and answer.text == "Error\r\nBad Request!\r\n"
    kind = web.get(base_url(d) + "/cgi-bin/magicBox.cgi?action=getDeviceType", auth=digest(d), timeout=3)
    assert kind.text == "type=IP2M-841B\r\n"


# --- ONVIF: rule options, supported metadata, PullPoint ---


def _signed(d: LabDevice, body: str, path: str) -> ET.Element:
    assert d.persona.onvif is not None
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=d.persona.onvif.clock_offset)
    created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    reply = session().post(
        base_url(d, "onvif") + path, data=soap_with_token(body, d.persona.username, d.persona.password, created),
        timeout=3,
    )  # fmt: skip
    return ET.fromstring(reply.content)


def test_rule_options_and_supported_metadata(lab):
    d = device(lab, "onvif-objects")
    tan = f'xmlns:tan="{NS["tan"]}"'
    body = f"<tan:GetRuleOptions {tan}><tan:ConfigurationToken>VideoAnalyticsToken</tan:ConfigurationToken>"
    options = _signed(d, body + "<tan:RuleType>tt:ObjectDetection</tan:RuleType></tan:GetRuleOptions>",
                      "/onvif/analytics_service")  # fmt: skip
    lists = [s.text for s in options.iter(f"{{{NS['tt']}}}StringList")]
    assert lists == ["Person Vehicle Face LicensePlate"]
    metadata = _signed(d, f"<tan:GetSupportedMetadata {tan}/>", "/onvif/analytics_service")
    assert list(metadata.iter(f"{{{NS['tt']}}}HumanFace"))
    trap = _signed(device(lab, "onvif-trap"), f"<tan:GetSupportedMetadata {tan}/>", "/onvif/analytics_service")
    assert not list(trap.iter(f"{{{NS['tt']}}}HumanFace"))
    assert [t.text for t in trap.iter(f"{{{NS['tt']}}}Type")] == ["Human", "Vehicle"]


def test_pullpoint_subscription_delivers_once_and_is_gone_after_unsubscribe(lab):
    d = device(lab, "reolink-face")
    create = f'<tev:CreatePullPointSubscription xmlns:tev="{EVENTS}"><tev:InitialTerminationTime>PT60S' \
             "</tev:InitialTerminationTime></tev:CreatePullPointSubscription>"  # fmt: skip
    created = _signed(d, create, "/onvif/event_service")
    address = next(created.iter(f"{{{NS['wsa']}}}Address")).text or ""
    path = address.split(f":{d.ports['onvif']}", 1)[1]
    assert path.startswith("/onvif/Subscription?Idx=")
    pull = f'<tev:PullMessages xmlns:tev="{EVENTS}"><tev:Timeout>PT1S</tev:Timeout>' \
           "<tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>"  # fmt: skip
    first = _signed(d, pull, path)
    topics = [t.text for t in first.iter(f"{{{WSNT}}}Topic")]
    assert topics == ["tns1:RuleEngine/MyRuleDetector/PeopleDetect", "tns1:RuleEngine/MyRuleDetector/FaceDetect"]
    states = [i.get("Value") for i in first.iter(f"{{{NS['tt']}}}SimpleItem") if i.get("Name") == "State"]
    assert states == ["false", "true"]
    assert not list(_signed(d, pull, path).iter(f"{{{WSNT}}}NotificationMessage"))  # delivered once
    _signed(d, f'<wsnt:Unsubscribe xmlns:wsnt="{WSNT}"/>', path)
    gone = _signed(d, pull, path)
    assert next(gone.iter(f"{{{NS['env']}}}Fault"), None) is not None
    refused = session().post(base_url(d, "onvif") + path, data=pull.encode(), timeout=3)
    assert refused.status_code == 400  # pulling needs the login like any event query


def test_recognition_events_carry_no_image(lab):
    d = device(lab, "onvif-m-face")
    create = f'<tev:CreatePullPointSubscription xmlns:tev="{EVENTS}"/>'
    created = _signed(d, create, "/onvif/events")
    path = "/onvif/Subscription?" + (next(created.iter(f"{{{NS['wsa']}}}Address")).text or "").split("?", 1)[1]
    pull = f'<tev:PullMessages xmlns:tev="{EVENTS}"><tev:Timeout>PT1S</tev:Timeout></tev:PullMessages>'
    items = {i.get("Name"): i.get("Value") for i in _signed(d, pull, path).iter(f"{{{NS['tt']}}}SimpleItem")}
    assert items["Likelihood"] == "0.91" and "Image" not in items
    assert items["EnrollmentID"] == "visitor-0042"  # sent as a device would; the scanner withholds it
    _signed(d, f'<wsnt:Unsubscribe xmlns:wsnt="{WSNT}"/>', path)
