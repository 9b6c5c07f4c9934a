"""The onvif-zeep adapter: ONVIF device, media, analytics (RuleEngineBinding) and events queries as Observations."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_root_logger = logging.getLogger()
_saved_logging = (list(_root_logger.handlers), _root_logger.level)
import onvif  # noqa: E402 - onvif-zeep calls logging.basicConfig() on import; undone just below
from onvif import ONVIFError, ONVIFService  # noqa: E402
from onvif.client import UsernameDigestTokenDtDiff  # noqa: E402

_root_logger.handlers[:] = _saved_logging[0]
_root_logger.setLevel(_saved_logging[1])

import zeep  # noqa: E402
from lxml import etree  # noqa: E402
from zeep.exceptions import Error as ZeepError  # noqa: E402
from zeep.exceptions import ExternalReferenceForbidden  # noqa: E402
from zeep.transports import Transport  # noqa: E402
from zeep.wsdl import Document  # noqa: E402

from scanner.errors import ParseError, ProbeError  # noqa: E402
from scanner.model import (  # noqa: E402
    AUTH_REQUIRED,
    FAILED,
    NOT_SUPPORTED,
    OK,
    Credential,
    NotChecked,
    Observation,
    utc_now,
)
from scanner.net.pace import UNPACED, HostPace, cause_of  # noqa: E402
from scanner.net.redact import scrub  # noqa: E402
from scanner.net.urls import in_scope, printable, same_host  # noqa: E402
from scanner.net.xmlsafe import Element, parse_xml  # noqa: E402
from scanner.probes import onvif_xml as ox  # noqa: E402
from scanner.probes.http import (  # noqa: E402
    NETWORK_ERRORS,
    USER_AGENT,
    CappedDigestAuth,
    device_session,
    send_capped,
)
from scanner.vocabulary import Outcome, Reason  # noqa: E402

__all__ = ["OnvifResult", "WsdlCache", "onvif_probe"]

WSDL_DIR = Path(onvif.__file__).resolve().parent.parent / "wsdl"  # where onvif-zeep's setup.py puts them
_BINDINGS = {
    "device": ("devicemgmt.wsdl", "{http://www.onvif.org/ver10/device/wsdl}DeviceBinding"),
    "media": ("media.wsdl", "{http://www.onvif.org/ver10/media/wsdl}MediaBinding"),
    "rules": ("analytics.wsdl", "{http://www.onvif.org/ver20/analytics/wsdl}RuleEngineBinding"),
    "modules": ("analytics.wsdl", "{http://www.onvif.org/ver20/analytics/wsdl}AnalyticsEngineBinding"),
    "events": ("events.wsdl", "{http://www.onvif.org/ver10/events/wsdl}EventBinding"),
}
_HTTP_ABSENT = frozenset({400, 404, 405, 501})
_EXPECTED: tuple[type[BaseException], ...] = (ProbeError, ParseError, ZeepError, *NETWORK_ERRORS)
MAX_PROFILES = 2  # stream URIs asked for; analytics configurations examined
MAX_OBSERVE = 300.0  # seconds: the longest observe window (a subscription the device keeps for us)
PULL_INTERVAL = 1.0  # seconds between PullMessages (each waits up to 1 s on the device for messages)
_ACTIONS = {
    "GetRuleOptions": "http://www.onvif.org/ver20/analytics/wsdl/RuleEngine/GetRuleOptionsRequest",
    "GetSupportedMetadata": "http://www.onvif.org/ver20/analytics/wsdl/AnalyticsEngine/GetSupportedMetadataRequest",
    "CreatePullPointSubscription": (
        "http://www.onvif.org/ver10/events/wsdl/EventPortType/CreatePullPointSubscriptionRequest"
    ),
    "PullMessages": "http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesRequest",
    "Unsubscribe": "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest",
}


@dataclass(frozen=True)
class OnvifResult:
    """What ONVIF told: one observation per call, the device clock's offset, RTSP URIs, and what was skipped."""

    observations: tuple[Observation, ...]
    clock_offset_s: float | None
    stream_uris: tuple[str, ...]
    not_checked: tuple[NotChecked, ...] = ()


@dataclass(frozen=True)
class _Call:
    """One ONVIF operation: which service binding, which probe id it records as, its parameters."""

    kind: str  # device | media | rules | modules | events
    probe: str
    operation: str
    params: dict[str, Any] | None = None
    label: str = ""  # the parameters as shown in the request line

    def line(self, url: str) -> str:
        return printable(f"{self.operation}({self.label}) {url}", 400)


@dataclass(frozen=True)
class _RawCall:
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
class _Exchange:
    """The last HTTP answer a transport received, kept raw: it is the observation's evidence."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


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
                found = self._documents[wsdl] = Document(str(WSDL_DIR / wsdl), loader, settings=self.settings)
            return found


class _Transport(Transport):
    """zeep's transport kept to one device: one host, capped bodies, no redirects, paced; loads nothing."""

    def __init__(self, address: str, timeout: float, session: Any, auth: Any, pace: HostPace) -> None:
        super().__init__(timeout=timeout, operation_timeout=timeout, session=session)
        session.headers["User-Agent"] = USER_AGENT  # zeep sets its own; one name for all camaudit traffic
        self._address, self._timeout, self._auth, self._pace = address, timeout, auth, pace
        self.last: _Exchange | None = None

    def load(self, url: str) -> bytes:
        raise ExternalReferenceForbidden(url)  # the WsdlCache loaded every document; a device gives none

    def get(self, address: str, params: Any, headers: Any) -> Any:
        raise ProbeError("SOAP over HTTP GET is not used")

    def post(self, address: str, message: Any, headers: Any) -> Any:
        self.last = None
        if not same_host(urlsplit(address).hostname, self._address):
            raise ProbeError("refused to contact a host other than the audited address")
        data = message if isinstance(message, bytes) else str(message).encode("utf-8")
        response, truncated = send_capped(
            self.session, "POST", address, self._timeout, data=data, headers=headers, auth=self._auth, pace=self._pace
        )
        raw = tuple((str(k), str(v)) for k, v in response.raw.headers.items())
        self.last = _Exchange(response.status_code, raw, response.content)
        if truncated:
            size = len(response.content)  # the cap: 1 MiB, less once a device has sent a lot
            cap = f"{size >> 20} MiB" if size >= 1 << 20 else f"{size} bytes"
            raise ProbeError(f"the SOAP answer is larger than {cap}")
        return response


class _Device:
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

    def service(self, kind: str, url: str, authed: bool) -> tuple[ONVIFService, _Transport]:
        wsdl, binding = _BINDINGS[kind]
        transport = self.authed if authed and self.authed else self.anon
        key = (wsdl, transport is self.authed)
        if key not in self._clients:
            wsse = None
            if transport is self.authed and self.credential:
                user, password = self.credential.username, self.credential.password
                wsse = UsernameDigestTokenDtDiff(
                    user, password, dt_diff=self.dt_diff, use_digest=True, zulu_timestamp=True
                )
            document = self._wsdls.document(wsdl)
            self._clients[key] = zeep.Client(document, wsse=wsse, transport=transport, settings=self._wsdls.settings)
        client = self._clients[key]
        if client.wsse is not None:
            client.wsse.dt_diff = self.dt_diff  # the clock offset may be learnt after the client was built
        # Built straight from the XAddr: ONVIFCamera would subscribe to events on the device when constructed.
        service = ONVIFService(
            url, None, None, str(WSDL_DIR / wsdl), zeep_client=client, no_cache=True, binding_name=binding
        )
        return service, transport

    def wsse(self) -> UsernameDigestTokenDtDiff | None:
        """A fresh WS-UsernameToken for a hand-built request, shifted by the device's clock offset."""
        if self.credential is None:
            return None
        user, password = self.credential.username, self.credential.password
        return UsernameDigestTokenDtDiff(user, password, dt_diff=self.dt_diff, use_digest=True, zulu_timestamp=True)

    def close(self) -> None:
        self._session.close()


def _classify(
    error: BaseException | None, exchange: _Exchange | None, operation: str, authed: bool
) -> tuple[Outcome, str, Any]:
    """(outcome, detail, parsed body or None) for one call, from zeep's verdict and the raw answer."""
    if exchange is None:
        if error is None or not isinstance(error, _EXPECTED):
            raise error or ProbeError("no exchange recorded")  # nothing was sent: a bug on our side
        return FAILED, _network_detail(error), None
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
    if kind == "unsupported" or (kind is None and exchange.status in _HTTP_ABSENT):
        return NOT_SUPPORTED, f"the device does not offer {operation}{summary or f' (HTTP {exchange.status})'}", root
    if kind == "other":
        return FAILED, f"the device answered with a SOAP fault{summary}", root
    if kind is None and exchange.status == 200 and root is not None and ox.is_response_to(root, operation):
        return OK, "the answer does not follow the WSDL; facts were read from the raw XML", root
    if isinstance(error, ProbeError):
        return FAILED, str(error), root
    return FAILED, f"unusable answer: HTTP {exchange.status}{summary}{unreadable}", root


def _network_detail(error: BaseException) -> str:
    name = type(error).__name__
    if "Timeout" in name or "Read timed out" in str(error):  # a body's read timeout comes wrapped
        return "no answer in time"
    if isinstance(error, ProbeError):
        return str(error)
    if isinstance(error, OSError) or "Connection" in name:
        return "connection failed (refused, reset or unreachable)"
    return f"unusable answer ({name})"


class _Caller:
    """Sends one operation through zeep and turns whatever happened into an Observation."""

    def __init__(self, device: _Device) -> None:
        self.device = device
        self.has_login = device.credential is not None

    def set_clock_offset(self, offset: timedelta) -> None:
        self.device.dt_diff = offset

    def call(self, call: _Call, url: str, authed: bool) -> tuple[Observation, Element | None]:
        service, transport = self.device.service(call.kind, url, authed)
        at, error = utc_now(), None
        transport.last = None
        try:
            getattr(service, call.operation)(call.params)
        except ONVIFError as exc:
            error = exc.__context__ or exc  # onvif-zeep wraps every error; the original is the context
        return self._record(call.probe, call.line(url), call.operation, at, error, transport)

    def raw(self, call: _RawCall, url: str, authed: bool) -> tuple[Observation, Element | None]:
        """Send a hand-built request through the device's transport (same host, cap, pace, Digest)."""
        transport = self.device.authed if authed and self.device.authed else self.device.anon
        envelope = ox.soap_request(
            etree.QName(call.namespace, call.operation), call.fields, to=url if call.addressed else "",
            action=_ACTIONS[call.operation], headers=call.headers,
        )  # fmt: skip
        wsse = self.device.wsse() if transport is self.device.authed else None
        if wsse is not None:
            envelope, _ = wsse.apply(envelope, {})
        content_type = f'application/soap+xml; charset=utf-8; action="{_ACTIONS[call.operation]}"'
        at = utc_now()
        error: BaseException | None = None
        transport.last = None
        try:
            transport.post(url, etree.tostring(envelope), {"Content-Type": content_type})
            error = _not_a_response(transport.last, call.operation)
        except _EXPECTED as exc:
            error = exc
        return self._record(call.probe, call.line(url), call.operation, at, error, transport)

    def _record(
        self, probe: str, line: str, operation: str, at: str, error: BaseException | None, transport: _Transport
    ) -> tuple[Observation, Element | None]:
        outcome, detail, root = _classify(error, transport.last, operation, transport is self.device.authed)
        values = ox.values_for(probe, root) if outcome == OK and root is not None else ()
        exchange = transport.last or _Exchange(0, (), b"")
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
        )
        return scrub(obs, self.device.credential), root if outcome == OK else None


def _not_a_response(exchange: _Exchange | None, operation: str) -> ProbeError | None:
    """None when a raw answer is `<operation>Response` with HTTP 200, else the error _classify weighs."""
    if exchange is None:
        return ProbeError("no answer recorded")
    try:
        root = parse_xml(exchange.body)
    except ParseError:
        return ProbeError(f"unusable answer: HTTP {exchange.status}, not XML")
    if exchange.status == 200 and ox.is_response_to(root, operation):
        return None
    return ProbeError(f"unusable answer: HTTP {exchange.status}")


class _Sequence:
    """The queries for one device: pre-auth first, then (with a login) the face-relevant ones."""

    def __init__(self, caller: _Caller, address: str, device_url: str, observe: float = 0.0) -> None:
        self.caller, self.address, self.device_url = caller, address, device_url
        self.observe = min(max(observe, 0.0), MAX_OBSERVE)
        self.analytics_caps: Element | None = None  # the analytics service's capabilities (pre-auth)
        self.observations: list[Observation] = []
        self.skipped: list[NotChecked] = []
        self.xaddrs: dict[str, str] = {}
        self.offset: float | None = None
        self.refused = False  # the login was refused once: ask nothing more with it (cameras lock accounts)

    def ask(self, call: _Call, url: str, authed: bool) -> tuple[Observation, Element | None]:
        obs, root = self.caller.call(call, url, authed)
        self.observations.append(obs)
        return obs, root

    def pre_auth(self, call: _Call, url: str = "") -> Element | None:
        """A PRE_AUTH query (device service by default); asked again with the login when the device wants one."""
        obs, root = self.ask(call, url or self.device_url, authed=False)
        if obs.outcome == AUTH_REQUIRED and self.caller.has_login and not self.refused:
            self.observations.pop()  # superseded by the answer to the login
            return self.authed(call, url or self.device_url)
        return root

    def raw(self, call: _RawCall, url: str) -> tuple[Observation, Element | None]:
        """A hand-built request with the login (nothing is sent once the login was refused)."""
        if self.refused:
            return Observation(call.probe, call.line(url), FAILED, at=utc_now(), detail="not sent: login refused"), None
        obs, root = self.caller.raw(call, url, authed=True)
        self.observations.append(obs)
        if obs.outcome == AUTH_REQUIRED:
            self.refused = True
            self.skipped.append(NotChecked("onvif", Reason.LOGIN_REFUSED_STOP))
        return obs, root

    def authed(self, call: _Call, url: str) -> Element | None:
        if self.refused:
            return None
        obs, root = self.ask(call, url, authed=True)
        if obs.outcome == AUTH_REQUIRED:
            self.refused = True
            self.skipped.append(NotChecked("onvif", Reason.LOGIN_REFUSED_STOP))
        return root

    def clock(self) -> None:
        sent = time.monotonic()
        root = self.pre_auth(_Call("device", "onvif.device.system_date_and_time", "GetSystemDateAndTime"))
        utc = ox.device_utc(root) if root is not None else None
        if utc is not None:
            # Half the round trip approximates when the device read its clock.
            now = datetime.now(UTC) - timedelta(seconds=(time.monotonic() - sent) / 2)
            self.offset = (utc - now).total_seconds()
            self.caller.set_clock_offset(timedelta(seconds=self.offset))

    def discover_services(self) -> None:
        params = {"IncludeCapability": False}
        services = _Call("device", "onvif.device.services", "GetServices", params, "IncludeCapability=false")
        root = self.pre_auth(services)
        found = list(ox.service_xaddrs(root)) if root is not None else []
        capabilities = _Call(
            "device", "onvif.device.capabilities", "GetCapabilities", {"Category": "All"}, "Category=All"
        )
        root = self.pre_auth(capabilities)
        found += list(ox.capability_xaddrs(root)) if root is not None else []
        for namespace, xaddr in found:  # GetServices first: its XAddrs win
            try:
                scheme = urlsplit(xaddr.strip()).scheme.lower()
                self.xaddrs.setdefault(namespace, in_scope(xaddr, self.address, 443 if scheme == "https" else 80))
            except (ParseError, ValueError):
                continue  # an XAddr that is not a URL is not worth a request

    def run(self) -> OnvifResult:
        self.clock()
        self.discover_services()
        analytics = self.xaddrs.get(ox.NS_ANALYTICS)
        if analytics is not None:
            call = _Call("modules", "onvif.analytics.capabilities", "GetServiceCapabilities")
            self.analytics_caps = self.pre_auth(call, analytics)
        uris: tuple[str, ...] = ()
        if self.caller.has_login:
            uris = _with_login(self)
        else:
            self.skipped.append(NotChecked("onvif", Reason.NO_LOGIN_ONVIF))
            if self.observe:
                self.skipped.append(NotChecked("onvif.events.pull", Reason.OBSERVE_LOGIN))
        return OnvifResult(tuple(self.observations), self.offset, _stream_uris(self.address, uris), tuple(self.skipped))


def _values(root: Element | None, probe: str, name: str) -> tuple[str, ...]:
    return dict(ox.values_for(probe, root)).get(name, ()) if root is not None else ()


def _with_login(seq: _Sequence) -> tuple[str, ...]:
    """The queries that need a login, stopping at the first refusal; returns the stream URIs."""
    seq.authed(_Call("device", "onvif.device.information", "GetDeviceInformation"), seq.device_url)
    if seq.refused:
        return ()
    uris, tokens = _media(seq)
    if not seq.refused:
        _analytics(seq, tokens)
    if not seq.refused:
        _events(seq)
    if not seq.refused and seq.observe:
        _observe(seq)
    return uris


def _media(seq: _Sequence) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Profiles, up to MAX_PROFILES stream URIs, and the video analytics configuration tokens."""
    url = seq.xaddrs.get(ox.NS_MEDIA)
    if url is None:
        reason = Reason.MEDIA2_ONLY if ox.NS_MEDIA2 in seq.xaddrs else Reason.NO_MEDIA
        seq.skipped.append(NotChecked("onvif.media", reason))
        return (), ()
    root = seq.authed(_Call("media", "onvif.media.profiles", "GetProfiles"), url)
    uris: list[str] = []
    setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
    for token in _values(root, "onvif.media.profiles", "profiles")[:MAX_PROFILES]:
        params = {"StreamSetup": setup, "ProfileToken": token}
        call = _Call(
            "media", "onvif.media.stream_uri", "GetStreamUri", params, f"ProfileToken={token}, RTP-Unicast/RTSP"
        )
        uris += _values(seq.authed(call, url), call.probe, "stream_uri")
    tokens = _values(root, "onvif.media.profiles", "analytics_tokens")
    if root is not None and not tokens and ox.NS_ANALYTICS in seq.xaddrs:
        call = _Call("media", "onvif.media.analytics_configurations", "GetVideoAnalyticsConfigurations")
        tokens = _values(seq.authed(call, url), call.probe, "analytics_tokens")
    return tuple(uris), tokens


def _analytics(seq: _Sequence, tokens: tuple[str, ...]) -> None:
    url = seq.xaddrs.get(ox.NS_ANALYTICS)
    if url is None:
        seq.skipped.append(NotChecked("onvif.analytics", Reason.NO_ANALYTICS))
        return
    if not tokens:
        seq.skipped.append(NotChecked("onvif.analytics", Reason.NO_ANALYTICS_CONFIG))
        return
    for token in tokens[:MAX_PROFILES]:
        params, label = {"ConfigurationToken": token}, f"ConfigurationToken={token}"
        seq.authed(_Call("rules", "onvif.analytics.supported_rules", "GetSupportedRules", params, label), url)
        seq.authed(_Call("rules", "onvif.analytics.rules", "GetRules", params, label), url)
        call = _Call("modules", "onvif.analytics.supported_modules", "GetSupportedAnalyticsModules", params, label)
        seq.authed(call, url)
        seq.authed(_Call("modules", "onvif.analytics.modules", "GetAnalyticsModules", params, label), url)
        if seq.analytics_caps is not None and ox.capability(seq.analytics_caps, "RuleOptionsSupported"):
            fields = (("ConfigurationToken", token),)
            seq.raw(_RawCall("onvif.analytics.rule_options", ox.NS_ANALYTICS, "GetRuleOptions", fields, label), url)
    if seq.analytics_caps is not None and ox.capability(seq.analytics_caps, "SupportedMetadata"):
        seq.raw(_RawCall("onvif.analytics.supported_metadata", ox.NS_ANALYTICS, "GetSupportedMetadata"), url)


def _events(seq: _Sequence) -> None:
    url = seq.xaddrs.get(ox.NS_EVENTS)
    if url is None:
        seq.skipped.append(NotChecked("onvif.events", Reason.NO_EVENTS))
        return
    seq.authed(_Call("events", "onvif.events.properties", "GetEventProperties"), url)


def _observe(seq: _Sequence) -> None:
    """Observe mode: a PullPoint subscription for the window, pulled once a second, always unsubscribed.

    The subscription's termination time is the window plus a margin, so the device drops it on its own
    should the Unsubscribe be lost.
    """
    url = seq.xaddrs.get(ox.NS_EVENTS)
    if url is None:
        return
    keep = f"PT{int(seq.observe) + 30}S"
    fields, label = (("InitialTerminationTime", keep),), f"InitialTerminationTime={keep}"
    create = _RawCall("onvif.events.subscribe", ox.NS_EVENTS, "CreatePullPointSubscription", fields, label, True)
    _, root = seq.raw(create, url)
    address, params = ox.subscription_reference(root) if root is not None else ("", ())
    if not address:
        return
    try:
        scheme = urlsplit(address.strip()).scheme.lower()
        subscription = in_scope(address, seq.address, 443 if scheme == "https" else 80)
    except (ParseError, ValueError):
        seq.skipped.append(NotChecked("onvif.events.pull", Reason.SUBSCRIPTION_UNUSABLE))
        return
    try:
        _pull_until(seq, subscription, params, time.monotonic() + seq.observe)
    finally:
        seq.raw(_RawCall("onvif.events.unsubscribe", ox.WSNT, "Unsubscribe", addressed=True, headers=params),
                subscription)  # fmt: skip


def _pull_until(seq: _Sequence, url: str, params: tuple[Element, ...], deadline: float) -> None:
    fields = (("Timeout", "PT1S"), ("MessageLimit", "64"))
    pull = _RawCall("onvif.events.pull", ox.NS_EVENTS, "PullMessages", fields, "Timeout=PT1S, MessageLimit=64",
                    addressed=True, headers=params)  # fmt: skip
    while True:
        started = time.monotonic()
        obs, _ = seq.raw(pull, url)
        if obs.outcome != OK or started + PULL_INTERVAL >= deadline:
            return
        time.sleep(max(0.0, PULL_INTERVAL - (time.monotonic() - started)))


def _stream_uris(address: str, uris: tuple[str, ...]) -> tuple[str, ...]:
    """RTSP URIs the device gave, re-pointed at the audited address and stripped of credentials."""
    safe = []
    for uri in uris:
        try:
            if urlsplit(uri.strip()).scheme.lower() == "rtsp":
                safe.append(in_scope(uri, address, 554))
        except (ParseError, ValueError):
            continue
    return tuple(dict.fromkeys(safe))


def onvif_probe(
    address: str,
    xaddr: str,
    credential: Credential | None,
    timeout: float,
    *,
    wsdls: WsdlCache | None = None,
    pace: HostPace = UNPACED,
    observe: float = 0.0,
) -> OnvifResult:
    """Query the ONVIF device service at `xaddr` (re-pointed at `address`), never raising for device faults.

    Pass the scan's `wsdls` so the WSDLs are parsed once for all devices, and the device's `pace`.
    `observe` > 0 (seconds, with a login) also pulls the device's events for that long (observe mode).
    """
    try:
        scheme = urlsplit(xaddr.strip()).scheme.lower()
        device_url = in_scope(xaddr, address, 443 if scheme == "https" else 80)
    except (ParseError, ValueError) as exc:
        obs = Observation(
            "onvif.device.system_date_and_time",
            printable(f"GetSystemDateAndTime() {xaddr}", 400),
            FAILED,
            at=utc_now(),
            detail=f"not a usable ONVIF address: {exc}",
        )
        return OnvifResult((obs,), None, ())
    if not (WSDL_DIR / "devicemgmt.wsdl").is_file():
        raise ProbeError(f"onvif-zeep's WSDL files are missing from {WSDL_DIR}: reinstall onvif-zeep")
    device = _Device(address, timeout, credential, wsdls or WsdlCache(), pace)
    try:
        return _Sequence(_Caller(device), address, device_url, observe).run()
    finally:
        device.close()
