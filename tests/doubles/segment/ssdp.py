"""SSDP answered on UDP 1900 (M-SEARCH in, a unicast 200 OK back) and the UPnP description it points to."""

from __future__ import annotations

import asyncio
import email.utils
import random
from collections.abc import Callable

from lxml import etree

from scanner.lab.httpd import Request, Response
from scanner.lab.personas import Persona

PORT = 1900
MAX_DATAGRAM = 4096
SERVER = "Linux/4.9.206-axis8, UPnP/1.0, Portable SDK for UPnP devices/1.8.4"
DESCRIPTION_PATH = "/rootdesc1.xml"
UPNP_NS = "urn:schemas-upnp-org:device-1-0"


def search_target(data: bytes) -> tuple[str, float] | None:
    """(ST, MX seconds) of an M-SEARCH, or None for NOTIFY, responses and garbage."""
    if len(data) > MAX_DATAGRAM:
        return None
    lines = data.decode("utf-8", errors="replace").split("\r\n")
    if not lines[0].upper().startswith("M-SEARCH * HTTP/1.1"):
        return None
    headers = {k.strip().lower(): v.strip() for k, sep, v in (line.partition(":") for line in lines[1:]) if sep}
    if headers.get("man", "").strip('"') != "ssdp:discover":
        return None
    try:
        mx = min(max(float(headers.get("mx", "1")), 0.0), 5.0)
    except ValueError:
        mx = 1.0
    return headers.get("st", ""), mx


def udn(persona: Persona) -> str:
    return f"uuid:Upnp-BasicDevice-1_0-{persona.serial}"


def response(persona: Persona, location: str, target: str) -> bytes:
    """The search response; the USN is the device UDN, followed by the target it answers to."""
    usn = udn(persona) if target == udn(persona) else f"{udn(persona)}::{target}"
    lines = [
        "HTTP/1.1 200 OK",
        "CACHE-CONTROL: max-age=1800",
        f"DATE: {email.utils.formatdate(usegmt=True)}",
        "EXT:",
        f"LOCATION: {location}",
        f"SERVER: {SERVER}",
        f"ST: {target}",
        f"USN: {usn}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def description(persona: Persona, address: str) -> bytes:
    """The root device description, as Axis firmware writes it."""
    root = etree.Element(f"{{{UPNP_NS}}}root", nsmap={None: UPNP_NS})
    spec = etree.SubElement(root, f"{{{UPNP_NS}}}specVersion")
    for name, value in (("major", "1"), ("minor", "0")):
        etree.SubElement(spec, f"{{{UPNP_NS}}}{name}").text = value
    device = etree.SubElement(root, f"{{{UPNP_NS}}}device")
    fields = {
        "deviceType": "urn:axis-com:device:Basic:1",
        "friendlyName": persona.device_name,
        "manufacturer": persona.manufacturer,
        "manufacturerURL": "http://www.axis.com/",
        "modelDescription": f"{persona.manufacturer} {persona.model} Network Camera",
        "modelName": f"{persona.manufacturer} {persona.model}",
        "modelNumber": persona.model,
        "serialNumber": persona.serial,
        "UDN": udn(persona),
        "presentationURL": f"http://{address}:80/",
    }
    for name, value in fields.items():
        etree.SubElement(device, f"{{{UPNP_NS}}}{name}").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def description_handler(persona: Persona, address: str) -> Callable[[Request], Response]:
    """An httpd handler serving the description (404 elsewhere)."""
    body = description(persona, address)

    def handle(request: Request) -> Response:
        if request.method == "GET" and request.path == DESCRIPTION_PATH:
            return Response(200, body, 'text/xml; charset="utf-8"')
        return Response(404, b"404 Not Found\r\n", "text/plain")

    return handle


class SsdpResponder(asyncio.DatagramProtocol):
    """A device's UDP 1900 socket: answers M-SEARCH for ssdp:all, upnp:rootdevice or its UDN after a short delay."""

    def __init__(self, persona: Persona, address: str, upnp_port: int, rng: random.Random) -> None:
        self.persona, self.rng = persona, rng
        self.location = f"http://{address}:{upnp_port}{DESCRIPTION_PATH}"
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        found = search_target(data)
        if found is None or self.transport is None:
            return
        target, mx = found
        answers = {
            "ssdp:all": "upnp:rootdevice",
            "upnp:rootdevice": "upnp:rootdevice",
            udn(self.persona): udn(self.persona),
        }
        if target in answers:
            # UPnP: wait a random time up to MX before answering, so a segment's devices do not answer at once.
            reply = response(self.persona, self.location, answers[target])
            asyncio.get_running_loop().call_later(self.rng.uniform(0, min(mx, 1.0) / 4), self._send, reply, addr)

    def _send(self, reply: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(reply, addr)
