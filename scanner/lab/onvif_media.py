"""ONVIF Media (ver10) answers: profiles with their analytics and metadata configurations, stream URIs."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - element type only

from lxml import etree

from scanner.lab import analytics_catalog
from scanner.lab.onvif_context import MEDIA_NS, OnvifContext
from scanner.lab.onvif_device import service_capabilities
from scanner.lab.personas import Stream
from scanner.lab.soap import SoapFault, find_text, invalid_arg
from scanner.lab.xmlgen import el

VIDEO_SOURCE = "VideoSourceToken"
METADATA = "MetadataToken"


def _multicast() -> etree._Element:
    unset = "0.0.0.0"  # noqa: S104 - the ONVIF spelling of "no multicast group", not a bind address
    return el(
        "tt:Multicast",
        el("tt:Address", el("tt:Type", "IPv4"), el("tt:IPv4Address", unset)),
        el("tt:Port", 0),
        el("tt:TTL", 0),
        el("tt:AutoStart", False),
    )


def _source(ctx: OnvifContext) -> etree._Element:
    top = max(ctx.persona.streams, key=lambda s: s.width * s.height)
    return el(
        "tt:VideoSourceConfiguration",
        {"token": VIDEO_SOURCE},
        el("tt:Name", "VideoSourceConfig"),
        el("tt:UseCount", len(ctx.persona.streams)),
        el("tt:SourceToken", "VideoSource_1"),
        el("tt:Bounds", {"x": 0, "y": 0, "width": top.width, "height": top.height}),
    )


def _encoder(stream: Stream, index: int) -> etree._Element:
    # Media ver10 has no H.265 encoding value: firmwares report H264 there and tell the truth in Media2/SDP.
    return el(
        "tt:VideoEncoderConfiguration",
        {"token": f"VideoEncoderToken_{index + 1}"},
        el("tt:Name", f"VideoEncoder_{index + 1}"),
        el("tt:UseCount", 1),
        el("tt:Encoding", "H264"),
        el("tt:Resolution", el("tt:Width", stream.width), el("tt:Height", stream.height)),
        el("tt:Quality", "3.000000"),
        el(
            "tt:RateControl",
            el("tt:FrameRateLimit", stream.fps),
            el("tt:EncodingInterval", 1),
            el("tt:BitrateLimit", stream.bitrate),
        ),
        el("tt:H264", el("tt:GovLength", stream.fps * 2), el("tt:H264Profile", "Main")),
        _multicast(),
        el("tt:SessionTimeout", "PT5S"),
    )


def analytics_configuration(ctx: OnvifContext, element: str) -> etree._Element:
    """The VideoAnalyticsConfiguration (engine modules and rules) shared by all profiles."""
    spec = ctx.spec
    modules = [
        el("tt:AnalyticsModule", {"Name": m.name, "Type": m.type}, analytics_catalog.parameters(m.type))
        for m in spec.modules
    ]
    rules = [el("tt:Rule", {"Name": r.name, "Type": r.type}, analytics_catalog.parameters(r.type)) for r in spec.rules]
    return el(
        element,
        {"token": spec.analytics_token},
        el("tt:Name", "VideoAnalyticsName"),
        el("tt:UseCount", len(ctx.persona.streams)),
        el("tt:AnalyticsEngineConfiguration", modules),
        el("tt:RuleEngineConfiguration", rules),
    )


def _metadata(element: str) -> etree._Element:
    return el(
        element,
        {"token": METADATA},
        el("tt:Name", "MetadataConfig"),
        el("tt:UseCount", 1),
        el("tt:Analytics", True),
        _multicast(),
        el("tt:SessionTimeout", "PT60S"),
    )


def _profile(ctx: OnvifContext, stream: Stream, index: int) -> etree._Element:
    analytics = analytics_configuration(ctx, "tt:VideoAnalyticsConfiguration") if ctx.spec.analytics_path else None
    metadata = _metadata("tt:MetadataConfiguration") if stream.metadata else None
    return el(
        "trt:Profiles",
        {"token": stream.token, "fixed": True},
        el("tt:Name", stream.name),
        _source(ctx),
        _encoder(stream, index),
        analytics,
        metadata,
    )


def get_profiles(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    return el("trt:GetProfilesResponse", [_profile(ctx, s, i) for i, s in enumerate(ctx.persona.streams)])


def get_stream_uri(ctx: OnvifContext, request: ET.Element) -> etree._Element:
    stream = ctx.stream(find_text(request, "ProfileToken"))
    if stream is None:
        raise invalid_arg("ter:NoProfile", "The requested profile token ProfileToken does not exist")
    if ctx.rtsp_port is None:
        raise SoapFault(
            "env:Sender",
            ("ter:InvalidArgVal", "ter:InvalidStreamSetup"),
            "Specification of StreamType or Transport part in StreamSetup is not supported",
            400,
        )
    return el(
        "trt:GetStreamUriResponse",
        el(
            "trt:MediaUri",
            el("tt:Uri", ctx.stream_uri(stream)),
            el("tt:InvalidAfterConnect", False),
            el("tt:InvalidAfterReboot", False),
            el("tt:Timeout", "PT60S"),
        ),
    )


def get_video_analytics_configurations(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    configs = analytics_configuration(ctx, "trt:Configurations") if ctx.spec.analytics_path else None
    return el("trt:GetVideoAnalyticsConfigurationsResponse", configs)


def get_metadata_configurations(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    has = any(s.metadata for s in ctx.persona.streams)
    return el("trt:GetMetadataConfigurationsResponse", _metadata("trt:Configurations") if has else None)


def get_service_capabilities(ctx: OnvifContext, _: ET.Element) -> etree._Element:
    return el("trt:GetServiceCapabilitiesResponse", service_capabilities(ctx, MEDIA_NS))


_M = "{" + MEDIA_NS + "}"
OPERATIONS = {
    _M + "GetProfiles": get_profiles,
    _M + "GetStreamUri": get_stream_uri,
    _M + "GetVideoAnalyticsConfigurations": get_video_analytics_configurations,
    _M + "GetMetadataConfigurations": get_metadata_configurations,
    _M + "GetServiceCapabilities": get_service_capabilities,
}
PRE_AUTH = {_M + "GetServiceCapabilities"}
