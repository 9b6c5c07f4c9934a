"""The onvif-zeep adapter: ONVIF device, media, analytics (RuleEngineBinding) and events queries as Observations."""

from __future__ import annotations

import logging
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
from zeep.exceptions import Error as ZeepError  # noqa: E402
from zeep.exceptions import ExternalReferenceForbidden  # noqa: E402
from zeep.transports import Transport  # noqa: E402

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
from scanner.probes import onvif_xml as ox  # noqa: E402
from scanner.probes.http import (  # noqa: E402
    NETWORK_ERRORS,
    USER_AGENT,
    CappedDigestAuth,
    device_session,
    send_capped,
)
from scanner.probes.redact import scrub  # noqa: E402
from scanner.probes.urls import in_scope, printable, same_host  # noqa: E402
from scanner.probes.xmlsafe import Element, parse_xml  # noqa: E402

__all__ = ["OnvifResult", "onvif_probe"]

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
_REFUSED = "the device refused the supplied login; no further ONVIF queries were sent, to avoid locking the account"
_NO_LOGIN = (
    "no login for this address: ONVIF device information, media profiles, analytics rules and event topics "
    "need one and were not asked"
)


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
class _Exchange:
    """The last HTTP answer a transport received, kept raw: it is the observation's evidence."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class _Transport(Transport):
    """zeep's transport kept to one device: WSDLs from disk only, one host, capped bodies, no redirects."""

    def __init__(self, address: str, timeout: float, credential: Credential | None) -> None:
        session = device_session()
        if credential is not None:  # ONVIF Core: devices must accept HTTP Digest (WS-UsernameToken rides along)
            session.auth = CappedDigestAuth(credential.username, credential.password, timeout)
        super().__init__(timeout=timeout, operation_timeout=timeout, session=session)
        session.headers["User-Agent"] = USER_AGENT  # zeep sets its own; one name for all camaudit traffic
        self._address, self._timeout = address, timeout
        self.last: _Exchange | None = None

    def load(self, url: str) -> bytes:
        if urlsplit(url).scheme in ("http", "https"):
            raise ExternalReferenceForbidden(url)  # the bundled WSDLs are complete; never fetch schemas
        return super().load(url)

    def get(self, address: str, params: Any, headers: Any) -> Any:
        raise ProbeError("SOAP over HTTP GET is not used")

    def post(self, address: str, message: Any, headers: Any) -> Any:
        self.last = None
        if not same_host(urlsplit(address).hostname, self._address):
            raise ProbeError("refused to contact a host other than the audited address")
        data = message if isinstance(message, bytes) else str(message).encode("utf-8")
        response, truncated = send_capped(self.session, "POST", address, self._timeout, data=data, headers=headers)
        raw = tuple((str(k), str(v)) for k, v in response.raw.headers.items())
        self.last = _Exchange(response.status_code, raw, response.content)
        if truncated:
            raise ProbeError("the SOAP answer is larger than 1 MiB")
        return response

    def close(self) -> None:
        self.session.close()


class _Device:
    """zeep clients for one device, anonymous and (with a credential) authenticated, built on demand."""

    def __init__(self, address: str, timeout: float, credential: Credential | None) -> None:
        self.address, self.credential = address, credential
        self._settings = zeep.Settings(
            strict=False, forbid_dtd=True, forbid_entities=True, forbid_external=True, xml_huge_tree=False
        )
        self.anon = _Transport(address, timeout, None)
        self.authed = _Transport(address, timeout, credential) if credential else None
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
            path = str(WSDL_DIR / wsdl)
            self._clients[key] = zeep.Client(path, wsse=wsse, transport=transport, settings=self._settings)
        client = self._clients[key]
        if client.wsse is not None:
            client.wsse.dt_diff = self.dt_diff  # the clock offset may be learnt after the client was built
        # Built straight from the XAddr: ONVIFCamera would subscribe to events on the device when constructed.
        service = ONVIFService(
            url, None, None, str(WSDL_DIR / wsdl), zeep_client=client, no_cache=True, binding_name=binding
        )
        return service, transport

    def close(self) -> None:
        self.anon.close()
        if self.authed:
            self.authed.close()


def _classify(
    error: BaseException | None, exchange: _Exchange | None, operation: str, authed: bool
) -> tuple[str, str, Any]:
    """(outcome, detail, parsed body or None) for one call, from zeep's verdict and the raw answer."""
    if exchange is None:
        if error is None or not isinstance(error, _EXPECTED):
            raise error or ProbeError("no exchange recorded")  # nothing was sent: a bug on our side
        return FAILED, _network_detail(error), None
    try:
        root: Element | None = parse_xml(exchange.body)
    except ParseError:
        root = None
    if error is None:
        return OK, "", root
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
    return FAILED, f"unusable answer: HTTP {exchange.status}{summary}", root


def _network_detail(error: BaseException) -> str:
    name = type(error).__name__
    if "Timeout" in name:
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
        outcome, detail, root = _classify(error, transport.last, call.operation, transport is self.device.authed)
        values = ox.values_for(call.probe, root) if outcome == OK and root is not None else ()
        exchange = transport.last or _Exchange(0, (), b"")
        obs = Observation(
            probe=call.probe,
            request=call.line(url),
            outcome=outcome,
            status=exchange.status or None,
            headers=exchange.headers,
            body=exchange.body,
            at=at,
            detail=detail,
            values=values,
        )
        return scrub(obs, self.device.credential), root if outcome == OK else None


class _Sequence:
    """The queries for one device: pre-auth first, then (with a login) the face-relevant ones."""

    def __init__(self, caller: _Caller, address: str, device_url: str) -> None:
        self.caller, self.address, self.device_url = caller, address, device_url
        self.observations: list[Observation] = []
        self.skipped: list[NotChecked] = []
        self.xaddrs: dict[str, str] = {}
        self.offset: float | None = None
        self.refused = False  # the login was refused once: ask nothing more with it (cameras lock accounts)

    def ask(self, call: _Call, url: str, authed: bool) -> tuple[Observation, Element | None]:
        obs, root = self.caller.call(call, url, authed)
        self.observations.append(obs)
        return obs, root

    def pre_auth(self, call: _Call) -> Element | None:
        """A PRE_AUTH query; asked again with the login when the device wants one anyway."""
        obs, root = self.ask(call, self.device_url, authed=False)
        if obs.outcome == AUTH_REQUIRED and self.caller.has_login and not self.refused:
            self.observations.pop()  # superseded by the answer to the login
            return self.authed(call, self.device_url)
        return root

    def authed(self, call: _Call, url: str) -> Element | None:
        if self.refused:
            return None
        obs, root = self.ask(call, url, authed=True)
        if obs.outcome == AUTH_REQUIRED:
            self.refused = True
            self.skipped.append(NotChecked("onvif", _REFUSED))
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
        uris: tuple[str, ...] = ()
        if self.caller.has_login:
            uris = _with_login(self)
        else:
            self.skipped.append(NotChecked("onvif", _NO_LOGIN))
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
    return uris


def _media(seq: _Sequence) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Profiles, up to MAX_PROFILES stream URIs, and the video analytics configuration tokens."""
    url = seq.xaddrs.get(ox.NS_MEDIA)
    if url is None:
        reason = "the device lists no ONVIF media service"
        if ox.NS_MEDIA2 in seq.xaddrs:
            reason = "the device offers only Media2, which camaudit's ONVIF client does not cover"
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
        seq.skipped.append(NotChecked("onvif.analytics", "the device lists no ONVIF analytics service"))
        return
    if not tokens:
        reason = "no video analytics configuration was found in the media profiles"
        seq.skipped.append(NotChecked("onvif.analytics", reason))
        return
    for token in tokens[:MAX_PROFILES]:
        params, label = {"ConfigurationToken": token}, f"ConfigurationToken={token}"
        seq.authed(_Call("rules", "onvif.analytics.supported_rules", "GetSupportedRules", params, label), url)
        seq.authed(_Call("rules", "onvif.analytics.rules", "GetRules", params, label), url)
        call = _Call("modules", "onvif.analytics.supported_modules", "GetSupportedAnalyticsModules", params, label)
        seq.authed(call, url)
        seq.authed(_Call("modules", "onvif.analytics.modules", "GetAnalyticsModules", params, label), url)


def _events(seq: _Sequence) -> None:
    url = seq.xaddrs.get(ox.NS_EVENTS)
    if url is None:
        seq.skipped.append(NotChecked("onvif.events", "the device lists no ONVIF event service"))
        return
    seq.authed(_Call("events", "onvif.events.properties", "GetEventProperties"), url)


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


def onvif_probe(address: str, xaddr: str, credential: Credential | None, timeout: float) -> OnvifResult:
    """Query the ONVIF device service at `xaddr` (re-pointed at `address`), never raising for device faults."""
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
    device = _Device(address, timeout, credential)
    try:
        return _Sequence(_Caller(device), address, device_url).run()
    finally:
        device.close()
