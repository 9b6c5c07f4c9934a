"""One ONVIF call and what it came to: the call records, and the classification of an answer (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.errors import ParseError, ProbeError
from scanner.model import AUTH_REQUIRED, FAILED, NOT_SUPPORTED, OK
from scanner.net.urls import printable
from scanner.net.xmlsafe import Element, parse_xml
from scanner.probes import onvif_xml as ox
from scanner.vocabulary import ABSENT_STATUSES, Outcome


@dataclass(frozen=True)
class Call:
    """One ONVIF operation: which service binding, which probe id it records as, its parameters."""

    kind: str  # device | media | rules | modules | events
    probe: str
    operation: str
    params: dict[str, Any] | None = None
    label: str = ""  # the parameters as shown in the request line

    def line(self, url: str) -> str:
        return printable(f"{self.operation}({self.label}) {url}", 400)


@dataclass(frozen=True)
class RawCall:
    """An operation onvif-zeep's old WSDLs lack, sent as a minimal SOAP 1.2 request built with lxml.

    `addressed` adds WS-Addressing (Action, To and the subscription's reference parameters), which event
    subscriptions need.
    """

    probe: str
    namespace: str
    operation: str
    fields: tuple[tuple[str, str], ...] = ()
    label: str = ""
    addressed: bool = False
    headers: tuple[Element, ...] = ()

    def line(self, url: str) -> str:
        return printable(f"{self.operation}({self.label}) {url}", 400)


@dataclass(frozen=True)
class Exchange:
    """The last HTTP answer a transport received, kept raw: it is the observation's evidence."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def classify(
    error: BaseException | None,
    exchange: Exchange | None,
    operation: str,
    authed: bool,
    expected: tuple[type[BaseException], ...],
) -> tuple[Outcome, str, Any]:
    """(outcome, detail, parsed body or None) for one call, from zeep's verdict and the raw answer.

    `expected` are the errors a device can cause; any other, with nothing sent, is a bug on our side."""
    if exchange is None:
        if error is None or not isinstance(error, expected):
            raise error or ProbeError("no exchange recorded")  # nothing was sent: a bug on our side
        return FAILED, network_detail(error), None
    unreadable = ""
    try:
        root: Element | None = parse_xml(exchange.body)
    except ParseError as exc:
        root, unreadable = None, f" ({exc})"  # e.g. a DOCTYPE: said in the detail, so the report names it
    if error is None and root is not None and ox.is_response_to(root, operation):
        return OK, "", root
    if error is None:  # zeep, not strict, recovers from anything: garbage must not count as an answer
        error = ProbeError(f"unusable answer: HTTP {exchange.status}, not a {operation} response{unreadable}")
    kind = ox.fault_kind(root) if root is not None else None
    summary = f" ({ox.fault_summary(root)})" if kind and root is not None else ""
    if kind == "auth" or exchange.status in (401, 403):
        said = "the device refused the supplied login" if authed else "login required; no credentials were sent"
        return AUTH_REQUIRED, said + summary, root
    if kind == "unsupported":  # ONVIF's own word (ter:ActionNotSupported...): the device lacks the operation
        return Outcome.ABSENT, f"the device does not offer {operation}{summary}", root
    if kind is None and exchange.status in ABSENT_STATUSES:  # HTTP only: maybe just not at this address
        return NOT_SUPPORTED, f"the device does not offer {operation} (HTTP {exchange.status})", root
    if kind == "other":
        return FAILED, f"the device answered with a SOAP fault{summary}", root
    if kind is None and exchange.status == 200 and root is not None and ox.is_response_to(root, operation):
        return OK, "the answer does not follow the WSDL; facts were read from the raw XML", root
    if isinstance(error, ProbeError):
        return FAILED, str(error), root
    return FAILED, f"unusable answer: HTTP {exchange.status}{summary}{unreadable}", root


def network_detail(error: BaseException) -> str:
    name = type(error).__name__
    if "Timeout" in name or "Read timed out" in str(error):  # a body's read timeout comes wrapped
        return "no answer in time"
    if isinstance(error, ProbeError):
        return str(error)
    if isinstance(error, OSError) or "Connection" in name:
        return "connection failed (refused, reset or unreachable)"
    return f"unusable answer ({name})"


def not_a_response(exchange: Exchange | None, operation: str) -> ProbeError | None:
    """None when a raw answer is `<operation>Response` with HTTP 200, else the error classify weighs."""
    if exchange is None:
        return ProbeError("no answer recorded")
    try:
        root = parse_xml(exchange.body)
    except ParseError:
        return ProbeError(f"unusable answer: HTTP {exchange.status}, not XML")
    if exchange.status == 200 and ox.is_response_to(root, operation):
        return None
    return ProbeError(f"unusable answer: HTTP {exchange.status}")
