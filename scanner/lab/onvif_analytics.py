"""ONVIF Analytics (ver20) answers on the RuleEngine and AnalyticsEngine ports: supported and configured items."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - element type only

from lxml import etree

from scanner.lab import analytics_catalog
from scanner.lab.onvif_context import ANALYTICS_NS, OnvifContext
from scanner.lab.onvif_device import service_capabilities
from scanner.lab.soap import find_text, invalid_arg
from scanner.lab.xmlgen import NS, el, qname

SCHEMA = "http://www.onvif.org/ver10/schema/onvif.xsd"
# GetRuleOptions: the options a configured rule's parameters accept (the spec's ConfigOptions form).
RULE_OPTIONS = {
    "tt:FaceRecognition": (("IncludeImage", "tt:StringList", "Embedded LocalStorage RemoteStorage"),),
    "tt:CellMotionDetector": (("MinCount", "tt:IntRange", None), ("AlarmOnDelay", "tt:IntRange", None)),
    "tt:LineDetector": (("Direction", "tt:StringList", "Left Right Any"),),
}


def _checked_token(ctx: OnvifContext, request: ET.Element) -> None:
    if find_text(request, "ConfigurationToken") != ctx.spec.analytics_token:
        raise invalid_arg("ter:NoConfig", "The VideoAnalyticsConfiguration does not exist")


def get_service_capabilities(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    return el("tan:GetServiceCapabilitiesResponse", service_capabilities(ctx, ANALYTICS_NS))


def get_supported_rules(ctx: OnvifContext, request: ET.Element) -> etree._Element:
    _checked_token(ctx, request)
    descriptions = [analytics_catalog.description("tt:RuleDescription", t) for t in ctx.spec.supported_rules]
    return el(
        "tan:GetSupportedRulesResponse",
        el("tan:SupportedRules", el("tt:RuleContentSchemaLocation", SCHEMA), descriptions),
    )


def get_rules(ctx: OnvifContext, request: ET.Element) -> etree._Element:
    _checked_token(ctx, request)
    rules = [
        el("tan:Rule", {"Name": r.name, "Type": r.type}, analytics_catalog.parameters(r.type)) for r in ctx.spec.rules
    ]
    return el("tan:GetRulesResponse", rules)


def _rule_options(ctx: OnvifContext, rule_type: str) -> tuple[tuple[str, str, str | None], ...]:
    if rule_type == "tt:ObjectDetection":  # the class list is the device's own (GetRuleOptions ClassFilter)
        return (("ClassFilter", "tt:StringList", " ".join(ctx.spec.object_classes) or "Person Vehicle"),)
    return RULE_OPTIONS.get(rule_type, ())


def get_rule_options(ctx: OnvifContext, request: ET.Element) -> etree._Element:
    _checked_token(ctx, request)
    wanted = find_text(request, "RuleType")
    options = []
    for rule_type in ctx.spec.supported_rules:
        if wanted and wanted.split(":")[-1] != rule_type.split(":")[-1]:
            continue
        for name, kind, values in _rule_options(ctx, rule_type):
            body = el("tt:StringList", values) if values else el("tt:IntRange", el("tt:Min", 0), el("tt:Max", 100))
            options.append(el("tan:RuleOptions", {"RuleType": rule_type, "Name": name, "Type": kind}, body))
    return el("tan:GetRuleOptionsResponse", options)


def get_supported_analytics_modules(ctx: OnvifContext, request: ET.Element) -> etree._Element:
    _checked_token(ctx, request)
    descriptions = [
        analytics_catalog.description("tt:AnalyticsModuleDescription", t) for t in ctx.spec.supported_modules
    ]
    return el(
        "tan:GetSupportedAnalyticsModulesResponse",
        el("tan:SupportedAnalyticsModules", el("tt:AnalyticsModuleContentSchemaLocation", SCHEMA), descriptions),
    )


def get_analytics_modules(ctx: OnvifContext, request: ET.Element) -> etree._Element:
    _checked_token(ctx, request)
    modules = [
        el("tan:AnalyticsModule", {"Name": m.name, "Type": m.type}, analytics_catalog.parameters(m.type))
        for m in ctx.spec.modules
    ]
    return el("tan:GetAnalyticsModulesResponse", modules)


def get_supported_metadata(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    """A sample frame: one object of the persona's metadata classes, with a HumanFace when it lists one.

    The humanface namespace is declared on every module, face or not, as Wisenet metadata roots do.
    """
    classes = [c for c in ctx.spec.metadata if c != "HumanFace"]
    face = None
    if "HumanFace" in ctx.spec.metadata:
        face = el("tt:HumanFace", el("fc:Gender", "Male"), el("fc:Age", el("tt:Min", 20), el("tt:Max", 30)))
    appearance = el(
        "tt:Appearance",
        el("tt:Shape", el("tt:BoundingBox", {"left": "-0.9", "top": "0.9", "right": "-0.5", "bottom": "0.2"})),
        el("tt:Class", [el("tt:Type", {"Likelihood": "0.8"}, c) for c in classes]),
        face,
    )
    frame = el("tan:SampleFrame", {"UtcTime": "2024-01-01T00:00:00Z"}, el("tt:Object", {"ObjectId": 1}, appearance))
    module = etree.Element(qname("tan:AnalyticsModule"), {"Type": "tt:ObjectDetectionEngine"}, nsmap={"fc": NS["fc"]})
    module.append(frame)
    return el("tan:GetSupportedMetadataResponse", module)


_A = "{" + ANALYTICS_NS + "}"
OPERATIONS = {
    _A + "GetServiceCapabilities": get_service_capabilities,
    _A + "GetSupportedRules": get_supported_rules,
    _A + "GetRules": get_rules,
    _A + "GetRuleOptions": get_rule_options,
    _A + "GetSupportedAnalyticsModules": get_supported_analytics_modules,
    _A + "GetAnalyticsModules": get_analytics_modules,
    _A + "GetSupportedMetadata": get_supported_metadata,
}
PRE_AUTH = {_A + "GetServiceCapabilities"}
