"""WS-Discovery (2005/04, as ONVIF uses it) answered unicast: a Probe in, a ProbeMatches back to its sender."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - element type only
from dataclasses import dataclass
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from scanner.errors import ParseError
from scanner.lab.soap import SOAP12, find, find_text
from scanner.lab.xmlgen import NS, document, el

DISCOVERY = NS["d"]
PROBE_ACTION = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"
MATCHES_ACTION = "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
TYPES = "dn:NetworkVideoTransmitter tds:Device"
ANSWERED_TYPES = {"NetworkVideoTransmitter", "Device"}
MAX_DATAGRAM = 16 * 1024  # a Probe is well under 1 KiB
# Place-holders in a device's kept answer (no persona's text holds them)
_MESSAGE_ID, _RELATES_TO, _NUMBER = "lab-message-id@@", "lab-relates-to@@", "lab-number@@"


def _escaped(text: str) -> bytes:
    """`text` as lxml writes it in an element's text: &, < and > as entities, a carriage return as &#13;."""
    return escape(text, {"\r": "&#13;"}).encode()


@dataclass(frozen=True)
class Probe:
    """What a Probe asks for: its MessageID, the local names of its Types, and its Scopes."""

    message_id: str
    types: tuple[str, ...]
    scopes: tuple[str, ...]


def parse_probe(data: bytes) -> Probe:
    """Bytes of a datagram -> Probe; ParseError for anything that is not a WS-Discovery 2005/04 Probe."""
    if len(data) > MAX_DATAGRAM:
        raise ParseError("datagram too large")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    header, body = root.find(f"{{{SOAP12}}}Header"), root.find(f"{{{SOAP12}}}Body")
    if root.tag != f"{{{SOAP12}}}Envelope" or body is None:
        raise ParseError("not a SOAP 1.2 envelope")
    probe = body.find(f"{{{DISCOVERY}}}Probe")
    message_id = find_text(header, "MessageID")
    if probe is None or find_text(header, "Action") != PROBE_ACTION or not message_id:
        raise ParseError("not a WS-Discovery Probe")
    types = tuple(t.rsplit(":", 1)[-1] for t in find_text(probe, "Types").split())
    scopes_node = find(probe, "Scopes")
    if scopes_node is not None and scopes_node.get("MatchBy", "").rsplit("/", 1)[-1] not in ("", "rfc3986"):
        raise ParseError("unsupported scope matching rule")
    scopes = tuple((scopes_node.text or "").split()) if scopes_node is not None else ()
    return Probe(message_id, types, scopes)


def _scope_matches(wanted: str, offered: str) -> bool:
    """RFC 3986 rule of WS-Discovery: `wanted` equals `offered` or is a prefix of it on a segment boundary."""
    return offered == wanted or offered.startswith(wanted.rstrip("/") + "/")


def answers(probe: Probe, scopes: tuple[str, ...]) -> bool:
    if probe.types and not ANSWERED_TYPES & set(probe.types):
        return False
    return all(any(_scope_matches(w, s) for s in scopes) for w in probe.scopes)


class WsdResponder(asyncio.DatagramProtocol):
    """A device's UDP 3702 socket: replies to matching Probes, ignores everything else."""

    def __init__(self, endpoint: str, scopes: tuple[str, ...], xaddr: str) -> None:
        self.endpoint, self.scopes, self.xaddr = endpoint, scopes, xaddr
        self.instance = int(time.time())
        self.numbers = itertools.count(1)
        self.transport: asyncio.DatagramTransport | None = None
        self._template: bytes | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            probe = parse_probe(data)
        except ParseError:
            return  # malformed or foreign traffic: a camera stays silent
        if self.transport is not None and answers(probe, self.scopes):
            self.transport.sendto(self.probe_matches(probe), addr)

    def probe_matches(self, probe: Probe) -> bytes:
        """The ProbeMatches answer. Only its MessageID, RelatesTo and MessageNumber change from one Probe to the
        next: the rest is built once per device and kept (a lab of a thousand devices answers two Probes each)."""
        if self._template is None:
            self._template = self.built(_MESSAGE_ID, _RELATES_TO, _NUMBER)
        return (  # the Probe's own id last: whatever it holds is never read as a place-holder
            self._template.replace(_MESSAGE_ID.encode(), f"uuid:{uuid.uuid4()}".encode())
            .replace(_NUMBER.encode(), str(next(self.numbers)).encode())
            .replace(_RELATES_TO.encode(), _escaped(probe.message_id))
        )

    def built(self, message_id: str, relates_to: str, number: int | str) -> bytes:
        """The whole answer built element by element (what `probe_matches` keeps and fills in)."""
        header = el(
            "env:Header",
            el("wsadis:MessageID", message_id),
            el("wsadis:RelatesTo", relates_to),
            el("wsadis:To", ANONYMOUS),
            el("wsadis:Action", MATCHES_ACTION),
            el("d:AppSequence", {"InstanceId": self.instance, "MessageNumber": number}),
        )
        body = el("env:Body", el("d:ProbeMatches", *self.matches()))
        return document("env:Envelope", ("env", "wsadis", "d", "dn", "tds"), header, body)

    def matches(self) -> list[etree._Element]:
        """The ProbeMatch elements of the answer: this device's one endpoint."""
        return [
            el(
                "d:ProbeMatch",
                el("wsadis:EndpointReference", el("wsadis:Address", self.endpoint)),
                el("d:Types", TYPES),
                el("d:Scopes", " ".join(self.scopes)),
                el("d:XAddrs", self.xaddr),
                el("d:MetadataVersion", 10),
            )
        ]
