"""WS-Discovery messages (pure): the Probe built with lxml, ProbeMatches parsed leniently and safely, scopes read."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405  # only for the Element type and its ParseError
from collections.abc import Iterable, Iterator
from typing import TypedDict
from urllib.parse import unquote

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from scanner.errors import ParseError
from scanner.model import WsdReply
from scanner.net.text import plain

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
TYPE_NAMESPACES = {  # the prefixes a Types value may use, declared on the Types element itself
    "dn": "http://www.onvif.org/ver10/network/wsdl",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
}
PROBE_ACTION = f"{WSD}/Probe"
DISCOVERY_TO = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
ANONYMOUS = f"{WSA}/role/anonymous"

MAX_DATAGRAM = 64 * 1024  # the largest UDP payload there is
MAX_MATCHES = 16  # ProbeMatch elements read from one message
MAX_ITEMS = 64  # Types, Scopes or XAddrs items kept per match
MAX_ITEM_CHARS = 1024  # longer items (and endpoint references) are dropped, not cut: a cut URL is wrong
ONVIF_SCOPE = "onvif://www.onvif.org/"


def build_probe(message_id: str, types: str = "dn:NetworkVideoTransmitter") -> bytes:
    """A SOAP 1.2 WS-Discovery Probe; types="" probes for any type (an empty Types element)."""
    envelope = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"s": SOAP12, "a": WSA})
    header = etree.SubElement(envelope, f"{{{SOAP12}}}Header")
    _wsa(header, "MessageID", message_id)
    _wsa(etree.SubElement(header, f"{{{WSA}}}ReplyTo"), "Address", ANONYMOUS)
    _wsa(header, "To", DISCOVERY_TO, must_understand=True)
    _wsa(header, "Action", PROBE_ACTION, must_understand=True)
    probe = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP12}}}Body"), f"{{{WSD}}}Probe", nsmap={"d": WSD})
    # Some cameras ignore a Probe whose type prefix is declared only on the Envelope (openhab-addons#9022).
    type_names = types.split()
    nsmap = {prefix: TYPE_NAMESPACES[prefix] for prefix in _prefixes(type_names)}
    etree.SubElement(probe, f"{{{WSD}}}Types", nsmap=nsmap).text = " ".join(type_names) or None
    # lxml writes its declaration with single quotes; write the usual one, as every ONVIF client does.
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(envelope, encoding="UTF-8")


def parse_probe_matches(data: bytes, sender: str) -> tuple[WsdReply, ...]:
    """The ProbeMatch entries of a reply from `sender`; also those placed directly in Body (ipycam)."""
    return probe_matches_of(parse_envelope(data), sender)


def probe_matches_of(envelope: ET.Element, sender: str) -> tuple[WsdReply, ...]:
    """As parse_probe_matches, on an already parsed envelope."""
    body = _child(envelope, "Body")
    if body is None:
        return ()
    matches: list[ET.Element] = []
    for element in body:
        if _local(element.tag) == "ProbeMatches":
            matches.extend(m for m in element if _local(m.tag) == "ProbeMatch")
        elif _local(element.tag) == "ProbeMatch":
            matches.append(element)
    return tuple(_reply(match, sender) for match in matches[:MAX_MATCHES])


def relates_to(data: bytes) -> str | None:
    """The message's wsa:RelatesTo (the MessageID it answers), or None."""
    return relates_to_of(parse_envelope(data))


def relates_to_of(envelope: ET.Element) -> str | None:
    """As relates_to, on an already parsed envelope."""
    header = _child(envelope, "Header")
    value = _text(_child(header, "RelatesTo")) if header is not None else ""
    return value or None


def parse_envelope(data: bytes) -> ET.Element:
    """The SOAP Envelope element; ParseError for oversized input, non-XML, DTDs and entities, or no Envelope."""
    if len(data) > MAX_DATAGRAM:
        raise ParseError(f"WS-Discovery message of {len(data)} bytes is larger than {MAX_DATAGRAM}")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, LookupError, ValueError) as exc:  # LookupError: bad encoding=
        raise ParseError(f"WS-Discovery message is not usable XML: {exc}") from None
    if _local(root.tag) != "Envelope":
        raise ParseError(f"WS-Discovery message is not a SOAP envelope (root element {_local(root.tag)!r})")
    return root


class ScopesInfo(TypedDict):
    """What a device's ONVIF scopes say about it; each a claim the owner can configure, not a proof."""

    name: str | None
    hardware: str | None  # usually the model
    mac: str | None
    profiles: tuple[str, ...]  # e.g. ("Streaming", "M"): Profile S and the analytics Profile M


def scopes_info(scopes: Iterable[str]) -> ScopesInfo:
    """name, hardware, mac (the first of each) and profiles from onvif://www.onvif.org/... scopes, URL-decoded."""
    first: dict[str, str] = {}
    profiles: list[str] = []
    for category, value in _onvif_scopes(scopes):
        if category == "profile":
            profiles.append(value)
        else:
            first.setdefault(category, value)
    return ScopesInfo(
        name=first.get("name"),
        hardware=first.get("hardware"),
        mac=first.get("mac"),
        profiles=tuple(dict.fromkeys(profiles)),
    )


def _onvif_scopes(scopes: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(category in lower case, decoded value) for each onvif://www.onvif.org/<category>/<value> scope."""
    for scope in scopes:
        if not scope.lower().startswith(ONVIF_SCOPE):
            continue
        category, _, value = scope[len(ONVIF_SCOPE) :].partition("/")
        value = plain(unquote(value))  # `%1b` decodes to ESC: control characters go after decoding
        if value:
            yield category.lower(), value


def _reply(match: ET.Element, sender: str) -> WsdReply:
    epr = _text(_child(_child(match, "EndpointReference"), "Address"))
    return WsdReply(
        address=sender,
        epr=epr if len(epr) <= MAX_ITEM_CHARS else "",
        types=_items(_child(match, "Types")),
        scopes=_items(_child(match, "Scopes")),
        xaddrs=_items(_child(match, "XAddrs")),
    )


def _items(element: ET.Element | None) -> tuple[str, ...]:
    words = (w for w in _text(element).split() if len(w) <= MAX_ITEM_CHARS)
    return tuple(dict.fromkeys(words))[:MAX_ITEMS]


def _wsa(parent: etree._Element, name: str, text: str, must_understand: bool = False) -> None:
    element = etree.SubElement(parent, f"{{{WSA}}}{name}")
    element.text = text
    if must_understand:
        element.set(f"{{{SOAP12}}}mustUnderstand", "true")


def _prefixes(type_names: list[str]) -> list[str]:
    prefixes = []
    for name in type_names:
        prefix, colon, local = name.partition(":")
        if not colon or not local or prefix not in TYPE_NAMESPACES:
            raise ValueError(f"probe type {name!r} must be one of dn:..., tds:...")
        prefixes.append(prefix)
    return prefixes


def _child(element: ET.Element | None, local: str) -> ET.Element | None:
    """The first child with that local name, in any namespace (devices disagree on prefixes and namespaces)."""
    if element is None:
        return None
    return next((child for child in element if _local(child.tag) == local), None)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""  # comments and PIs have non-str tags


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""
