"""Hikvision SADP answered on UDP 37020: an inquiry Probe in, the device's ProbeMatch back to the sender."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET  # noqa: S405 - element type only

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from scanner.errors import ParseError
from scanner.lab.personas import Persona

PORT = 37020
INQUIRIES = ("inquiry", "inquiry_v32")
MAX_DATAGRAM = 4096  # an inquiry is under 200 bytes
DEVICE_TYPE = "139"  # the numeric class code SADP reports for an IP camera


def parse_inquiry(data: bytes) -> str:
    """The Uuid of an SADP inquiry; ParseError for anything else (other SADP traffic, garbage)."""
    if len(data) > MAX_DATAGRAM:
        raise ParseError("datagram too large")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    if root.tag != "Probe" or (root.findtext("Types") or "").strip() not in INQUIRIES:
        raise ParseError("not an SADP inquiry")
    return (root.findtext("Uuid") or "").strip()


def probe_match(persona: Persona, address: str, http_port: int, inquiry: str) -> bytes:
    """The ProbeMatch a Hikvision camera sends, with its MAC in the dashed lower-case form SADP uses."""
    fields = {
        "Uuid": inquiry,
        "Types": "inquiry",
        "DeviceType": DEVICE_TYPE,
        "DeviceDescription": persona.model,
        "DeviceSN": persona.serial,
        "CommandPort": str(persona.sdk_port or 8000),
        "HttpPort": str(http_port),
        "MAC": persona.mac.lower().replace(":", "-"),
        "IPv4Address": address,
        "IPv4SubnetMask": "255.255.255.0",
        "IPv4Gateway": "0.0.0.0",  # noqa: S104 - the lab segment has no gateway
        "DHCP": "false",
        "AnalogChannelNum": "0",
        "DigitalChannelNum": "1",
        "SoftwareVersion": f"{persona.firmware}{persona.firmware_date}",
        "DSPVersion": "V7.3 build 220112",
        "BootTime": "2026-11-01 08:00:00",
        "Activated": "true",
        "PasswordResetAbility": "false",
    }
    match = etree.Element("ProbeMatch")
    for name, value in fields.items():
        etree.SubElement(match, name).text = value
    return etree.tostring(match, xml_declaration=True, encoding="UTF-8")


class SadpResponder(asyncio.DatagramProtocol):
    """A camera's UDP 37020 socket: answers inquiries by unicast, ignores everything else."""

    def __init__(self, persona: Persona, address: str, http_port: int) -> None:
        self.persona, self.address, self.http_port = persona, address, http_port
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            inquiry = parse_inquiry(data)
        except ParseError:
            return
        if self.transport is not None:
            self.transport.sendto(probe_match(self.persona, self.address, self.http_port, inquiry), addr)
