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

Field = ox.Field  # one element of a request: (namespace, local name, text or child elements)

# The SOAP actions the WSDLs give, where they are not `<service namespace>/<operation>` (onvif/specs wsdl/ver10/
# events/wsdl/event.wsdl and the OASIS WS-BaseNotification binding).
_ACTIONS = {
    "GetEventProperties": f"{ox.NS_EVENTS}/EventPortType/GetEventPropertiesRequest",
    "CreatePullPointSubscription": f"{ox.NS_EVENTS}/EventPortType/CreatePullPointSubscriptionRequest",
    "PullMessages": f"{ox.NS_EVENTS}/PullPointSubscription/PullMessagesRequest",
    "Unsubscribe": "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest",
}


@dataclass(frozen=True)
class Call:
    """One ONVIF operation as a small SOAP 1.2 request: the service's namespace, the probe id it records as, its
    parameters as elements. `addressed` adds WS-Addressing (Action, To and a subscription's reference parameters),
    which event subscriptions need."""

    probe: str
    namespace: str
    operation: str
    fields: tuple[Field, ...] = ()
    label: str = ""  # the parameters as shown in the request line
    addressed: bool = False
    headers: tuple[Element, ...] = ()

    def line(self, url: str) -> str:
        return printable(f"{self.operation}({self.label}) {url}", 400)

    @property
    def action(self) -> str:
        return _ACTIONS.get(self.operation, f"{self.namespace}/{self.operation}")


def field(namespace: str, name: str, value: str | tuple[Field, ...]) -> Field:
    return (namespace, name, value)


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
    """(outcome, detail, parsed body or None) for one call, from what went wrong (None: nothing) and the raw answer.

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
    if error is None:  # garbage must not count as an answer
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
