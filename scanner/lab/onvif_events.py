"""ONVIF Events answers: service capabilities and GetEventProperties with a wstop:TopicSet built from topic paths."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - element type only

from lxml import etree

from scanner.lab.analytics_catalog import RULE_SOURCE, Message, topic_messages
from scanner.lab.onvif_context import EVENTS_NS, OnvifContext
from scanner.lab.onvif_device import service_capabilities
from scanner.lab.xmlgen import el, qname

# Topics that are not produced by a catalogued analytics rule, described as firmwares describe them.
_OTHER = {
    "tns1:VideoSource/MotionAlarm": Message("", True, (("Source", "tt:ReferenceToken"),), (("State", "xs:boolean"),)),
    "tns1:RuleEngine/TamperDetector/Tamper": Message("", True, RULE_SOURCE, (("IsTamper", "xs:boolean"),)),
    "tns1:RuleEngine/FieldDetector/ObjectsInside": Message("", True, RULE_SOURCE, (("IsInside", "xs:boolean"),)),
    "tns1:RuleEngine/PeopleDetector/People": Message("", True, RULE_SOURCE, (("IsPeople", "xs:boolean"),)),
    "tns1:Device/Trigger/DigitalInput": Message(
        "", True, (("InputToken", "tt:ReferenceToken"),), (("LogicalState", "xs:boolean"),)
    ),
    "tns1:Device/Trigger/tnshik:AlarmIn": Message(
        "", True, (("AlarmInToken", "tt:ReferenceToken"),), (("State", "xs:boolean"),)
    ),
    "tns1:Monitoring/NetworkInterface/LinkDown": Message(
        "", True, (("Token", "tt:ReferenceToken"),), (("Value", "xs:boolean"),)
    ),
}
_GENERIC = Message("", True, (("VideoSourceConfigurationToken", "tt:ReferenceToken"),), (("State", "xs:boolean"),))


def _items(pairs: tuple[tuple[str, str], ...]) -> list[etree._Element]:
    return [el("tt:SimpleItemDescription", {"Name": n, "Type": t}) for n, t in pairs]


def message_description(topic: str) -> etree._Element:
    message = topic_messages(topic) or _OTHER.get(topic, _GENERIC)
    elements = [el("tt:ElementItemDescription", {"Name": n, "Type": t}) for n, t in message.data_elements]
    return el(
        "tt:MessageDescription",
        {"IsProperty": message.is_property},
        el("tt:Source", _items(message.source)),
        el("tt:Data", _items(message.data), elements),
    )


def _segment_names(path: str, qualified: bool) -> list[str]:
    """Element names along a topic path: the root keeps its prefix; inner levels keep theirs, borrow the
    root's (qualified firmwares) or stay unqualified (as many firmwares write them)."""
    segments = path.split("/")
    root_prefix = segments[0].split(":")[0]
    names = [segments[0]]
    for segment in segments[1:]:
        names.append(segment if ":" in segment or not qualified else f"{root_prefix}:{segment}")
    return names


def topic_set(topics: tuple[str, ...], qualified: bool) -> etree._Element:
    root = el("wstop:TopicSet")
    for path in topics:
        node = root
        names = _segment_names(path, qualified)
        for depth, name in enumerate(names):
            tag = qname(name)
            child = next((c for c in node if c.tag == tag), None)
            if child is None:
                child = etree.SubElement(node, tag)
            node = child
            if depth == len(names) - 1:
                node.set(qname("wstop:topic"), "true")
                node.append(message_description(path))
    return root


def get_event_properties(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    return el(
        "tev:GetEventPropertiesResponse",
        el("tev:TopicNamespaceLocation", "http://www.onvif.org/onvif/ver10/topics/topicns.xml"),
        el("wsnt:FixedTopicSet", True),
        topic_set(ctx.spec.topics, ctx.spec.qualified_topics),
        el("wsnt:TopicExpressionDialect", "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"),
        el("wsnt:TopicExpressionDialect", "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"),
        el("tev:MessageContentFilterDialect", "http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"),
        el("tev:MessageContentSchemaLocation", "http://www.onvif.org/onvif/ver10/schema/onvif.xsd"),
    )


def get_service_capabilities(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    return el("tev:GetServiceCapabilitiesResponse", service_capabilities(ctx, EVENTS_NS))


_E = "{" + EVENTS_NS + "}"
OPERATIONS = {
    _E + "GetServiceCapabilities": get_service_capabilities,
    _E + "GetEventProperties": get_event_properties,
}
PRE_AUTH = {_E + "GetServiceCapabilities"}
