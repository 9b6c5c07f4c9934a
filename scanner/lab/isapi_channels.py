"""Hikvision ISAPI documents per video channel: a recorder's channel list (InputProxy) and, for each channel, the
smart and event capabilities and the face comparison switch.

Shapes follow the sources the signatures cite: InputProxyChannel with its sourceInputPortDescriptor (the fields the
research note lists from recorded recorder answers; the lab's values are its own), SmartCap and ChannelEventCapList
as issue pastes of real answers show them, and FaceContrastList as Hikvision's own SDK demo writes it.
"""

from __future__ import annotations

import uuid

from lxml import etree

from scanner.lab.personas import IsapiSpec, ProxyChannel
from scanner.lab.xmlgen import default_ns, el, serialize

XML_TYPE = 'application/xml; charset="UTF-8"'
SMART_FLAGS = (
    ("isSupportROI", True),
    ("isSupportAudioDetection", True),
    ("isSupportLineDetection", True),
    ("isSupportFieldDetection", True),
    ("isSupportRegionEntrance", True),
    ("isSupportRegionExiting", True),
)
CHANNEL_EVENTS = ("VMD", "tamperDetection", "videoLoss", "linedetection", "fielddetection")
LIBRARY_FDID = "5E1D2C3B4A5968778695A4B3C2D1E0F1"  # the FDID a channel's comparison arms (32 hex, as on recorders)


def _doc(spec: IsapiSpec, root: etree._Element) -> bytes:
    root.set("version", "2.0")
    return serialize(default_ns(root, spec.namespace))


def channel_ids(spec: IsapiSpec) -> tuple[str, ...]:
    """The device's video channels: a recorder's InputProxy channels, else a camera's one input."""
    return tuple(c.id for c in spec.channels) or ("1",)


def _proxy_channel(channel: ProxyChannel) -> etree._Element:
    descriptor = el(
        "sourceInputPortDescriptor",
        el("proxyProtocol", "HIKVISION"),
        el("addressingFormatType", "ipaddress"),
        el("ipAddress", channel.address),
        el("managePortNo", 8000),
        el("srcInputPort", 1),
        el("userName", "admin"),
        el("connMode", "plugplay"),
        el("streamType", "auto"),
        el("model", channel.model),
        el("serialNumber", channel.serial),
        el("firmwareVersion", channel.firmware),
    )
    index = uuid.uuid5(uuid.NAMESPACE_OID, f"camaudit-lab:{channel.serial}")
    return el(
        "InputProxyChannel",
        el("id", channel.id),
        el("name", channel.name),
        descriptor,
        el("enableAnr", False),
        el("enableTiming", True),
        el("devIndex", index),
    )


def input_proxy_channels(spec: IsapiSpec) -> bytes:
    """A recorder's channels and the cameras behind them (model and serial: newer firmware only; no password)."""
    items = [_proxy_channel(c) for c in spec.channels]
    return _doc(spec, el("InputProxyChannelList", {"size": max(len(items), 4)}, items))


def smart_capabilities(spec: IsapiSpec) -> bytes:
    flags = [*SMART_FLAGS[:2], ("isSupportFaceDetect", spec.face_detect), *SMART_FLAGS[2:]]
    return _doc(spec, el("SmartCap", [el(name, value) for name, value in flags]))


def event_channel_capabilities(spec: IsapiSpec) -> bytes:
    """Per channel, the event types it offers (comma list); face ones only where the device has them."""
    face = [name for name, on in (("faceSnap", spec.face_snap), ("facedetection", spec.face_detect)) if on]
    caps = [
        el("ChannelEventCap", el("eventType", {"opt": ",".join([*CHANNEL_EVENTS, *face])}), el("channelID", c),
           el("id", c))
        for c in channel_ids(spec)
    ]  # fmt: skip
    return _doc(spec, el("ChannelEventCapList", caps))


def face_contrast(spec: IsapiSpec, channel: str) -> bytes:
    """The channel's face comparison: its switch (`enable`), and the library it is armed with when on."""
    on = channel in spec.face_contrast_on
    libraries = el("FDLibList", el("FDLib", el("id", 1), el("FDID", LIBRARY_FDID))) if on else el("FDLibList")
    contrast = el(
        "FaceContrast",
        el("id", 1),
        el("enable", on),
        el("faceContrastType", "faceContrast"),
        el("thresholdValue", 70),
        libraries,
    )
    return _doc(spec, el("FaceContrastList", contrast))


def document(spec: IsapiSpec, path: str) -> tuple[bytes, str] | None:
    """The per-channel document at `path`, or None when the device has none (the site answers notSupport)."""
    if spec.access_control:
        return None  # terminals have no video channels to describe
    parts = path.strip("/").split("/")
    if path == "/ISAPI/ContentMgmt/InputProxy/channels" and spec.channels:
        return input_proxy_channels(spec), XML_TYPE
    if path == "/ISAPI/Smart/capabilities":
        return smart_capabilities(spec), XML_TYPE
    if path == "/ISAPI/Event/channels/capabilities":
        return event_channel_capabilities(spec), XML_TYPE
    if parts[:3] == ["ISAPI", "Intelligent", "channels"] and parts[4:] == ["faceContrast"] and spec.face_contrast:
        return (face_contrast(spec, parts[3]), XML_TYPE) if parts[3] in channel_ids(spec) else None
    return None
