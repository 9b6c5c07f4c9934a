"""ONVIF Device service answers (ver10 device wsdl): time, services, capabilities, identity, scopes."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - element type only
from datetime import datetime

from lxml import etree

from scanner.lab.onvif_context import ANALYTICS_NS, DEVICE_NS, EVENTS_NS, MEDIA_NS, OnvifContext
from scanner.lab.soap import SoapFault, find_text, local
from scanner.lab.xmlgen import el

CATEGORIES = ("All", "Analytics", "Device", "Events", "Media")


def _date_time(name: str, when: datetime) -> etree._Element:
    return el(
        name,
        el("tt:Time", el("tt:Hour", when.hour), el("tt:Minute", when.minute), el("tt:Second", when.second)),
        el("tt:Date", el("tt:Year", when.year), el("tt:Month", when.month), el("tt:Day", when.day)),
    )


def get_system_date_and_time(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    now = ctx.now()
    # A device whose clock is off was set by hand: NTP would have corrected it.
    kind = "Manual" if ctx.spec.clock_offset else "NTP"
    return el(
        "tds:GetSystemDateAndTimeResponse",
        el(
            "tds:SystemDateAndTime",
            el("tt:DateTimeType", kind),
            el("tt:DaylightSavings", False),
            el("tt:TimeZone", el("tt:TZ", "GMT0")),
            _date_time("tt:UTCDateTime", now),
            _date_time("tt:LocalDateTime", now),
        ),
    )


def _version(ctx: OnvifContext) -> etree._Element:
    major, _, minor = ctx.spec.version.partition(".")
    return el("tds:Version", el("tt:Major", major), el("tt:Minor", minor or "0"))


# Service capability attributes (GetServiceCapabilities / GetServices IncludeCapability), as firmwares set them.
MEDIA_CAPS = {"SnapshotUri": True, "Rotation": False, "VideoSourceMode": False, "OSD": True}
STREAMING_CAPS = {
    "RTPMulticast": True,
    "RTP_TCP": True,
    "RTP_RTSP_TCP": True,
    "NonAggregateControl": False,
    "NoRTSPStreaming": False,
}
EVENT_CAPS = {
    "WSSubscriptionPolicySupport": True,
    "WSPullPointSupport": True,
    "WSPausableSubscriptionManagerInterfaceSupport": False,
    "MaxNotificationProducers": 10,
    "MaxPullPoints": 10,
    "PersistentNotificationStorage": False,
}
ANALYTICS_CAPS = {
    "RuleSupport": True,
    "AnalyticsModuleSupport": True,
    "CellBasedSceneDescriptionSupported": True,
    "RuleOptionsSupported": True,
    "AnalyticsModuleOptionsSupported": False,
    "SupportedMetadata": False,
    "ImageSendingType": "Embedded",
}
NETWORK_CAPS = {
    "IPFilter": True,
    "ZeroConfiguration": False,
    "IPVersion6": False,
    "DynDNS": True,
    "Dot11Configuration": False,
    "HostnameFromDHCP": False,
    "NTP": 1,
}
SECURITY_CAPS = {
    "TLS1.0": False,
    "TLS1.1": True,
    "TLS1.2": True,
    "OnboardKeyGeneration": False,
    "AccessPolicyConfig": False,
    "X.509Token": False,
    "SAMLToken": False,
    "KerberosToken": False,
    "RELToken": False,
    "UsernameToken": True,
    "MaxUsers": 32,
}
SYSTEM_CAPS = {
    "DiscoveryResolve": False,
    "DiscoveryBye": True,
    "RemoteDiscovery": False,
    "SystemBackup": False,
    "SystemLogging": True,
    "FirmwareUpgrade": True,
    "HttpFirmwareUpgrade": True,
    "HttpSystemBackup": False,
    "HttpSystemLogging": False,
    "HttpSupportInformation": False,
}


def service_capabilities(ctx: OnvifContext, namespace: str) -> etree._Element:
    """The <prefix:Capabilities> element each service's GetServiceCapabilities returns."""
    if namespace == MEDIA_NS:
        profiles = el("trt:ProfileCapabilities", {"MaximumNumberOfProfiles": len(ctx.persona.streams) + 1})
        return el("trt:Capabilities", MEDIA_CAPS, profiles, el("trt:StreamingCapabilities", STREAMING_CAPS))
    if namespace == EVENTS_NS:
        return el("tev:Capabilities", EVENT_CAPS)
    if namespace == ANALYTICS_NS:
        return el("tan:Capabilities", {**ANALYTICS_CAPS, "SupportedMetadata": bool(ctx.spec.metadata)})
    security = {**SECURITY_CAPS, "HttpDigest": ctx.spec.auth == "digest"}
    return el(
        "tds:Capabilities", el("tds:Network", NETWORK_CAPS), el("tds:Security", security), el("tds:System", SYSTEM_CAPS)
    )


def get_service_capabilities(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    return el("tds:GetServiceCapabilitiesResponse", service_capabilities(ctx, DEVICE_NS))


def get_services(ctx: OnvifContext, request: ET.Element) -> etree._Element:
    include = find_text(request, "IncludeCapability").lower() in ("true", "1")
    services = []
    for namespace, path in ctx.services():
        caps = el("tds:Capabilities", service_capabilities(ctx, namespace)) if include else None
        services.append(
            el("tds:Service", el("tds:Namespace", namespace), el("tds:XAddr", ctx.xaddr(path)), caps, _version(ctx))
        )
    return el("tds:GetServicesResponse", services)


def get_capabilities(ctx: OnvifContext, request: ET.Element) -> etree._Element:
    asked = [(e.text or "").strip() for e in request.iter() if local(e.tag) == "Category"] or ["All"]
    if any(a not in CATEGORIES for a in asked) or ("Analytics" in asked and not ctx.spec.analytics_path):
        raise SoapFault(
            "env:Receiver",
            ("ter:ActionNotSupported", "ter:NoSuchService"),
            "The requested WSDL service category is not supported by the device",
            500,
        )
    everything = "All" in asked
    parts = [
        _analytics_caps(ctx) if (everything or "Analytics" in asked) and ctx.spec.analytics_path else None,
        _device_caps(ctx) if everything or "Device" in asked else None,
        el(
            "tt:Events",
            el("tt:XAddr", ctx.xaddr(ctx.spec.events_path)),
            el("tt:WSSubscriptionPolicySupport", True),
            el("tt:WSPullPointSupport", True),
            el("tt:WSPausableSubscriptionManagerInterfaceSupport", False),
        )
        if everything or "Events" in asked
        else None,
        el(
            "tt:Media",
            el("tt:XAddr", ctx.xaddr(ctx.spec.media_path)),
            el(
                "tt:StreamingCapabilities",
                el("tt:RTPMulticast", True),
                el("tt:RTP_TCP", True),
                el("tt:RTP_RTSP_TCP", True),
            ),
        )
        if everything or "Media" in asked
        else None,
    ]
    return el("tds:GetCapabilitiesResponse", el("tds:Capabilities", parts))


def _analytics_caps(ctx: OnvifContext) -> etree._Element:
    return el(
        "tt:Analytics",
        el("tt:XAddr", ctx.xaddr(ctx.spec.analytics_path)),
        el("tt:RuleSupport", True),
        el("tt:AnalyticsModuleSupport", True),
    )


def _device_caps(ctx: OnvifContext) -> etree._Element:
    major, _, minor = ctx.spec.version.partition(".")
    flags = ("DiscoveryResolve", "DiscoveryBye", "RemoteDiscovery", "SystemBackup", "SystemLogging", "FirmwareUpgrade")
    return el(
        "tt:Device",
        el("tt:XAddr", ctx.xaddr(ctx.spec.device_path)),
        el(
            "tt:Network",
            el("tt:IPFilter", True),
            el("tt:ZeroConfiguration", False),
            el("tt:IPVersion6", False),
            el("tt:DynDNS", True),
        ),
        el(
            "tt:System",
            [el(f"tt:{f}", f in ("DiscoveryBye", "SystemLogging", "FirmwareUpgrade")) for f in flags],
            el("tt:SupportedVersions", el("tt:Major", major), el("tt:Minor", minor or "0")),
        ),
        el("tt:IO", el("tt:InputConnectors", 1), el("tt:RelayOutputs", 1)),
        el(
            "tt:Security",
            [
                el(f"tt:{f}", f in ("TLS1.1", "TLS1.2"))
                for f in (
                    "TLS1.1",
                    "TLS1.2",
                    "OnboardKeyGeneration",
                    "AccessPolicyConfig",
                    "X.509Token",
                    "SAMLToken",
                    "KerberosToken",
                    "RELToken",
                )
            ],
        ),
    )


def get_device_information(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    p = ctx.persona
    firmware = f"{p.firmware} {p.firmware_date}" if ctx.style == "hikvision" else p.firmware
    return el(
        "tds:GetDeviceInformationResponse",
        el("tds:Manufacturer", p.manufacturer),
        el("tds:Model", p.model),
        el("tds:FirmwareVersion", firmware),
        el("tds:SerialNumber", p.serial),
        el("tds:HardwareId", ctx.spec.hardware_id),
    )


def get_scopes(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    scopes = []
    for scope in ctx.spec.scopes:
        kind = "Configurable" if "/name/" in scope or "/location/" in scope else "Fixed"
        scopes.append(el("tds:Scopes", el("tt:ScopeDef", kind), el("tt:ScopeItem", scope)))
    return el("tds:GetScopesResponse", scopes)


_D = "{" + DEVICE_NS + "}"
OPERATIONS = {
    _D + "GetSystemDateAndTime": get_system_date_and_time,
    _D + "GetServices": get_services,
    _D + "GetServiceCapabilities": get_service_capabilities,
    _D + "GetCapabilities": get_capabilities,
    _D + "GetDeviceInformation": get_device_information,
    _D + "GetScopes": get_scopes,
}
PRE_AUTH = {_D + name for name in ("GetSystemDateAndTime", "GetServices", "GetServiceCapabilities", "GetCapabilities")}
