"""The ONVIF analytics types the lab's devices know: parameters, event messages and default settings.

Descriptions follow the ONVIF Analytics Service specification (cell motion, line/field detectors, and the
annex "Recognition rule engines" for tt:FaceRecognition with ParentTopic tns1:RuleEngine/Recognition/Face).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from scanner.lab.xmlgen import el

RULE_SOURCE = (
    ("VideoSourceConfigurationToken", "tt:ReferenceToken"),
    ("VideoAnalyticsConfigurationToken", "tt:ReferenceToken"),
    ("Rule", "xs:string"),
)


@dataclass(frozen=True)
class Message:
    """One event a rule or module produces (tt:MessageDescription plus ParentTopic)."""

    topic: str
    is_property: bool
    source: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]
    data_elements: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AnalyticsType:
    """A rule or module type: its parameter descriptions, messages and the values a configured one has."""

    parameters: tuple[tuple[str, str], ...]
    element_parameters: tuple[tuple[str, str], ...] = ()
    messages: tuple[Message, ...] = ()
    defaults: tuple[tuple[str, str], ...] = ()


CATALOG: dict[str, AnalyticsType] = {
    "tt:CellMotionDetector": AnalyticsType(
        parameters=(
            ("MinCount", "xs:integer"),
            ("AlarmOnDelay", "xs:integer"),
            ("AlarmOffDelay", "xs:integer"),
            ("ActiveCells", "xs:base64Binary"),
        ),
        messages=(
            Message("tns1:RuleEngine/CellMotionDetector/Motion", True, RULE_SOURCE, (("IsMotion", "xs:boolean"),)),
        ),
        defaults=(("MinCount", "5"), ("AlarmOnDelay", "100"), ("AlarmOffDelay", "100"), ("ActiveCells", "0P8A8A==")),
    ),
    "tt:FaceRecognition": AnalyticsType(
        parameters=(("IncludeImage", "xs:string"),),
        messages=(
            Message(
                "tns1:RuleEngine/Recognition/Face",
                False,
                (
                    ("VideoSource", "tt:ReferenceToken"),
                    ("AnalyticsConfiguration", "tt:ReferenceToken"),
                    ("Rule", "xs:string"),
                ),
                (
                    ("Likelihood", "xs:float"),
                    ("Label", "xs:string"),
                    ("ImageUri", "xs:anyURI"),
                    ("EnrollmentID", "xs:string"),
                    ("RefImageUri", "xs:anyURI"),
                ),
                (("Image", "xs:base64Binary"), ("BoundingBox", "tt:Rectangle")),
            ),
        ),
        defaults=(("IncludeImage", "RemoteStorage"),),
    ),
    "tt:LineDetector": AnalyticsType(
        parameters=(("Direction", "tt:Direction"),),
        element_parameters=(("Segments", "tt:Polyline"),),
        messages=(Message("tns1:RuleEngine/LineDetector/Crossed", False, RULE_SOURCE, (("ObjectId", "xs:integer"),)),),
        defaults=(("Direction", "Any"),),
    ),
    "tt:ObjectDetection": AnalyticsType(
        parameters=(("ClassFilter", "tt:StringList"), ("ConfidenceLevel", "xs:float")),
        messages=(
            Message(
                "tns1:RuleEngine/ObjectDetection/Object",
                False,
                RULE_SOURCE,
                (("ObjectId", "tt:StringList"), ("ClassTypes", "tt:StringList")),
            ),
        ),
        defaults=(("ClassFilter", "Person Vehicle"), ("ConfidenceLevel", "50")),
    ),
    "tt:CellMotionEngine": AnalyticsType(
        parameters=(("Sensitivity", "xs:integer"),),
        element_parameters=(("Layout", "tt:CellLayout"),),
        defaults=(("Sensitivity", "60"),),
    ),
}


def _items(pairs: tuple[tuple[str, str], ...], kind: str) -> list[etree._Element]:
    return [el(f"tt:{kind}", {"Name": n, "Type": t}) for n, t in pairs]


def _message(message: Message) -> etree._Element:
    return el(
        "tt:Messages",
        {"IsProperty": message.is_property},
        el("tt:Source", _items(message.source, "SimpleItemDescription")),
        el(
            "tt:Data",
            _items(message.data, "SimpleItemDescription"),
            _items(message.data_elements, "ElementItemDescription"),
        ),
        el("tt:ParentTopic", message.topic),
    )


def description(element: str, type_name: str) -> etree._Element:
    """A tt:RuleDescription / tt:AnalyticsModuleDescription for `type_name`."""
    kind = CATALOG[type_name]
    return el(
        element,
        {"Name": type_name},
        el(
            "tt:Parameters",
            _items(kind.parameters, "SimpleItemDescription"),
            _items(kind.element_parameters, "ElementItemDescription"),
        ),
        [_message(m) for m in kind.messages],
    )


def _cell_layout() -> etree._Element:
    return el(
        "tt:CellLayout",
        {"Columns": 22, "Rows": 18},
        el(
            "tt:Transformation",
            el("tt:Translate", {"x": -1, "y": -1}),
            el("tt:Scale", {"x": "0.090909", "y": "0.111111"}),
        ),
    )


def parameters(type_name: str) -> etree._Element:
    """The tt:Parameters of a configured instance (SimpleItem values, plus the cell layout of motion engines)."""
    kind = CATALOG[type_name]
    items = [el("tt:SimpleItem", {"Name": n, "Value": v}) for n, v in kind.defaults]
    if type_name == "tt:CellMotionEngine":
        items.append(el("tt:ElementItem", {"Name": "Layout"}, _cell_layout()))
    return el("tt:Parameters", items)


def topic_messages(topic: str) -> Message | None:
    """The message a catalogued rule sends on `topic`, so event topic sets describe it identically."""
    for kind in CATALOG.values():
        for message in kind.messages:
            if message.topic == topic:
                return message
    return None
