"""SOAP for the emulated ONVIF services: safe request parsing, WS-Security token extraction, envelopes and faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only element types; parsing goes through defusedxml
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from scanner.errors import ParseError
from scanner.lab.xmlgen import NS, document, el

SOAP12 = NS["env"]
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
MAX_SOAP = 256 * 1024  # no ONVIF request a scanner sends comes near this
# Prefixes every answer declares on its Envelope, as ONVIF firmwares do (QName values such as
# Name="tt:FaceRecognition" and topic paths need them in scope).
PREFIXES = (
    "env", "xs", "xsi", "tt", "tds", "trt", "tev", "tan", "ter", "wsnt", "wstop", "tns1", "tnshik", "tnssamsung", "wsa",
)  # fmt: skip


@dataclass(frozen=True)
class UsernameToken:
    """A WS-Security UsernameToken as received. The password field is the digest or text, never shown."""

    username: str
    password: str = field(repr=False)
    digest: bool = True
    nonce: str = ""
    created: str = ""


@dataclass(frozen=True)
class SoapRequest:
    """The parts of a SOAP request a device acts on."""

    version: str  # "1.2" or "1.1"
    operation: str  # Clark name of the Body's first child, e.g. {http://www.onvif.org/ver10/device/wsdl}GetScopes
    body: ET.Element
    token: UsernameToken | None


class SoapFault(Exception):
    """An ONVIF fault to send back: SOAP code, ter: subcodes, reason, HTTP status."""

    def __init__(self, code: str, subcodes: tuple[str, ...], reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.code, self.subcodes, self.reason, self.status = code, subcodes, reason, status


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def find(parent: ET.Element | None, name: str) -> ET.Element | None:
    """First descendant (or self) whose local name is `name`."""
    if parent is None:
        return None
    return next((e for e in parent.iter() if local(e.tag) == name), None)


def find_text(parent: ET.Element | None, name: str) -> str:
    node = find(parent, name)
    return (node.text or "").strip() if node is not None else ""


def parse_request(data: bytes) -> SoapRequest:
    """Bytes of a SOAP request -> SoapRequest; ParseError on anything else (no DTDs, no entities)."""
    if len(data) > MAX_SOAP:
        raise ParseError("SOAP request too large")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    if root.tag not in (f"{{{SOAP12}}}Envelope", f"{{{SOAP11}}}Envelope"):
        raise ParseError("not a SOAP Envelope")
    env_ns = root.tag[1:].split("}", 1)[0]
    body = root.find(f"{{{env_ns}}}Body")
    if body is None or len(body) == 0:
        raise ParseError("SOAP Body missing or empty")
    header = root.find(f"{{{env_ns}}}Header")
    return SoapRequest("1.2" if env_ns == SOAP12 else "1.1", body[0].tag, body[0], _token(header))


def _token(header: ET.Element | None) -> UsernameToken | None:
    token = find(header, "UsernameToken")
    if token is None:
        return None
    password = find(token, "Password")
    kind = password.get("Type", "") if password is not None else ""
    return UsernameToken(
        username=find_text(token, "Username"),
        password=(password.text or "").strip() if password is not None else "",
        digest=kind.endswith("#PasswordDigest"),
        nonce=find_text(token, "Nonce"),
        created=find_text(token, "Created"),
    )


def envelope(payload: etree._Element) -> bytes:
    """A SOAP 1.2 response envelope around one Body child."""
    return document("env:Envelope", PREFIXES, el("env:Body", payload))


def fault_envelope(fault: SoapFault) -> bytes:
    """The SOAP 1.2 Fault ONVIF devices send (Core spec 'SOAP fault processing')."""
    subcode = None
    for value in reversed(fault.subcodes):
        subcode = el("env:Subcode", el("env:Value", value), subcode)
    body = el(
        "env:Fault",
        el("env:Code", el("env:Value", fault.code), subcode),
        el("env:Reason", el("env:Text", {"xml:lang": "en"}, fault.reason)),
    )
    return envelope(body)


def not_authorized() -> SoapFault:
    return SoapFault("env:Sender", ("ter:NotAuthorized",), "Sender not Authorized", 400)


def action_not_supported() -> SoapFault:
    return SoapFault("env:Receiver", ("ter:ActionNotSupported",), "Optional Action Not Implemented", 500)


def invalid_arg(subcode: str, reason: str) -> SoapFault:
    return SoapFault("env:Sender", ("ter:InvalidArgVal", subcode), reason, 400)
