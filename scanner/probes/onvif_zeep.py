"""The onvif-zeep and zeep adapter, their only importer: the bundled WSDLs parsed once, a transport kept to one
device, and one ONVIF operation sent and turned into an Observation.

onvif-zeep calls logging.basicConfig() when imported, which would make the root logger print every library's
records; it is imported on first use, with the root logger's handlers and level put back at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import zeep
from lxml import etree
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import ExternalReferenceForbidden
from zeep.transports import Transport
from zeep.wsdl import Document

from scanner.errors import ParseError, ProbeError
from scanner.model import FAILED, OK, Credential, Observation, Sent, utc_now
from scanner.net.pace import HostPace, cause_of
from scanner.net.redact import scrub
from scanner.net.urls import same_host
from scanner.net.xmlsafe import Element
from scanner.probes import onvif_xml as ox
from scanner.probes.http import (
    NETWORK_ERRORS,
    USER_AGENT,
    CappedDigestAuth,
    device_session,
    login_used,
    send_capped,
)
from scanner.probes.onvif_calls import Call, Exchange, RawCall, classify, not_a_response

# zeep logs a traceback for every value it cannot convert (a year of `²`); a device's garbage is the observation's
# detail already, and must not spill onto the console. Records still reach the root logger when one is set up.
logging.getLogger("zeep").addHandler(logging.NullHandler())


@cache
def onvif_zeep() -> ModuleType:
    """The `onvif` package (onvif-zeep), imported once, leaving the root logger as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import onvif  # noqa: PLC0415 - imported here to undo its logging.basicConfig()
        import onvif.client  # noqa: PLC0415
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return onvif


def wsdl_dir() -> Path:
    """Where onvif-zeep's setup.py puts its WSDLs."""
    return Path(onvif_zeep().__file__ or "").resolve().parent.parent / "wsdl"


_BINDINGS = {
    "device": ("devicemgmt.wsdl", "{http://www.onvif.org/ver10/device/wsdl}DeviceBinding"),
    "media": ("media.wsdl", "{http://www.onvif.org/ver10/media/wsdl}MediaBinding"),
    "rules": ("analytics.wsdl", "{http://www.onvif.org/ver20/analytics/wsdl}RuleEngineBinding"),
    "modules": ("analytics.wsdl", "{http://www.onvif.org/ver20/analytics/wsdl}AnalyticsEngineBinding"),
    "events": ("events.wsdl", "{http://www.onvif.org/ver10/events/wsdl}EventBinding"),
}
EXPECTED: tuple[type[BaseException], ...] = (ProbeError, ParseError, ZeepError, *NETWORK_ERRORS)
ACTIONS = {
    # The analytics WSDL's soapAction values (onvif/specs wsdl/ver20/analytics/wsdl/analytics.wsdl, bindings of
    # GetRuleOptions and GetSupportedMetadata); it defines no wsaw:Action.
    "GetRuleOptions": "http://www.onvif.org/ver20/analytics/wsdl/GetRuleOptions",
    "GetSupportedMetadata": "http://www.onvif.org/ver20/analytics/wsdl/GetSupportedMetadata",
    "CreatePullPointSubscription": (
        "http://www.onvif.org/ver10/events/wsdl/EventPortType/CreatePullPointSubscriptionRequest"
    ),
    "PullMessages": "http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesRequest",
    "Unsubscribe": "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest",
}


class _DiskOnly(Transport):
    """Loads the bundled WSDLs and their schemas from disk; refuses anything else, and never sends."""

    def load(self, url: str) -> bytes:
        if urlsplit(url).scheme in ("http", "https"):
            raise ExternalReferenceForbidden(url)  # the bundled WSDLs are complete; never fetch schemas
        return super().load(url)

    def get(self, address: str, params: Any, headers: Any) -> Any:
        raise ProbeError("the WSDL loader does not talk to devices")

    def post(self, address: str, message: Any, headers: Any) -> Any:
        raise ProbeError("the WSDL loader does not talk to devices")


def _zeep_settings() -> zeep.Settings:
    return zeep.Settings(strict=False, forbid_dtd=True, forbid_entities=True, forbid_external=True, xml_huge_tree=False)


class WsdlCache:
    """The bundled WSDLs, each parsed once and shared by every device of a scan.

    zeep spends ~50 ms of CPU and megabytes of memory on each parse; a parsed Document is only read
    afterwards (each device gets its own zeep.Client, transport and WS-Security header around it).
    """

    def __init__(self) -> None:
        self.settings = _zeep_settings()
        self._lock = threading.Lock()
        self._documents: dict[str, Document] = {}

    def document(self, wsdl: str) -> Document:
        with self._lock:  # one parse per file, even when many devices ask at once
            found = self._documents.get(wsdl)
            if found is None:
                # zeep annotates `transport` as a class but uses (and needs) an instance.
                loader: Any = _DiskOnly()
                found = self._documents[wsdl] = Document(str(wsdl_dir() / wsdl), loader, settings=self.settings)
            return found


class _Transport(Transport):
    """zeep's transport kept to one device: one host, capped bodies, no redirects, paced; loads nothing."""

    def __init__(self, address: str, timeout: float, session: Any, auth: Any, pace: HostPace) -> None:
        super().__init__(timeout=timeout, operation_timeout=timeout, session=session)
        session.headers["User-Agent"] = USER_AGENT  # zeep sets its own; one name for all camaudit traffic
        self._address, self._timeout, self._auth, self._pace = address, timeout, auth, pace
        self.last: Exchange | None = None
        self.sent = b""  # the last request's SOAP Body element, without the WS-Security header
        self.url = ""  # where it went
        self.login: tuple[str, str] = ("", "")  # the HTTP login the last request answered with, and its realm

    def load(self, url: str) -> bytes:
        raise ExternalReferenceForbidden(url)  # the WsdlCache loaded every document; a device gives none

    def get(self, address: str, params: Any, headers: Any) -> Any:
        raise ProbeError("SOAP over HTTP GET is not used")

    def post(self, address: str, message: Any, headers: Any) -> Any:
        self.last, self.login = None, ("", "")
        self.sent, self.url = ox.soap_body(message), address
        if not same_host(urlsplit(address).hostname, self._address):
            raise ProbeError("refused to contact a host other than the audited address")
        data = message if isinstance(message, bytes) else str(message).encode("utf-8")
        response, truncated = send_capped(
            self.session, "POST", address, self._timeout, data=data, headers=headers, auth=self._auth, pace=self._pace
        )
        raw = tuple((str(k), str(v)) for k, v in response.raw.headers.items())
        self.last = Exchange(response.status_code, raw, response.content)
        self.login = login_used(response, "")
        if truncated:
            size = len(response.content)  # the cap: 1 MiB, less once a device has sent a lot
            cap = f"{size >> 20} MiB" if size >= 1 << 20 else f"{size} bytes"
            raise ProbeError(f"the SOAP answer is larger than {cap}")
        return response


class OnvifClients:
    """zeep clients for one device, anonymous and (with a credential) authenticated, built on demand.

    Both share one HTTP session, so the anonymous and the authenticated calls reuse the same connection.
    """

    def __init__(
        self, address: str, timeout: float, credential: Credential | None, wsdls: WsdlCache, pace: HostPace
    ) -> None:
        self.address, self.credential, self._wsdls = address, credential, wsdls
        self._session = device_session()
        self.anon = _Transport(address, timeout, self._session, None, pace)
        self.authed = None
        if credential is not None:  # ONVIF Core: devices must accept HTTP Digest (WS-UsernameToken rides along)
            digest = CappedDigestAuth(credential.username, credential.password, timeout)
            self.authed = _Transport(address, timeout, self._session, digest, pace)
        self.dt_diff: timedelta | None = None
        self._clients: dict[tuple[str, bool], Any] = {}

    def service(self, kind: str, url: str, authed: bool) -> tuple[Any, _Transport]:
        wsdl, binding = _BINDINGS[kind]
        transport = self.authed if authed and self.authed else self.anon
        key = (wsdl, transport is self.authed)
        if key not in self._clients:
            wsse = self._token() if transport is self.authed and self.credential else None
            document = self._wsdls.document(wsdl)
            self._clients[key] = zeep.Client(document, wsse=wsse, transport=transport, settings=self._wsdls.settings)
        client = self._clients[key]
        if client.wsse is not None:
            client.wsse.dt_diff = self.dt_diff  # the clock offset may be learnt after the client was built
        # Built straight from the XAddr: ONVIFCamera would subscribe to events on the device when constructed.
        service = onvif_zeep().ONVIFService(
            url, None, None, str(wsdl_dir() / wsdl), zeep_client=client, no_cache=True, binding_name=binding
        )
        return service, transport

    def wsse(self) -> Any:
        """A fresh WS-UsernameToken for a hand-built request, shifted by the device's clock offset."""
        if self.credential is None:
            return None
        return self._token()

    def _token(self) -> Any:
        assert self.credential is not None
        user, password = self.credential.username, self.credential.password
        token = onvif_zeep().client.UsernameDigestTokenDtDiff
        return token(user, password, dt_diff=self.dt_diff, use_digest=True, zulu_timestamp=True)

    def close(self) -> None:
        self._session.close()


class Caller:
    """Sends one operation through zeep and turns whatever happened into an Observation."""

    def __init__(self, device: OnvifClients) -> None:
        self.device = device
        self.has_login = device.credential is not None

    def set_clock_offset(self, offset: timedelta) -> None:
        self.device.dt_diff = offset

    def call(self, call: Call, url: str, authed: bool) -> tuple[Observation, Element | None]:
        service, transport = self.device.service(call.kind, url, authed)
        at, error = utc_now(), None
        transport.last = None
        try:
            getattr(service, call.operation)(call.params)
        except onvif_zeep().ONVIFError as exc:
            error = exc.__context__ or exc  # onvif-zeep wraps every error; the original is the context
        return self._record(call.probe, call.line(url), call.operation, at, error, transport)

    def raw(self, call: RawCall, url: str, authed: bool) -> tuple[Observation, Element | None]:
        """Send a hand-built request through the device's transport (same host, cap, pace, Digest)."""
        transport = self.device.authed if authed and self.device.authed else self.device.anon
        envelope = ox.soap_request(
            etree.QName(call.namespace, call.operation), call.fields, to=url if call.addressed else "",
            action=ACTIONS[call.operation], headers=call.headers,
        )  # fmt: skip
        wsse = self.device.wsse() if transport is self.device.authed else None
        if wsse is not None:
            envelope, _ = wsse.apply(envelope, {})
        content_type = f'application/soap+xml; charset=utf-8; action="{ACTIONS[call.operation]}"'
        at = utc_now()
        error: BaseException | None = None
        transport.last = None
        try:
            transport.post(url, etree.tostring(envelope), {"Content-Type": content_type})
            error = not_a_response(transport.last, call.operation)
        except EXPECTED as exc:
            error = exc
        return self._record(call.probe, call.line(url), call.operation, at, error, transport)

    def _record(
        self, probe: str, line: str, operation: str, at: str, error: BaseException | None, transport: _Transport
    ) -> tuple[Observation, Element | None]:
        authed = transport is self.device.authed
        outcome, detail, root = classify(error, transport.last, operation, authed, EXPECTED)
        values = ox.values_for(probe, root) if outcome == OK and root is not None else ()
        exchange = transport.last or Exchange(0, (), b"")
        body = exchange.body
        if probe == "onvif.events.pull" and root is not None and ox.withhold_personal(root):
            body = etree.tostring(root)  # images and enrolment ids never enter the evidence
            detail = "personal data in the events (images, enrolment ids, labels) was withheld before recording"
        obs = Observation(
            probe=probe,
            request=line,
            outcome=outcome,
            status=exchange.status or None,
            headers=exchange.headers,
            body=body,
            at=at,
            detail=detail,
            values=values,
            stopped=cause_of(error) if error is not None and outcome == FAILED else None,
            sent=Sent("onvif", "POST", transport.url, operation, transport.sent, *self._login(transport)),
        )
        return scrub(obs, self.device.credential), root if outcome == OK else None

    def _login(self, transport: _Transport) -> tuple[str, str]:
        """The HTTP login the request answered, else `wsse` when it carried only a UsernameToken, else none."""
        if transport.login[0] or transport is not self.device.authed or self.device.credential is None:
            return transport.login
        return "wsse", ""
