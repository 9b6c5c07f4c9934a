"""The facts read from ONVIF answers, on recorded and hand-made SOAP bodies (no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from scanner.net.xmlsafe import find_local, parse_xml
from scanner.probes.onvif_xml import (
    NS_ANALYTICS,
    NS_EVENTS,
    capability_xaddrs,
    device_utc,
    fault_kind,
    is_response_to,
    service_xaddrs,
    soap_body,
    soap_request,
    topic_paths,
    values_for,
)

ONVIF = Path(__file__).parent / "fixtures" / "onvif"


def _root(name: str, **fill: str):
    text = (ONVIF / name).read_text()
    for key, value in fill.items():
        text = text.replace(f"@{key}@", value)
    return parse_xml(text.encode())


def _envelope(body: str) -> bytes:
    return (
        '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:wstop="http://docs.oasis-open.org/wsn/t-1" xmlns:tt="http://www.onvif.org/ver10/schema" '
        'xmlns:tev="http://www.onvif.org/ver10/events/wsdl">'
        f"<env:Body>{body}</env:Body></env:Envelope>"
    ).encode()


def test_topic_paths_of_the_recorded_axis_like_topic_set():
    topics = topic_paths(_root("GetEventProperties.xml"))
    assert topics == (
        "tns1:Device/Trigger/DigitalInput",
        "tns1:VideoSource/MotionAlarm",
        "tns1:Device/tnsaxis:IO/Port",
        "tns1:VideoAnalytics/tnsaxis:MotionDetection",
        "tns1:RuleEngine/Recognition/Face",
        "tns1:RuleEngine/MyRuleDetector/FaceDetect",
        "tns1:RuleEngine/MyRuleDetector/PeopleDetect",
    )


def test_topic_paths_keep_the_declared_prefix_and_accept_lenient_markers():
    body = _envelope(
        '<tev:GetEventPropertiesResponse><wstop:TopicSet xmlns:ns1="http://www.onvif.org/ver10/topics">'
        '<ns1:RuleEngine><FaceDetector><Face wstop:topic="1"/></FaceDetector>'
        '<Nested><Outer wstop:topic="true"><Inner wstop:topic="true"/></Outer></Nested>'
        "<NoAttribute><tt:MessageDescription><tt:Source/></tt:MessageDescription></NoAttribute>"
        '<NotATopic wstop:topic="false"/></ns1:RuleEngine>'
        "</wstop:TopicSet></tev:GetEventPropertiesResponse>"
    )
    assert topic_paths(parse_xml(body)) == (
        "ns1:RuleEngine/FaceDetector/Face",
        "ns1:RuleEngine/Nested/Outer",
        "ns1:RuleEngine/Nested/Outer/Inner",
        "ns1:RuleEngine/NoAttribute",
    )


def test_topic_paths_are_bounded_for_hostile_depth():
    deep = (
        "".join(f"<L{i}>" for i in range(200))
        + '<X wstop:topic="true"/>'
        + "".join(f"</L{i}>" for i in reversed(range(200)))
    )
    body = _envelope(
        f"<tev:GetEventPropertiesResponse><wstop:TopicSet>{deep}</wstop:TopicSet></tev:GetEventPropertiesResponse>"
    )
    assert topic_paths(parse_xml(body)) == ()
    assert topic_paths(parse_xml(_envelope("<tev:GetEventPropertiesResponse/>"))) == ()


def test_service_and_capability_xaddrs():
    services = dict(service_xaddrs(_root("GetServices.xml", BASE="http://d", EVENTS="http://e")))
    assert services[NS_ANALYTICS] == "http://d/onvif/analytics" and services[NS_EVENTS] == "http://e/onvif/events"
    caps = dict(capability_xaddrs(_root("GetCapabilities.xml", BASE="http://d", EVENTS="http://e")))
    assert caps[NS_ANALYTICS] == "http://d/onvif/analytics"
    assert caps["http://www.onvif.org/ver10/deviceIO/wsdl"] == "http://d/onvif/services"  # from Extension


def test_device_utc_and_its_odd_forms():
    root = _root("GetSystemDateAndTime.xml", YEAR="2026", MONTH="11", DAY="27", HOUR="19", MINUTE="5", SECOND="9")
    assert device_utc(root) == datetime(2026, 11, 27, 19, 5, 9, tzinfo=UTC)
    assert values_for("onvif.device.system_date_and_time", root) == (("utc", ("2026-11-27T19:05:09Z",)),)
    odd_forms = ({"HOUR": ""}, {"MONTH": "13"}, {"YEAR": "-1"}, {"SECOND": "99999"}, {"YEAR": "\u00b2"},
                 {"DAY": "\u0663"}, {"MINUTE": "9" * 5000})  # fmt: skip
    for odd in odd_forms:
        fill = {"YEAR": "2026", "MONTH": "11", "DAY": "27", "HOUR": "19", "MINUTE": "5", "SECOND": "9"} | odd
        assert device_utc(_root("GetSystemDateAndTime.xml", **fill)) is None
    assert device_utc(parse_xml(_envelope("<x/>"))) is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Fault_NotAuthorized.xml", "auth"), ("Fault_ActionNotSupported.xml", "unsupported"), ("GetRules.xml", None)],
)
def test_fault_kinds(name, kind):
    assert fault_kind(_root(name)) == kind


def test_soap11_fault_and_an_unknown_fault():
    soap11 = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b"<faultcode>s:Client</faultcode><faultstring>Sender not Authorized</faultstring>"
        b"</s:Fault></s:Body></s:Envelope>"
    )
    assert fault_kind(parse_xml(soap11)) == "auth"
    other = _envelope(
        "<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:InvalidArgVal"
        "</env:Value></env:Subcode></env:Code></env:Fault>"
    )
    assert fault_kind(parse_xml(other)) == "other"


def test_values_of_analytics_answers():
    assert dict(values_for("onvif.analytics.supported_rules", _root("GetSupportedRules.xml"))) == {
        "rule_types": ("tt:LineDetector", "tt:FaceRecognition"),
        "parent_topics": ("tns1:RuleEngine/LineDetector/Crossed", "tns1:RuleEngine/Recognition/Face"),
    }
    rules = dict(values_for("onvif.analytics.rules", _root("GetRules.xml")))
    assert rules["rule_types"] == ("tt:FaceRecognition", "tt:ObjectDetection")
    assert rules["class_filters"] == ("Person", "Face")
    profiles = dict(values_for("onvif.media.profiles", _root("GetProfiles.xml")))
    assert profiles["profiles"] == ("main", "sub", "third")
    assert profiles["analytics_tokens"] == ("VideoAnalyticsToken",)
    assert profiles["metadata"] == profiles["metadata_analytics"] == ("MetadataToken",)
    info = dict(values_for("onvif.device.information", _root("GetDeviceInformation.xml")))
    assert (info["manufacturer"], info["model"], info["serial"]) == (
        ("Mockup Manufacturer",),
        ("Mockup Model",),
        ("00000000",),
    )
    assert is_response_to(_root("GetRules.xml"), "GetRules") and not is_response_to(_root("GetRules.xml"), "GetX")
    assert values_for("no.such.probe", _root("GetRules.xml")) == ()


def test_device_strings_are_made_one_line():
    body = _envelope(
        '<tan:GetRulesResponse xmlns:tan="http://www.onvif.org/ver20/analytics/wsdl">'
        '<tan:Rule Name="evil&#10;line" Type="tt:Face&#13;Recognition"/></tan:GetRulesResponse>'
    )
    values = dict(values_for("onvif.analytics.rules", parse_xml(body)))
    assert values["rule_names"] == ("evil\\x0aline",) and values["rule_types"] == ("tt:Face\\x0dRecognition",)


def test_a_topic_with_an_undeclared_prefix_is_read_not_raised():
    """Found by the fuzzer: a recovered tag `tnsaxis:IO` (its prefix never declared) made lxml's QName raise, and the
    device's whole audit with it."""
    root = parse_xml(
        b"<Envelope><Body><TopicSet><tnsaxis:IO><MessageDescription/></tnsaxis:IO></TopicSet></Body></Envelope>"
    )
    assert topic_paths(root) == ("IO",)


def test_the_body_recorded_of_a_request_is_its_body_alone_as_sent() -> None:
    envelope = soap_request(etree.QName("http://www.onvif.org/ver10/device/wsdl", "GetServices"), ())
    body = soap_body(envelope)
    assert body.startswith(b"<") and b"GetServices" in body and b"Header" not in body
    # the same bytes as the Body of the envelope written out and read back
    assert body == etree.tostring(find_local(parse_xml(etree.tostring(envelope)), "//Body")[0])
