"""A recorded device's web server (HTTP and ONVIF SOAP on one port), for the lab's HTTP server (scanner/lab/httpd).

ONVIF requests are matched by operation and path, else by operation alone (a device may be asked at another of its
service addresses), the recorded SOAP body breaking ties (two GetStreamUri for two profiles); other requests by
method, path, query and body. A request the recording lacks gets 404: the replay never makes up an answer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - element types only; parsing goes through defusedxml
from collections.abc import Sequence

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from scanner.errors import ParseError
from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.soap import SoapRequest, fault_envelope, local, not_authorized, parse_request
from scanner.replay.matching import AskLogin, Served, same_body, same_target
from scanner.replay.pointing import Pointer
from scanner.replay.records import Exchange

SOAP_TYPE = "application/soap+xml; charset=utf-8"
# Headers of the recorded answer the server writes itself (a recorded Content-Length may not fit the body any more:
# an answer re-pointed at the replay address, a serial masked by hand in a corpus answer).
OWN_HEADERS = frozenset({"content-length", "connection", "keep-alive", "transfer-encoding", "content-encoding"})
NOT_RECORDED = b"<html><head><title>404 Not Found</title></head><body>Not in this recording</body></html>\n"


class ReplaySite:
    """Answers one port's requests from the exchanges recorded on it."""

    def __init__(self, exchanges: Sequence[Exchange], pointer: Pointer) -> None:
        self.exchanges = tuple(exchanges)
        self.pointer = pointer
        self.served = Served()
        self._auth: dict[tuple[str, str], Authenticator] = {}

    def handle(self, request: Request) -> Response:
        soap = _soap(request)
        candidates = self._onvif(request, soap) if soap is not None else []
        if not candidates:
            candidates = self._http(request)
        if not candidates:
            return Response(404, NOT_RECORDED, "text/html")
        chosen = self.served.choose(candidates, lambda e: _proves(e, request, soap))
        if isinstance(chosen, AskLogin):
            return self._ask(chosen.exchange)
        return answer(chosen, self.pointer)

    def _http(self, request: Request) -> list[tuple[int, Exchange]]:
        return [
            (i, e)
            for i, e in enumerate(self.exchanges)
            if e.protocol != "onvif"
            and e.method == request.method
            and same_target(e, request.path, request.query)
            and same_body(e.body, request.body)
        ]

    def _onvif(self, request: Request, soap: SoapRequest) -> list[tuple[int, Exchange]]:
        operation = local(soap.operation)
        named = [(i, e) for i, e in enumerate(self.exchanges) if e.protocol == "onvif" and e.action == operation]
        here = [(i, e) for i, e in named if same_target(e, request.path, request.query)] or named
        asked = _signature(soap.body)
        same = [(i, e) for i, e in here if e.body and _recorded_signature(e.body) == asked]
        return same or here

    def _ask(self, exchange: Exchange) -> Response:
        """The challenge the original request met: HTTP Basic or Digest in its realm, or a WS-Security refusal."""
        if exchange.login == "wsse":
            return Response(400, fault_envelope(not_authorized()), SOAP_TYPE)
        key = (exchange.login, exchange.realm)
        if key not in self._auth:  # any login passes: the authenticator only words the challenge
            self._auth[key] = Authenticator(exchange.realm, "", "", schemes=(exchange.login,))
        challenges = tuple(("WWW-Authenticate", c) for c in self._auth[key].challenges())
        return Response(401, b"401 Unauthorized\r\n", "text/plain", challenges)


def answer(exchange: Exchange, pointer: Pointer) -> Response:
    """The recorded answer, its URLs pointed at the replay device; 500 when the device gave no usable answer."""
    if exchange.status is None:
        return Response(500, b"", None)
    content_type = next((v for k, v in exchange.headers if k.lower() == "content-type"), None)
    headers = tuple(
        (k, pointer.text(v))
        for k, v in exchange.headers
        if k.lower() not in OWN_HEADERS and k.lower() != "content-type"
    )
    return Response(exchange.status, pointer.body(exchange.answer), content_type, headers)


def _proves(exchange: Exchange, request: Request, soap: SoapRequest | None) -> bool:
    """The request brings a login of the kind the recorded one used (any user, any password)."""
    if request.header("Authorization"):
        return True
    return exchange.login == "wsse" and soap is not None and soap.token is not None


def _soap(request: Request) -> SoapRequest | None:
    if request.method != "POST" or not request.body:
        return None
    try:
        return parse_request(request.body)
    except ParseError:
        return None


def _signature(element: ET.Element) -> tuple[tuple[str, str], ...]:
    """What a SOAP operation element asks, whatever its prefixes: local names and texts in document order."""
    return tuple((local(e.tag), (e.text or "").strip()) for e in element.iter() if isinstance(e.tag, str))


def _recorded_signature(body: bytes) -> tuple[tuple[str, str], ...] | None:
    """The signature of a recorded SOAP Body element's operation (None when it cannot be read)."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError):
        return None
    operation = root[0] if local(root.tag) == "Body" and len(root) else root
    return _signature(operation)
