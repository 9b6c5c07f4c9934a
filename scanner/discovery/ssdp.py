"""SSDP (UDP 1900): M-SEARCH built, search responses and UPnP device descriptions parsed (pure), LOCATION read.

Stdlib sockets, not `async-upnp-client`: its search brings aiohttp and its own socket setup, while every
segment method here shares one engine that fixes the interface, TTL 1, the scope filter and the caps; the
SSDP wire format is six header lines. The description (LOCATION) is fetched only from the device that
answered, with a timeout and a size cap, and parsed with defusedxml.
"""

from __future__ import annotations

import http.client
import time
import xml.etree.ElementTree as ET  # noqa: S405  # only the Element type and its ParseError
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from scanner.discovery.multicast import Found
from scanner.errors import ParseError, ProbeError
from scanner.net.deadline import Guard
from scanner.net.quickack import ack_at_once

METHOD = "ssdp"
GROUP, PORT = "239.255.255.250", 1900
SEARCH_TARGETS = ("upnp:rootdevice", "ssdp:all")
MAX_MESSAGE = 8 * 1024
MAX_DESCRIPTION = 64 * 1024
MAX_FIELD = 256
FETCH_LIMIT = 2  # a description fetch may take twice its timeout in all


@dataclass(frozen=True)
class SsdpReply:
    """One M-SEARCH response: where the description is and who the device says it is."""

    location: str
    server: str
    st: str
    usn: str


@dataclass(frozen=True)
class UpnpDevice:
    """The root device of a UPnP description. Empty strings for elements it lacks."""

    manufacturer: str
    model_name: str
    model_number: str
    friendly_name: str
    serial: str
    udn: str
    device_type: str


def build_search(target: str, mx: int = 1) -> bytes:
    """An M-SEARCH for `target`; devices answer within `mx` seconds, by unicast to the sender."""
    lines = ["M-SEARCH * HTTP/1.1", f"HOST: {GROUP}:{PORT}", 'MAN: "ssdp:discover"', f"MX: {mx}", f"ST: {target}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def parse_search_response(data: bytes) -> SsdpReply:
    """An `HTTP/1.1 200 OK` search response -> SsdpReply; ParseError for NOTIFY, M-SEARCH or garbage."""
    if len(data) > MAX_MESSAGE:
        raise ParseError(f"SSDP message of {len(data)} bytes is larger than {MAX_MESSAGE}")
    text = data.decode("utf-8", errors="replace")
    status, _, rest = text.partition("\r\n") if "\r\n" in text else text.partition("\n")
    parts = status.split(None, 2)
    if len(parts) < 2 or not parts[0].upper().startswith("HTTP/1.") or parts[1] != "200":
        raise ParseError(f"not an SSDP search response: {status[:60]!r}")
    headers = _headers(rest)
    reply = SsdpReply(headers.get("location", ""), headers.get("server", ""), headers.get("st", ""),
                      headers.get("usn", ""))  # fmt: skip
    if not reply.location and not reply.usn:
        raise ParseError("SSDP response without LOCATION or USN")
    return reply


def parse_description(data: bytes) -> UpnpDevice:
    """The root `device` element of a UPnP description; ParseError for oversized, non-XML or device-less input."""
    if len(data) > MAX_DESCRIPTION:
        raise ParseError(f"UPnP description of {len(data)} bytes is larger than {MAX_DESCRIPTION}")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, LookupError, ValueError) as exc:
        raise ParseError(f"UPnP description is not usable XML: {exc}") from None
    device = next((child for child in root if _local(child.tag) == "device"), None)
    if device is None:
        raise ParseError("UPnP description without a root device")
    texts = {_local(child.tag): _clean(child.text) for child in device}
    return UpnpDevice(
        manufacturer=texts.get("manufacturer", ""),
        model_name=texts.get("modelName", ""),
        model_number=texts.get("modelNumber", ""),
        friendly_name=texts.get("friendlyName", ""),
        serial=texts.get("serialNumber", ""),
        udn=texts.get("UDN", ""),
        device_type=texts.get("deviceType", ""),
    )


def description_facts(device: UpnpDevice) -> tuple[tuple[str, str], ...]:
    """What a description reveals; the model is modelName without a leading manufacturer ("AXIS M3045-V")."""
    model = device.model_name
    if device.manufacturer and model.lower().startswith(device.manufacturer.lower() + " "):
        model = model[len(device.manufacturer) + 1 :].strip()
    facts = [
        ("vendor", device.manufacturer),
        ("model", model or device.model_number),
        ("serial", device.serial),
        ("friendly_name", device.friendly_name),
        ("model_number", device.model_number),
        ("device_type", device.device_type),
        ("udn", device.udn),
    ]
    return tuple((k, v) for k, v in facts if v)


def fetch_description(location: str, address: str, timeout: float) -> bytes:
    """GET the LOCATION, only from `address` itself over plain HTTP, at most MAX_DESCRIPTION bytes.

    ProbeError for a LOCATION elsewhere (a reply must not send the scanner to another host), a refusal,
    a timeout or a non-200 answer.
    """
    try:
        parts = urlsplit(location)
        port = parts.port or 80  # ValueError for a port past 65535 or not a number
    except ValueError as exc:
        raise ProbeError(f"LOCATION {location[:120]!r} is not a usable URL: {exc}") from None
    if parts.scheme != "http" or not parts.hostname or _same(parts.hostname, address) is False:
        raise ProbeError(f"LOCATION {location[:120]!r} is not plain HTTP on {address}")
    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    limit = FETCH_LIMIT * timeout  # the timeout bounds each read; a device dripping its answer meets this one
    with Guard(time.monotonic() + limit, f"no complete answer within {limit:g} s") as guard:
        try:
            connection.connect()
            guard.adopt(connection.sock)
            connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
            ack_at_once(connection.sock)
            response = connection.getresponse()
            body = response.read(MAX_DESCRIPTION + 1)
        except (OSError, http.client.HTTPException) as exc:
            raise ProbeError(f"cannot read {location[:120]}: {guard.reason if guard.expired else exc}") from None
        finally:
            connection.close()
    if guard.expired:
        raise ProbeError(f"cannot read {location[:120]}: {guard.reason}")
    if response.status != 200:
        raise ProbeError(f"{location[:120]} answered {response.status}")
    return body


class SsdpMethod:
    """One scan's M-SEARCHes (root devices and everything)."""

    name = METHOD
    group = GROUP
    port = PORT
    broadcast = False

    def messages(self) -> tuple[bytes, ...]:
        return tuple(build_search(target) for target in SEARCH_TARGETS)

    def read(self, data: bytes, source: str) -> tuple[Found, ...]:
        reply = parse_search_response(data)
        facts = (("location", reply.location), ("server", reply.server), ("usn", reply.usn))
        key = reply.usn.partition("::")[0] or reply.location
        return (Found(METHOD, source, key, tuple((k, v) for k, v in facts if v)),)

    def followups(self, found: Found) -> tuple[bytes, ...]:
        return ()


def _headers(block: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.splitlines()[:64]:
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers.setdefault(name.strip().lower(), _clean(value))
    return headers


def _same(host: str, address: str) -> bool:
    try:
        return ip_address(host) == ip_address(address)
    except ValueError:
        return False  # a host name: never resolved (DNS would leave the premises)


def _clean(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isprintable()).strip()[:MAX_FIELD].strip()


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
