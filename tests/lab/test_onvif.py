"""ONVIF over real sockets, through onvif-zeep's ONVIFService built from XAddrs (never ONVIFCamera)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from onvif import ONVIFError, ONVIFService
from requests.auth import HTTPDigestAuth

from scanner.lab import Lab, LabDevice
from scanner.lab.xmlgen import NS
from tests.lab.clients import (
    WSDL_DIR,
    RtspClient,
    base_url,
    device,
    digest_header,
    session,
    soap_with_token,
    transport,
)

pytestmark = pytest.mark.lab
NETWORK = "127.77.13.0/24"
BINDING = {
    "device": ("devicemgmt.wsdl", "{http://www.onvif.org/ver10/device/wsdl}DeviceBinding"),
    "media": ("media.wsdl", "{http://www.onvif.org/ver10/media/wsdl}MediaBinding"),
    "events": ("events.wsdl", "{http://www.onvif.org/ver10/events/wsdl}EventBinding"),
    "rules": ("analytics.wsdl", "{http://www.onvif.org/ver20/analytics/wsdl}RuleEngineBinding"),
    "engine": ("analytics.wsdl", "{http://www.onvif.org/ver20/analytics/wsdl}AnalyticsEngineBinding"),
}
SOAP = (
    '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
    "<s:Body>{}</s:Body></s:Envelope>"
)


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK) as running:
        yield running


def device_xaddr(d: LabDevice) -> str:
    assert d.persona.onvif is not None
    return base_url(d, "onvif") + d.persona.onvif.device_path


def service(
    xaddr: str, kind: str, d: LabDevice, diff: dt.timedelta | None = None, password: str | None = None
) -> ONVIFService:
    wsdl, binding = BINDING[kind]
    secret = d.persona.password if password is None else password
    return ONVIFService(
        xaddr,
        d.persona.username,
        secret,
        str(WSDL_DIR / wsdl),
        no_cache=True,
        transport=transport(),
        dt_diff=diff,
        binding_name=binding,
    )


def clock_offset(d: LabDevice) -> dt.timedelta:
    """What a careful client does first: read the device clock without credentials."""
    reply = service(device_xaddr(d), "device", d, password="not-needed").GetSystemDateAndTime()
    t, day = reply.UTCDateTime.Time, reply.UTCDateTime.Date
    device_now = dt.datetime(day.Year, day.Month, day.Day, t.Hour, t.Minute, t.Second)
    return device_now - dt.datetime.now(dt.UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def milesight(lab):
    d = device(lab, "onvif-m-face")
    diff = clock_offset(d)
    services = service(device_xaddr(d), "device", d, diff).GetServices({"IncludeCapability": True})
    return d, diff, {s.Namespace: s.XAddr for s in services}


def test_pre_auth_time_shows_the_skewed_clock(lab):
    offset = clock_offset(device(lab, "onvif-m-face"))
    assert abs(offset.total_seconds() - 3 * 3600) < 5
    assert abs(clock_offset(device(lab, "hik-face")).total_seconds()) < 5


def test_skewed_device_needs_the_offset(milesight):
    d, diff, _ = milesight
    info = service(device_xaddr(d), "device", d, diff).GetDeviceInformation()
    assert (info.Manufacturer, info.Model, info.SerialNumber) == ("Milesight", d.persona.model, d.persona.serial)
    with pytest.raises(ONVIFError, match="Sender not Authorized"):
        service(device_xaddr(d), "device", d).GetDeviceInformation()


def test_wrong_password_is_refused(lab):
    d = device(lab, "onvif-plain")
    with pytest.raises(ONVIFError, match="Sender not Authorized"):
        service(device_xaddr(d), "device", d, password="wrong").GetDeviceInformation()
    info = service(device_xaddr(d), "device", d).GetDeviceInformation()
    assert (info.Manufacturer, info.Model) == ("tp-link", "C210")


def test_services_with_capabilities(milesight):
    d, _, xaddrs = milesight
    assert xaddrs[NS["tds"]] == device_xaddr(d) and xaddrs[NS["tds"]].endswith(":8899/onvif/device")
    assert set(xaddrs) == {NS["tds"], NS["trt"], NS["tev"], NS["tan"]}


def test_services_without_analytics(lab):
    d = device(lab, "hik-face")
    names = {s.Namespace for s in service(device_xaddr(d), "device", d).GetServices({"IncludeCapability": False})}
    assert names == {NS["tds"], NS["trt"], NS["tev"]}


def test_capabilities_and_scopes(milesight):
    d, diff, _ = milesight
    dev = service(device_xaddr(d), "device", d, diff)
    caps = dev.GetCapabilities({"Category": "All"})
    assert caps.Analytics.RuleSupport and caps.Analytics.XAddr.endswith("/onvif/analytics")
    scopes = [s.ScopeItem for s in dev.GetScopes()]
    assert "onvif://www.onvif.org/Profile/M" in scopes


def test_rule_engine_binding_supported_rules(milesight):
    d, diff, xaddrs = milesight
    rules = service(xaddrs[NS["tan"]], "rules", d, diff)
    supported = rules.GetSupportedRules({"ConfigurationToken": d.persona.onvif.analytics_token})
    described = {r.Name: [m.ParentTopic for m in r.Messages] for r in supported.RuleDescription}
    assert described["tt:FaceRecognition"] == ["tns1:RuleEngine/Recognition/Face"]
    assert "tt:CellMotionDetector" in described
    configured = rules.GetRules({"ConfigurationToken": d.persona.onvif.analytics_token})
    assert ("EntranceFaceRecognition", "tt:FaceRecognition") in {(r.Name, r.Type) for r in configured}


def test_analytics_engine_binding(milesight):
    d, diff, xaddrs = milesight
    engine = service(xaddrs[NS["tan"]], "engine", d, diff)
    token = d.persona.onvif.analytics_token
    assert engine.GetServiceCapabilities().RuleSupport is True
    supported = engine.GetSupportedAnalyticsModules({"ConfigurationToken": token})
    assert [m.Name for m in supported.AnalyticsModuleDescription] == ["tt:CellMotionEngine"]
    assert [m.Type for m in engine.GetAnalyticsModules({"ConfigurationToken": token})] == ["tt:CellMotionEngine"]
    with pytest.raises(ONVIFError, match="does not exist"):
        engine.GetAnalyticsModules({"ConfigurationToken": "nope"})


def _topic_paths(topic_set) -> set[str]:
    paths = set()

    def walk(node, trail):
        name = node.tag.split("}")[-1]
        prefix = "tns1:" if not trail and node.tag.startswith("{http://www.onvif.org/ver10/topics}") else ""
        trail = [*trail, prefix + name]
        if node.get("{http://docs.oasis-open.org/wsn/t-1}topic") == "true":
            paths.add("/".join(trail))
        for child in node:
            if not child.tag.endswith("MessageDescription"):
                walk(child, trail)

    for root in topic_set._value_1:
        walk(root, [])
    return paths


def test_event_topics(lab, milesight):
    d, diff, xaddrs = milesight
    face = _topic_paths(service(xaddrs[NS["tev"]], "events", d, diff).GetEventProperties().TopicSet)
    assert "tns1:RuleEngine/Recognition/Face" in face
    plain = device(lab, "onvif-plain")
    xaddr = base_url(plain, "onvif") + plain.persona.onvif.events_path
    topics = _topic_paths(service(xaddr, "events", plain).GetEventProperties().TopicSet)
    assert "tns1:RuleEngine/CellMotionDetector/Motion" in topics
    assert any("Interface" in t for t in topics) and not any("/Face" in t for t in topics)


def test_hikvision_events_have_vendor_topics_but_no_face(lab):
    d = device(lab, "hik-face")
    xaddr = base_url(d, "onvif") + d.persona.onvif.events_path
    topics = _topic_paths(service(xaddr, "events", d).GetEventProperties().TopicSet)
    assert "tns1:RuleEngine/CellMotionDetector/Motion" in topics
    assert "tns1:Device/Trigger/AlarmIn" in topics  # tnshik:AlarmIn, walked by local name
    assert not any("face" in t.lower() for t in topics)


def test_profiles_and_stream_uri_lead_to_a_real_describe(milesight):
    d, diff, xaddrs = milesight
    media = service(xaddrs[NS["trt"]], "media", d, diff)
    profiles = media.GetProfiles()
    main = profiles[0]
    assert main.VideoAnalyticsConfiguration.token == d.persona.onvif.analytics_token
    rule_types = {r.Type for r in main.VideoAnalyticsConfiguration.RuleEngineConfiguration.Rule}
    assert "tt:FaceRecognition" in rule_types and main.MetadataConfiguration is not None
    uri = media.GetStreamUri(
        {"StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}, "ProfileToken": main.token}
    ).Uri
    client = RtspClient(d.address, d.ports["rtsp"])
    try:
        challenge = client.send("DESCRIBE", uri, 1).header("WWW-Authenticate")
        auth = digest_header(challenge, d.persona.username, d.persona.password, "DESCRIBE", uri)
        reply = client.send("DESCRIBE", uri, 2, {"Authorization": auth, "Accept": "application/sdp"})
    finally:
        client.close()
    assert reply.status == 200 and b"vnd.onvif.metadata/90000" in reply.body


def test_dahua_stream_uri_keeps_vendor_query(lab):
    d = device(lab, "dahua-fr")
    xaddr = base_url(d, "onvif") + d.persona.onvif.media_path
    setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
    uri = service(xaddr, "media", d).GetStreamUri({"StreamSetup": setup, "ProfileToken": "MediaProfile00000"}).Uri
    port = "" if d.ports["rtsp"] == 554 else f":{d.ports['rtsp']}"
    assert uri == f"rtsp://{d.address}{port}/cam/realmonitor?channel=1&subtype=0&unicast=true&proto=Onvif"


def _post(d: LabDevice, path: str, operation: str, **kwargs):
    return session().post(
        base_url(d, "onvif") + path,
        data=SOAP.format(operation),
        headers={"Content-Type": "application/soap+xml"},
        timeout=3,
        **kwargs,
    )


def test_unauthenticated_digest_device_answers_401(lab):
    d = device(lab, "hik-face")
    reply = _post(d, "/onvif/device_service", '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>')
    assert reply.status_code == 401 and reply.headers["WWW-Authenticate"].startswith("Digest ")
    login = HTTPDigestAuth(d.persona.username, d.persona.password)
    reply = _post(
        d, "/onvif/device_service", '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>', auth=login
    )
    assert reply.status_code == 200 and d.persona.model in reply.text


def _fault_codes(text: str) -> list[str]:
    root = ET.fromstring(text)
    return [v.text for v in root.iter("{http://www.w3.org/2003/05/soap-envelope}Value")]


def test_unauthenticated_token_only_device_answers_400_fault(lab):
    d = device(lab, "onvif-m-face")
    reply = _post(d, "/onvif/device", '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>')
    assert reply.status_code == 400 and _fault_codes(reply.text) == ["env:Sender", "ter:NotAuthorized"]


def test_unknown_action_is_action_not_supported(lab):
    d = device(lab, "onvif-m-face")
    reply = _post(d, "/onvif/device", '<SystemReboot xmlns="http://www.onvif.org/ver10/device/wsdl"/>')
    assert _fault_codes(reply.text) == ["env:Receiver", "ter:ActionNotSupported"]
    hik = device(lab, "hik-face")  # no analytics service there at all
    reply = _post(
        hik,
        "/onvif/device_service",
        '<GetSupportedRules xmlns="http://www.onvif.org/ver20/analytics/wsdl"><ConfigurationToken>'
        "VideoAnalyticsToken</ConfigurationToken></GetSupportedRules>",
    )
    assert "ter:ActionNotSupported" in _fault_codes(reply.text)


def test_rule_options_by_raw_soap(milesight):
    d, diff, _ = milesight
    body = (
        '<GetRuleOptions xmlns="http://www.onvif.org/ver20/analytics/wsdl"><RuleType>tt:FaceRecognition'
        f"</RuleType><ConfigurationToken>{d.persona.onvif.analytics_token}</ConfigurationToken></GetRuleOptions>"
    )
    login = HTTPDigestAuth(d.persona.username, d.persona.password)  # a token-only device ignores HTTP Digest
    assert _post(d, "/onvif/analytics", body, auth=login).status_code == 400
    created = (dt.datetime.now(dt.UTC) + diff).strftime("%Y-%m-%dT%H:%M:%SZ")
    signed = soap_with_token(body, d.persona.username, d.persona.password, created)
    reply = session().post(base_url(d, "onvif") + "/onvif/analytics", data=signed, timeout=3)
    assert reply.status_code == 200
    options = list(ET.fromstring(reply.content).iter(f"{{{NS['tan']}}}RuleOptions"))
    assert [(o.get("RuleType"), o.get("Name")) for o in options] == [("tt:FaceRecognition", "IncludeImage")]
    stale = (dt.datetime.now(dt.UTC) + diff - dt.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signed = soap_with_token(body, d.persona.username, d.persona.password, stale)
    assert session().post(base_url(d, "onvif") + "/onvif/analytics", data=signed, timeout=3).status_code == 400


def test_hostile_xml_is_refused(lab):
    d = device(lab, "onvif-m-face")
    evil = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&e;</s:Body></s:Envelope>'
    )
    reply = session().post(base_url(d, "onvif") + "/onvif/device", data=evil, timeout=3)
    assert reply.status_code == 400 and "ter:WellFormed" in _fault_codes(reply.text)
    assert "root:" not in reply.text
