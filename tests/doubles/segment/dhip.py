"""Dahua DHIP answered on UDP 37810: DHDiscover.search in, client.notifyDevInfo back to the sender."""

from __future__ import annotations

import asyncio
import json
import struct

from scanner.errors import ParseError
from scanner.lab.personas import Persona

PORT = 37810
HEADER_SIZE = 32
MAX_DATAGRAM = 4096
NO_GATEWAY = "0.0.0.0"  # noqa: S104 - the lab segment has no gateway


def _frame(body: bytes) -> bytes:
    # Written out field by field (not shared with the scanner's codec), so each side checks the other.
    header = struct.pack("<I", HEADER_SIZE) + b"DHIP" + bytes(8)
    header += struct.pack("<I", len(body)) + bytes(4) + struct.pack("<I", len(body)) + bytes(4)
    return header + body


def parse_search(data: bytes) -> None:
    """Accept a DHDiscover.search frame; ParseError for anything else."""
    if len(data) > MAX_DATAGRAM or len(data) < HEADER_SIZE or data[4:8] != b"DHIP":
        raise ParseError("not a DHIP frame")
    try:
        message = json.loads(data[HEADER_SIZE:].rstrip(b"\x00\r\n "))
    except ValueError as exc:
        raise ParseError(f"DHIP body is not JSON: {exc}") from None
    if not isinstance(message, dict) or message.get("method") != "DHDiscover.search":
        raise ParseError("not a DHDiscover.search")


def notify(persona: Persona, address: str, http_port: int) -> bytes:
    """The client.notifyDevInfo a Dahua-firmware device sends about itself."""
    info = {
        "AlarmInputChannels": 1,
        "DeviceClass": "IPC",
        "DeviceType": persona.model,
        "HttpPort": http_port,
        "IPv4Address": {"DefaultGateway": NO_GATEWAY, "DhcpEnable": False, "IPAddress": address,
                        "SubnetMask": "255.255.255.0"},
        "MachineName": persona.device_name,
        "Port": persona.sdk_port or 37777,
        "SerialNo": persona.serial,
        "Vendor": "Private" if persona.manufacturer != "Dahua" else "General",
        "Version": persona.firmware,
    }  # fmt: skip
    message = {"mac": persona.mac.lower(), "method": "client.notifyDevInfo", "params": {"deviceInfo": info}}
    return _frame(json.dumps(message, separators=(",", ":")).encode() + b"\n")


class DhipResponder(asyncio.DatagramProtocol):
    """A device's UDP 37810 socket: answers searches by unicast, ignores everything else."""

    def __init__(self, persona: Persona, address: str, http_port: int) -> None:
        self.persona, self.address, self.http_port = persona, address, http_port
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            parse_search(data)
        except ParseError:
            return
        if self.transport is not None:
            self.transport.sendto(notify(self.persona, self.address, self.http_port), addr)
