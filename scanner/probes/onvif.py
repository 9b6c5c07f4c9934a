"""The ONVIF query sequence of one device: device, media, analytics (rules and modules) and events, as Observations;
opt-in observe mode pulls its events for a while. Transport and classification live in onvif_soap and onvif_calls.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from scanner.errors import ParseError
from scanner.model import AUTH_REQUIRED, FAILED, OK, Credential, NotChecked, Observation, utc_now
from scanner.net.login import NOT_OFFERED, DeviceLogin
from scanner.net.pace import UNPACED, HostPace
from scanner.net.urls import in_scope, printable
from scanner.net.xmlsafe import Element
from scanner.probes import onvif_xml as ox
from scanner.probes.http import HttpClient
from scanner.probes.onvif_calls import Call, field
from scanner.probes.onvif_soap import Caller
from scanner.vocabulary import Reason

__all__ = ["ANALYTICS_PROBES", "OnvifResult", "onvif_probe"]

ANALYTICS_PROBES = frozenset({
    "onvif.analytics.supported_rules", "onvif.analytics.rules", "onvif.analytics.supported_modules",
    "onvif.analytics.modules", "onvif.analytics.rule_options", "onvif.analytics.supported_metadata",
})  # fmt: skip

MAX_PROFILES = 2  # stream URIs asked for; analytics configurations examined
MAX_OBSERVE = 300.0  # seconds: the longest observe window (a subscription the device keeps for us)
PULL_INTERVAL = 1.0  # seconds between PullMessages (each waits up to 1 s on the device for messages)


@dataclass(frozen=True)
class OnvifResult:
    """What ONVIF told: one observation per call, the device clock's offset, RTSP URIs, and what was skipped."""

    observations: tuple[Observation, ...]
    clock_offset_s: float | None
    stream_uris: tuple[str, ...]
    not_checked: tuple[NotChecked, ...] = ()
    absent: frozenset[str] = frozenset()  # face checks the device said it has no service or capability for


class _Sequence:
    """The queries for one device: pre-auth first, then (with a login) the face-relevant ones."""

    def __init__(
        self, caller: Caller, address: str, device_url: str, observe: float = 0.0, login: DeviceLogin | None = None
    ) -> None:
        self.caller, self.address, self.device_url = caller, address, device_url
        self.login = login or DeviceLogin(caller.credential)  # shared with the device's other probes
        self.observe = min(max(observe, 0.0), MAX_OBSERVE)
        self.analytics_caps: Element | None = None  # the analytics service's capabilities (pre-auth)
        self.observations: list[Observation] = []
        self.skipped: list[NotChecked] = []
        self.absent: set[str] = set()
        self.xaddrs: dict[str, str] = {}
        self.offset: float | None = None
        # What a service's absence may be concluded from: the service list, and the media profiles, as read.
        self.services_read = False
        self.profiles_read = False

    @property
    def refused(self) -> bool:
        """The device refused the login (here or in another probe): ask nothing more with it (accounts lock)."""
        return self.login.refused is not None

    def ask(self, call: Call, url: str, authed: bool) -> tuple[Observation, Element | None]:
        obs, root = self.caller.call(call, url, authed)
        self.observations.append(obs)
        return obs, root

    def _with_login(self, send: Callable[[], tuple[Observation, Element | None]]) -> tuple[Observation, Element | None]:
        """One call carrying the login (Digest and a WS-UsernameToken), judged: a refusal stops every probe's use of
        the login on this device; it is not sent at all once refused (None)."""
        with self.login.offer() as credential:
            if credential is None:
                return self._not_sent()
            obs, root = send()
            if obs.outcome == AUTH_REQUIRED:
                self.login.refuse(obs.request)
                self.skipped.append(NotChecked("onvif", Reason.LOGIN_REFUSED_STOP))
            elif obs.status is not None:
                self.login.accept()
            return obs, root

    def _not_sent(self) -> tuple[Observation, None]:
        said = (Reason.LOGIN_REFUSED, Reason.LOGIN_REFUSED_STOP)
        if not any(n.check == "onvif" and n.reason in said for n in self.skipped):
            self.skipped.append(NotChecked("onvif", Reason.LOGIN_REFUSED))  # refused by another probe first
        return Observation("onvif", "", FAILED, at=utc_now(), detail=NOT_OFFERED, stopped=Reason.LOGIN_REFUSED), None

    def pre_auth(self, call: Call, url: str = "") -> Element | None:
        """A PRE_AUTH query (device service by default); asked again with the login when the device wants one."""
        obs, root = self.ask(call, url or self.device_url, authed=False)
        if obs.outcome == AUTH_REQUIRED and self.caller.has_login and not self.refused:
            self.observations.pop()  # superseded by the answer to the login
            return self.authed(call, url or self.device_url)
        return root

    def raw(self, call: Call, url: str) -> tuple[Observation, Element | None]:
        """A request with the login whose answer the caller reads (nothing is sent once the login was refused)."""
        obs, root = self._with_login(lambda: self.caller.call(call, url, authed=True))
        if obs.probe == "onvif":  # not sent: said once in `skipped`, recorded under the call's own id
            return dataclasses.replace(obs, probe=call.probe, request=call.line(url)), None
        self.observations.append(obs)
        return obs, root

    def authed(self, call: Call, url: str) -> Element | None:
        if self.refused:
            self._not_sent()
            return None
        obs, root = self._with_login(lambda: self.caller.call(call, url, authed=True))
        if obs.probe != "onvif":
            self.observations.append(obs)
        return root

    def clock(self) -> None:
        sent = time.monotonic()
        root = self.pre_auth(Call("onvif.device.system_date_and_time", ox.NS_DEVICE, "GetSystemDateAndTime"))
        utc = ox.device_utc(root) if root is not None else None
        if utc is not None:
            # Half the round trip approximates when the device read its clock.
            now = datetime.now(UTC) - timedelta(seconds=(time.monotonic() - sent) / 2)
            self.offset = (utc - now).total_seconds()
            self.caller.set_clock_offset(timedelta(seconds=self.offset))

    def discover_services(self) -> None:
        fields = (field(ox.NS_DEVICE, "IncludeCapability", "false"),)
        services = Call("onvif.device.services", ox.NS_DEVICE, "GetServices", fields, "IncludeCapability=false")
        root = self.pre_auth(services)
        self.services_read = root is not None
        found = list(ox.service_xaddrs(root)) if root is not None else []
        fields = (field(ox.NS_DEVICE, "Category", "All"),)
        capabilities = Call("onvif.device.capabilities", ox.NS_DEVICE, "GetCapabilities", fields, "Category=All")
        root = self.pre_auth(capabilities)
        self.services_read = self.services_read or root is not None
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
            call = Call("onvif.analytics.capabilities", ox.NS_ANALYTICS, "GetServiceCapabilities")
            self.analytics_caps = self.pre_auth(call, analytics)
        uris: tuple[str, ...] = ()
        if self.caller.has_login:
            uris = _with_login(self)
        else:
            self.skipped.append(NotChecked("onvif", Reason.NO_LOGIN_ONVIF))
            if self.observe:
                self.skipped.append(NotChecked("onvif.events.pull", Reason.OBSERVE_LOGIN))
        stream_uris = _stream_uris(self.address, uris)
        skipped, absent = tuple(self.skipped), frozenset(self.absent)
        return OnvifResult(tuple(self.observations), self.offset, stream_uris, skipped, absent)


def _values(root: Element | None, probe: str, name: str) -> tuple[str, ...]:
    return dict(ox.values_for(probe, root)).get(name, ()) if root is not None else ()


_PER_CONFIGURATION = (
    ("onvif.analytics.supported_rules", "GetSupportedRules"),
    ("onvif.analytics.rules", "GetRules"),
    ("onvif.analytics.supported_modules", "GetSupportedAnalyticsModules"),
    ("onvif.analytics.modules", "GetAnalyticsModules"),
)  # the analytics queries asked of each analytics configuration


def _configuration_call(probe: str, operation: str, token: str) -> Call:
    fields = (field(ox.NS_ANALYTICS, "ConfigurationToken", token),)
    return Call(probe, ox.NS_ANALYTICS, operation, fields, f"ConfigurationToken={token}")


def _stream_uri(token: str) -> Call:
    setup = (field(ox.NS_SCHEMA, "Stream", "RTP-Unicast"),
             field(ox.NS_SCHEMA, "Transport", (field(ox.NS_SCHEMA, "Protocol", "RTSP"),)))  # fmt: skip
    fields = (field(ox.NS_MEDIA, "StreamSetup", setup), field(ox.NS_MEDIA, "ProfileToken", token))
    return Call(
        "onvif.media.stream_uri", ox.NS_MEDIA, "GetStreamUri", fields, f"ProfileToken={token}, RTP-Unicast/RTSP"
    )


def _with_login(seq: _Sequence) -> tuple[str, ...]:
    """The queries that need a login, stopping at the first refusal; returns the stream URIs."""
    seq.authed(Call("onvif.device.information", ox.NS_DEVICE, "GetDeviceInformation"), seq.device_url)
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
    root = seq.authed(Call("onvif.media.profiles", ox.NS_MEDIA, "GetProfiles"), url)
    seq.profiles_read = root is not None
    uris: list[str] = []
    for token in _values(root, "onvif.media.profiles", "profiles")[:MAX_PROFILES]:
        call = _stream_uri(token)
        uris += _values(seq.authed(call, url), call.probe, "stream_uri")
    tokens = _values(root, "onvif.media.profiles", "analytics_tokens")
    if root is not None and not tokens and ox.NS_ANALYTICS in seq.xaddrs:
        call = Call("onvif.media.analytics_configurations", ox.NS_MEDIA, "GetVideoAnalyticsConfigurations")
        tokens = _values(seq.authed(call, url), call.probe, "analytics_tokens")
    return tuple(uris), tokens


def _analytics(seq: _Sequence, tokens: tuple[str, ...]) -> None:
    # Absence is concluded only from what was read: the service list, the profiles, the service's capabilities.
    url = seq.xaddrs.get(ox.NS_ANALYTICS)
    if url is None and not seq.services_read:
        seq.skipped.append(NotChecked("onvif.analytics", Reason.NO_ANSWER_TO, "GetServices, GetCapabilities"))
        return
    if url is None:
        seq.skipped.append(NotChecked("onvif.analytics", Reason.NO_ANALYTICS))
        seq.absent.update(ANALYTICS_PROBES)
        return
    if not tokens and not seq.profiles_read:  # the profiles name the configurations: unread, nothing is known
        asked = "GetProfiles" if ox.NS_MEDIA in seq.xaddrs else "GetProfiles (no Media service listed)"
        seq.skipped.append(NotChecked("onvif.analytics", Reason.NO_ANSWER_TO, asked))
        return
    if not tokens:  # no analytics configuration in any profile: no rule or module runs
        seq.skipped.append(NotChecked("onvif.analytics", Reason.NO_ANALYTICS_CONFIG))
        seq.absent.update(ANALYTICS_PROBES)
        return
    for flag, probe in (("RuleOptionsSupported", "onvif.analytics.rule_options"),
                        ("SupportedMetadata", "onvif.analytics.supported_metadata")):  # fmt: skip
        if seq.analytics_caps is None:
            seq.skipped.append(NotChecked(probe, Reason.NO_ANSWER_TO, "GetServiceCapabilities"))
        elif not _offers(seq, flag):
            seq.absent.add(probe)  # the service's capabilities do not offer it
    for token in tokens[:MAX_PROFILES]:
        for probe, operation in _PER_CONFIGURATION:
            seq.authed(_configuration_call(probe, operation, token), url)
        if _offers(seq, "RuleOptionsSupported"):
            seq.raw(_configuration_call("onvif.analytics.rule_options", "GetRuleOptions", token), url)
    if _offers(seq, "SupportedMetadata"):
        seq.raw(Call("onvif.analytics.supported_metadata", ox.NS_ANALYTICS, "GetSupportedMetadata"), url)


def _offers(seq: _Sequence, flag: str) -> bool:
    """The analytics service's capabilities (pre-auth) offer an optional operation."""
    return seq.analytics_caps is not None and ox.capability(seq.analytics_caps, flag)


def _events(seq: _Sequence) -> None:
    url = seq.xaddrs.get(ox.NS_EVENTS)
    if url is None and not seq.services_read:
        seq.skipped.append(NotChecked("onvif.events", Reason.NO_ANSWER_TO, "GetServices, GetCapabilities"))
        return
    if url is None:
        seq.skipped.append(NotChecked("onvif.events", Reason.NO_EVENTS))
        seq.absent.add("onvif.events.properties")
        return
    seq.authed(Call("onvif.events.properties", ox.NS_EVENTS, "GetEventProperties", addressed=True), url)


def _observe(seq: _Sequence) -> None:
    """Observe mode: a PullPoint subscription for the window, pulled once a second, always unsubscribed.

    The subscription's termination time is the window plus a margin, so the device drops it on its own
    should the Unsubscribe be lost.
    """
    url = seq.xaddrs.get(ox.NS_EVENTS)
    if url is None:
        return
    keep = f"PT{int(seq.observe) + 30}S"
    fields, label = (field(ox.NS_EVENTS, "InitialTerminationTime", keep),), f"InitialTerminationTime={keep}"
    create = Call("onvif.events.subscribe", ox.NS_EVENTS, "CreatePullPointSubscription", fields, label, True)
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
        seq.raw(Call("onvif.events.unsubscribe", ox.WSNT, "Unsubscribe", addressed=True, headers=params), subscription)


def _pull_until(seq: _Sequence, url: str, params: tuple[Element, ...], deadline: float) -> None:
    fields = (field(ox.NS_EVENTS, "Timeout", "PT1S"), field(ox.NS_EVENTS, "MessageLimit", "64"))
    pull = Call("onvif.events.pull", ox.NS_EVENTS, "PullMessages", fields, "Timeout=PT1S, MessageLimit=64",
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
    client: HttpClient | None = None,
    pace: HostPace = UNPACED,
    observe: float = 0.0,
    login: DeviceLogin | None = None,
) -> OnvifResult:
    """Query the ONVIF device service at `xaddr` (re-pointed at `address`), never raising for device faults.

    Pass the device's HTTP `client` so ONVIF shares its connections (and pace), or its `pace` for a client of
    its own. `observe` > 0 (seconds, with a login) also pulls the device's events for that long (observe mode). `login`:
    the device's (shared by its probes); once the device refused it anywhere, no call carries it.
    """
    login = login or DeviceLogin(credential)
    credential = login.credential
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
    own = client is None
    http = client or HttpClient(address, timeout, credential, pace, login)
    try:
        return _Sequence(Caller(http, credential), address, device_url, observe, login).run()
    finally:
        if own:
            http.close()
