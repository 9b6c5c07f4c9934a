"""Dahua DHIP (UDP 37810): the DHDiscover.search request built, notifyDevInfo replies parsed (pure), the method.

Frame (julienblitte/UniversalScanner:Dahua2.cs): a 32-byte little-endian header (header size 0x20, magic
`DHIP`, zeros, the body length at 0x10 and again at 0x18), then a JSON body. The request body is
`{"method":"DHDiscover.search","params":{"mac":"","uni":1}}`; a device answers `client.notifyDevInfo`
with `params.deviceInfo` {DeviceType, SerialNo, Version, HttpPort, Port, IPv4Address{IPAddress}} and a
top-level `mac` (theweefies/ethodump-ng:dhip.py). Sent to 239.255.255.251:37810 and to broadcast.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from scanner.discovery.multicast import Found
from scanner.errors import ParseError

METHOD = "dhip"
GROUP, PORT = "239.255.255.251", 37810
HEADER = struct.Struct("<I4sIIIIII")  # size, magic, 2 reserved, body length, reserved, body length, reserved
MAGIC = b"DHIP"
MAX_MESSAGE = 64 * 1024
MAX_FIELD = 128
SEARCH = {"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}}


@dataclass(frozen=True)
class DhipReply:
    """One device's notifyDevInfo. Empty strings for fields it did not send."""

    model: str  # DeviceType
    device_class: str
    serial: str
    mac: str
    ipv4: str
    firmware: str  # Version
    http_port: str
    sdk_port: str  # Port (TCP 37777)
    vendor: str


def frame(body: bytes) -> bytes:
    """A DHIP frame: the 32-byte header, then the body."""
    return HEADER.pack(HEADER.size, MAGIC, 0, 0, len(body), 0, len(body), 0) + body


def build_search() -> bytes:
    """The discovery request every Dahua-firmware device answers."""
    return frame(json.dumps(SEARCH, separators=(",", ":")).encode() + b"\n")


def parse_frame(data: bytes) -> dict[str, Any]:
    """The JSON object a DHIP frame carries; ParseError for a short, foreign, inconsistent or non-JSON frame."""
    if len(data) > MAX_MESSAGE:
        raise ParseError(f"DHIP frame of {len(data)} bytes is larger than {MAX_MESSAGE}")
    if len(data) < HEADER.size:
        raise ParseError(f"DHIP frame of {len(data)} bytes is shorter than its {HEADER.size}-byte header")
    size, magic, _, _, length, _, length2, _ = HEADER.unpack_from(data)
    if magic != MAGIC or size != HEADER.size:
        raise ParseError("not a DHIP frame (magic or header size)")
    if length != length2 or length > len(data) - HEADER.size:
        raise ParseError(f"DHIP frame says {length}/{length2} body bytes, carries {len(data) - HEADER.size}")
    body = data[HEADER.size : HEADER.size + length].rstrip(b"\x00\r\n ")
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ParseError(f"DHIP body is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ParseError("DHIP body is not a JSON object")
    return value


def parse_notify(data: bytes) -> DhipReply:
    """A client.notifyDevInfo frame -> DhipReply; ParseError for any other frame (e.g. another scanner's search)."""
    message = parse_frame(data)
    if message.get("method") != "client.notifyDevInfo":
        raise ParseError(f"DHIP message is {_text(message.get('method'))!r}, not client.notifyDevInfo")
    params = message.get("params")
    info = params.get("deviceInfo") if isinstance(params, dict) else None
    if not isinstance(info, dict):
        raise ParseError("DHIP notifyDevInfo without params.deviceInfo")
    ipv4 = info.get("IPv4Address")
    return DhipReply(
        model=_text(info.get("DeviceType")),
        device_class=_text(info.get("DeviceClass")),
        serial=_text(info.get("SerialNo")),
        mac=_text(message.get("mac") or info.get("MAC")),
        ipv4=_text(ipv4.get("IPAddress")) if isinstance(ipv4, dict) else "",
        firmware=_text(info.get("Version")),
        http_port=_text(info.get("HttpPort")),
        sdk_port=_text(info.get("Port")),
        vendor=_text(info.get("Vendor")),
    )


def dhip_facts(reply: DhipReply) -> tuple[tuple[str, str], ...]:
    """What the reply reveals, under the common fact names and its own."""
    facts = [
        ("vendor", "Dahua"),  # the protocol is Dahua's; OEM brands (Amcrest, Lorex) speak it too
        ("model", reply.model),
        ("serial", reply.serial),
        ("firmware", reply.firmware),
        ("mac", reply.mac),
        ("device_class", reply.device_class),
        ("device_vendor", reply.vendor),
        ("ipv4", reply.ipv4),
        ("http_port", reply.http_port),
        ("sdk_port", reply.sdk_port),
    ]
    return tuple((k, v) for k, v in facts if v)


class DhipMethod:
    """One scan's DHDiscover.search (multicast and directed broadcast)."""

    name = METHOD
    group = GROUP
    port = PORT
    broadcast = True

    def messages(self) -> tuple[bytes, ...]:
        return (build_search(),)

    def read(self, data: bytes, source: str) -> tuple[Found, ...]:
        reply = parse_notify(data)
        return (Found(METHOD, source, reply.mac or reply.serial or source, dhip_facts(reply)),)

    def followups(self, found: Found) -> tuple[bytes, ...]:
        return ()


def _text(value: object) -> str:
    """A JSON scalar as printable text, at most MAX_FIELD characters; objects and lists give ""."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return ""
    return "".join(ch for ch in str(value) if ch.isprintable()).strip()[:MAX_FIELD].strip()
