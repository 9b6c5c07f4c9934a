"""ONVIF over the device's HTTP client: each operation a small SOAP 1.2 request built with lxml (no SOAP client
library: the envelope, a WS-UsernameToken and the action are all a query needs), its answer classified and turned
into an Observation."""

from __future__ import annotations

import copy
import secrets
from datetime import UTC, datetime, timedelta

from lxml import etree

from scanner.errors import ParseError, ProbeError
from scanner.model import FAILED, OK, Credential, Observation, Sent, utc_now
from scanner.net.pace import cause_of
from scanner.net.redact import scrub
from scanner.net.xmlsafe import Element
from scanner.probes import onvif_xml as ox
from scanner.probes.http import NETWORK_ERRORS, HttpClient, Reply
from scanner.probes.onvif_calls import Call, Exchange, classify

EXPECTED: tuple[type[BaseException], ...] = (ProbeError, ParseError, *NETWORK_ERRORS)


class Caller:
    """Sends ONVIF operations to one device through its HTTP client (same host, cap, pace, connections) and
    turns whatever happened into an Observation. With a login, HTTP Digest and a WS-UsernameToken ride along
    (ONVIF Core: devices must accept Digest); the token's time follows the device's clock once it is known."""

    def __init__(self, client: HttpClient, credential: Credential | None) -> None:
        self.client, self.credential = client, credential
        self.has_login = credential is not None
        self.clock_offset = timedelta(0)

    def set_clock_offset(self, offset: timedelta) -> None:
        self.clock_offset = offset

    def call(self, call: Call, url: str, authed: bool) -> tuple[Observation, Element | None]:
        """One operation, with the login when `authed` (and there is one), never raising for device faults."""
        credential = self.credential if authed else None
        envelope = ox.soap_request(
            etree.QName(call.namespace, call.operation), call.fields, to=url if call.addressed else "",
            action=call.action, headers=call.headers,
        )  # fmt: skip
        body = ox.soap_body(envelope)  # the Body as recorded: before the token joins the Header
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{call.action}"'}
        at = utc_now()
        exchange: Exchange | None = None
        error: BaseException | None = None
        login, realm = "", ""

        def post() -> tuple[Reply, str, str]:  # each request signed as it goes out: a fresh nonce and time
            return self.client.post(url, lambda: self._signed(envelope, credential), headers, credential)

        try:
            reply, login, realm = self.client.once_more(post)
            exchange = Exchange(reply.status, reply.headers, reply.body)
            error = _too_large(reply.truncated, len(reply.body)) or _not_ok(reply.status)
        except EXPECTED as exc:
            error = exc
        if credential is not None and not login:
            login = "wsse"  # the request carried only its UsernameToken: no HTTP challenge was answered
        sent = Sent("onvif", "POST", url, call.operation, body, login, realm)
        return self._record(call, url, at, error, exchange, credential is not None, sent)

    def _signed(self, envelope: Element, credential: Credential | None) -> bytes:
        """The request as sent: with the login, a WS-UsernameToken (password digest) in a copy's Header."""
        if credential is None:
            return etree.tostring(envelope)
        envelope = copy.deepcopy(envelope)
        created = datetime.now(UTC) + self.clock_offset
        ox.add_username_token(envelope, credential.username, credential.password, created, secrets.token_bytes(16))
        return etree.tostring(envelope)

    def _record(
        self,
        call: Call,
        url: str,
        at: str,
        error: BaseException | None,
        exchange: Exchange | None,
        authed: bool,
        sent: Sent,
    ) -> tuple[Observation, Element | None]:
        outcome, detail, root = classify(error, exchange, call.operation, authed, EXPECTED)
        values = ox.values_for(call.probe, root) if outcome == OK and root is not None else ()
        answer = exchange or Exchange(0, (), b"")
        body = answer.body
        if call.probe == "onvif.events.pull" and root is not None and ox.withhold_personal(root):
            body = etree.tostring(root)  # images and enrolment ids never enter the evidence
            detail = "personal data in the events (images, enrolment ids, labels) was withheld before recording"
        obs = Observation(
            probe=call.probe,
            request=call.line(url),
            outcome=outcome,
            status=answer.status or None,
            headers=answer.headers,
            body=body,
            at=at,
            detail=detail,
            values=values,
            stopped=cause_of(error) if error is not None and outcome == FAILED else None,
            sent=sent,
        )
        return scrub(obs, self.credential), root if outcome == OK else None


def _not_ok(status: int) -> ProbeError | None:
    """A SOAP answer is a success only with a 2xx status (a fault, or a body that is no answer, is read by
    `classify` either way)."""
    return None if 200 <= status < 300 else ProbeError(f"unusable answer: HTTP {status}")


def _too_large(truncated: bool, size: int) -> ProbeError | None:
    if not truncated:
        return None
    cap = f"{size >> 20} MiB" if size >= 1 << 20 else f"{size} bytes"  # the cap: 1 MiB, less once a device sent a lot
    return ProbeError(f"the SOAP answer is larger than {cap}")
