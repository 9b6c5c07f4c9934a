"""Hikvision SADP (UDP 37020): the inquiry Probe built, ProbeMatch replies parsed (pure), and the segment method.

Format (cameronnewman/hikvision-tooling:internal/sadp/scanner.go; julienblitte/UniversalScanner:Hikvision.cs):
`<Probe><Uuid>…</Uuid><Types>inquiry</Types></Probe>` to 239.255.255.250:37020 and to broadcast (devices
ignore unicast); the reply is a `<ProbeMatch>` with DeviceType, DeviceDescription (the model), DeviceSN,
MAC, IPv4Address, SoftwareVersion, HttpPort, CommandPort, Activated, OEMInfo. Every Hikvision firmware
answers it, including those with ONVIF switched off.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET  # noqa: S405  # only the Element type and its ParseError
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from scanner.discovery.multicast import Found
from scanner.errors import ParseError

METHOD = "sadp"
GROUP, PORT = "239.255.255.250", 37020
MAX_MESSAGE = 16 * 1024  # a ProbeMatch is about 1.5 KiB
MAX_FIELD = 128
INQUIRIES = ("inquiry", "inquiry_v32")  # newer firmwares also answer the v32 form


@dataclass(frozen=True)
class SadpReply:
    """One device's ProbeMatch. Empty strings for fields it did not send."""

    uuid: str
    device_type: str
    model: str  # DeviceDescription
    serial: str  # DeviceSN: model, production date and serial run together
    mac: str
    ipv4: str
    firmware: str  # SoftwareVersion, e.g. "V5.7.3build 220112"
    http_port: str
    command_port: str
    activated: str
    oem: str


_FIELDS = {
    "uuid": "Uuid",
    "device_type": "DeviceType",
    "model": "DeviceDescription",
    "serial": "DeviceSN",
    "mac": "MAC",
    "ipv4": "IPv4Address",
    "firmware": "SoftwareVersion",
    "http_port": "HttpPort",
    "command_port": "CommandPort",
    "activated": "Activated",
    "oem": "OEMInfo",
}


def build_probe(probe_uuid: str, types: str = "inquiry") -> bytes:
    """An SADP inquiry, as SADPTool sends it (upper-case UUID)."""
    probe = etree.Element("Probe")
    etree.SubElement(probe, "Uuid").text = probe_uuid.upper()
    etree.SubElement(probe, "Types").text = types
    return b'<?xml version="1.0" encoding="utf-8"?>' + etree.tostring(probe, encoding="UTF-8")


def parse_probe_match(data: bytes) -> SadpReply:
    """A ProbeMatch datagram -> SadpReply; ParseError for anything else (a Probe, bad XML, no MAC or serial)."""
    if len(data) > MAX_MESSAGE:
        raise ParseError(f"SADP message of {len(data)} bytes is larger than {MAX_MESSAGE}")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, LookupError, ValueError) as exc:
        raise ParseError(f"SADP message is not usable XML: {exc}") from None
    if _local(root.tag) != "ProbeMatch":
        raise ParseError(f"SADP message is not a ProbeMatch (root element {_local(root.tag)!r})")
    texts = {_local(child.tag): _clean(child.text) for child in root}
    reply = SadpReply(**{name: texts.get(tag, "") for name, tag in _FIELDS.items()})
    if not reply.mac and not reply.serial:
        raise ParseError("SADP ProbeMatch without MAC or DeviceSN")
    return reply


def sadp_facts(reply: SadpReply) -> tuple[tuple[str, str], ...]:
    """What the reply reveals, under the common fact names (vendor, model, serial, firmware, mac) and its own."""
    facts = [
        ("vendor", "Hikvision"),
        ("model", reply.model),
        ("serial", reply.serial),
        ("firmware", reply.firmware),
        ("mac", reply.mac),
        ("device_type", reply.device_type),
        ("ipv4", reply.ipv4),
        ("http_port", reply.http_port),
        ("command_port", reply.command_port),
        ("activated", reply.activated),
        ("oem", reply.oem),
    ]
    return tuple((k, v) for k, v in facts if v)


class SadpMethod:
    """One scan's SADP inquiries (multicast and directed broadcast)."""

    name = METHOD
    group = GROUP
    port = PORT
    broadcast = True

    def __init__(self) -> None:
        probe_uuid = str(uuid.uuid4())
        self._messages = tuple(build_probe(probe_uuid, types) for types in INQUIRIES)

    def messages(self) -> tuple[bytes, ...]:
        return self._messages

    def read(self, data: bytes, source: str) -> tuple[Found, ...]:
        reply = parse_probe_match(data)
        return (Found(METHOD, source, reply.mac or reply.serial, sadp_facts(reply)),)

    def followups(self, found: Found) -> tuple[bytes, ...]:
        return ()


def _clean(text: str | None) -> str:
    """Printable characters only, stripped, at most MAX_FIELD: devices put anything in these fields."""
    return "".join(ch for ch in (text or "") if ch.isprintable()).strip()[:MAX_FIELD].strip()


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
