"""Parsers and builders for the ONVIF requests onvif-zeep lacks: rule options, supported metadata, PullPoint."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from scanner.net.xmlsafe import parse_xml
from scanner.probes.onvif_xml import (
    NS_ANALYTICS,
    NS_EVENTS,
    capability,
    soap_request,
    subscription_reference,
    values_for,
    withhold_personal,
)

ONVIF = Path(__file__).parent / "fixtures" / "onvif"
CASES = Path(__file__).parents[2] / "signatures" / "cases" / "onvif"


def _root(name: str, folder: Path = ONVIF):
    return parse_xml((folder / name).read_text().replace("@BASE@", "http://127.0.0.1:8080").encode())


def test_analytics_capabilities_are_read_as_name_value_pairs() -> None:
    root = _root("GetServiceCapabilities.xml")
    values = dict(values_for("onvif.analytics.capabilities", root))["capabilities"]
    assert "RuleOptionsSupported=true" in values and "ImageSendingType=Embedded LocalStorage" in values
    assert capability(root, "SupportedMetadata") and not capability(root, "AnalyticsModuleOptionsSupported")
    assert not capability(root, "NoSuchFlag")


def test_rule_options_give_the_class_filter_words() -> None:
    values = dict(values_for("onvif.analytics.rule_options", _root("GetRuleOptions.xml")))
    assert values["class_options"] == ("Person", "Vehicle", "Face", "LicensePlate")
    assert values["rule_options"] == ("tt:ObjectDetection/ClassFilter", "tt:ObjectDetection/ConfidenceLevel")
    other = dict(values_for("onvif.analytics.rule_options", _root("rule-options-no-face.xml", CASES)))
    assert other["class_options"] == ("Person", "Vehicle")  # a Direction StringList is not a class list


def test_supported_metadata_names_classes_and_appearance_parts() -> None:
    face = dict(values_for("onvif.analytics.supported_metadata", _root("GetSupportedMetadata.xml")))
    assert face["appearance"] == ("Shape", "Class", "HumanFace")
    assert face["module_types"] == ("tt:ObjectDetectionEngine",)
    trap = dict(values_for("onvif.analytics.supported_metadata", _root("supported-metadata-trap-namespace.xml", CASES)))
    assert "HumanFace" not in trap["appearance"] and trap["object_classes"] == ("Human", "Vehicle")


def test_pulled_messages_give_true_and_recognition_topics() -> None:
    values = dict(values_for("onvif.events.pull", _root("PullMessages.xml")))
    assert values["topics"] == (
        "tns1:RuleEngine/MyRuleDetector/FaceDetect",
        "tns1:RuleEngine/CellMotionDetector/Motion",
        "tns1:RuleEngine/Recognition/Face",
    )
    assert values["true_topics"] == ("tns1:RuleEngine/MyRuleDetector/FaceDetect",)
    assert values["recognition_topics"] == ("tns1:RuleEngine/Recognition/Face",)


def test_personal_data_in_events_is_withheld_and_the_rest_kept() -> None:
    root = _root("PullMessages.xml")
    assert withhold_personal(root) is True
    text = etree.tostring(root)
    assert b"employee-4711" not in text and b"/9j/4AAQ" not in text and b"Whitelisted" not in text
    assert b'Name="Likelihood" Value="0.93"' in text and b'Name="State" Value="true"' in text
    assert withhold_personal(root) is False  # nothing left to withhold
    assert dict(values_for("onvif.events.pull", root))["recognition_topics"] == ("tns1:RuleEngine/Recognition/Face",)


def test_the_subscription_reference_and_its_parameters() -> None:
    address, params = subscription_reference(_root("CreatePullPointSubscription.xml"))
    assert address == "http://127.0.0.1:8080/onvif/Subscription?Idx=7"
    assert [etree.QName(p).localname for p in params] == ["SubscriptionId"] and params[0].text == "7"
    assert subscription_reference(_root("Unsubscribe.xml")) == ("", ())


def test_a_hand_built_request_with_and_without_addressing() -> None:
    plain = soap_request(etree.QName(NS_ANALYTICS, "GetRuleOptions"), (("ConfigurationToken", "VA 1"),))
    text = etree.tostring(plain).decode()
    assert "<s:Envelope" in text and "GetRuleOptions" in text and ">VA 1</" in text and "Action" not in text
    param = etree.fromstring(b'<x:SubscriptionId xmlns:x="urn:x">7</x:SubscriptionId>')
    pull = soap_request(
        etree.QName(NS_EVENTS, "PullMessages"), (("Timeout", "PT1S"),), to="http://127.0.0.1/s", action="urn:a",
        headers=(param,),
    )  # fmt: skip
    header = pull.find("{http://www.w3.org/2003/05/soap-envelope}Header")
    assert [etree.QName(h).localname for h in header] == ["Action", "To", "SubscriptionId"]
    assert header[1].text == "http://127.0.0.1/s" and param.getparent() is None  # copied, not moved
