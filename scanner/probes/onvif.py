"""The ONVIF query sequence of one device: device, media, analytics (rules and modules) and events, as Observations;
opt-in observe mode pulls its events for a while. Transport and classification live in onvif_soap and onvif_calls.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from scanner.errors import ParseError
from scanner.model import AUTH_REQUIRED, FAILED, NOT_SUPPORTED, OK, Credential, NotChecked, Observation, utc_now
from scanner.net.login import NOT_OFFERED, DeviceLogin
from scanner.net.pace import UNPACED, HostPace
from scanner.net.urls import in_scope, printable
from scanner.net.xmlsafe import Element
from scanner.probes import onvif_xml as ox
from scanner.probes.http import HttpClient
from scanner.probes.onvif_calls import Call, field
from scanner.probes.onvif_soap import Caller
from scanner.vocabulary import Reason

__all__ = ["ANALYTICS_PROBES", "Lines", "OnvifResult", "Task", "onvif_probe", "one_line"]
T = TypeVar("T")

ANALYTICS_PROBES = frozenset({
    "onvif.analytics.supported_rules", "onvif.analytics.rules", "onvif.analytics.supported_modules",
    "onvif.analytics.modules", "onvif.analytics.rule_options", "onvif.analytics.supported_metadata",
})  # fmt: skip

NOTHING_HERE = frozenset({404, 405, 501})  # HTTP statuses that say no such service at the address
MAX_PROFILES = 2  # stream URIs asked for; analytics configurations examined
MAX_OBSERVE = 300.0  # seconds: the longest observe window (a subscription the device keeps for us)
PULL_INTERVAL = 1.0  # seconds between PullMessages (each waits up to 1 s on the device for messages)


Task = Callable[[], tuple[Observation, ...]]  # one independent query (or a few), returning what it observed


class Lines(Protocol):
    """Runs one phase of independent tasks, on as many of the device's lines as it allows, and returns when all
    are done (the pipeline's runs them beside each other and traces them; `one_line` runs them in turn)."""

    def __call__(self, tasks: Sequence[Task]) -> None: ...


def one_line(tasks: Sequence[Task]) -> None:
    for task in tasks:
        task()


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
        self,
        caller: Caller,
        address: str,
        device_url: str,
        observe: float = 0.0,
        login: DeviceLogin | None = None,
        lines: Lines = one_line,
        guessed: bool = False,
    ) -> None:
        self.caller, self.address, self.device_url, self.lines = caller, address, device_url, lines
        self.guessed = guessed  # the usual path tried on a web port, not an address the device announced
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

    def phase(self, works: Sequence[Callable[[_Sequence], T]]) -> list[T]:
        """Independent queries at once (within the device's lines), each on a fork of this sequence; what they
        observed and noted joins this one in the order of `works`, whatever order they finished in."""
        forks = [self._fork() for _ in works]
        results: list[T] = []
        slots: dict[int, T] = {}

        def task(index: int) -> Task:
            def run() -> tuple[Observation, ...]:
                slots[index] = works[index](forks[index])
                return tuple(forks[index].observations)

            return run

        self.lines([task(i) for i in range(len(works))])
        for index, fork in enumerate(forks):
            self.observations += fork.observations
            self.skipped += [note for note in fork.skipped if note not in self.skipped]
            self.absent |= fork.absent
            results.append(slots[index])
        return results

    def _fork(self) -> _Sequence:
        fork = copy.copy(self)  # the caller, login, addresses and what was read so far are shared (read-only)
        fork.observations, fork.skipped, fork.absent = [], [], set()
        return fork

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

    def clock(self) -> float | None:
        """The device clock's offset from ours (seconds), from GetSystemDateAndTime; the login's token follows it."""
        sent = time.monotonic()
        root = self.pre_auth(Call("onvif.device.system_date_and_time", ox.NS_DEVICE, "GetSystemDateAndTime"))
        utc = ox.device_utc(root) if root is not None else None
        if utc is not None:
            # Half the round trip approximates when the device read its clock.
            now = datetime.now(UTC) - timedelta(seconds=(time.monotonic() - sent) / 2)
            offset = (utc - now).total_seconds()
            self.caller.set_clock_offset(timedelta(seconds=offset))
            return offset
        return None

    def open_ask(self, call: Call) -> tuple[Observation, Element | None]:
        """A PRE_AUTH query of the device service, without the login whatever the answer (see `run`)."""
        return self.ask(call, self.device_url, authed=False)

    def discover_services(self, listed: Element | None, capable: Element | None) -> None:
        """The services' addresses from GetServices and GetCapabilities; GetServices' win."""
        self.services_read = listed is not None or capable is not None
        found = list(ox.service_xaddrs(listed)) if listed is not None else []
        found += list(ox.capability_xaddrs(capable)) if capable is not None else []
        for namespace, xaddr in found:
            try:
                scheme = urlsplit(xaddr.strip()).scheme.lower()
                self.xaddrs.setdefault(namespace, in_scope(xaddr, self.address, 443 if scheme == "https" else 80))
            except (ParseError, ValueError):
                continue  # an XAddr that is not a URL is not worth a request

    def with_login_again(self, asked: list[tuple[Call, Observation, Element | None]]) -> list[Element | None]:
        """The service list's queries the device wanted the login for, asked again with it (at once, now that
        the device's clock is known for the token); each answer supersedes the one without the login."""
        again = [(call, obs) for call, obs, _ in asked if obs.outcome == AUTH_REQUIRED]
        if not again or not self.caller.has_login or self.refused:
            return [root for _, _, root in asked]
        superseded = [obs for _, obs in again]
        self.observations = [o for o in self.observations if not any(o is old for old in superseded)]
        answers = iter(self.phase([_authed(call, self.device_url) for call, _ in again]))
        return [next(answers) if obs.outcome == AUTH_REQUIRED else root for _, obs, root in asked]

    def run(self) -> OnvifResult:
        # The clock and the service list at once, all pre-auth; a query the device wants the login for is asked
        # again with it once the clock is known (the token's time follows the device's clock).
        offset, listed, capable = self.phase([
            lambda s: s.clock(), lambda s: s.open_ask(_SERVICES), lambda s: s.open_ask(_CAPABILITIES)
        ])  # fmt: skip
        self.offset = offset if isinstance(offset, float) else None
        if self.guessed and _nothing_here(self.observations):  # no ONVIF device service here: ask nothing more
            return OnvifResult(tuple(self.observations), None, ())
        assert isinstance(listed, tuple) and isinstance(capable, tuple)
        roots = self.with_login_again([(_SERVICES, *listed), (_CAPABILITIES, *capable)])
        self.discover_services(*roots)
        analytics = self.xaddrs.get(ox.NS_ANALYTICS)
        works: list[Callable[[_Sequence], Element | None]] = []
        if analytics is not None:
            call = Call("onvif.analytics.capabilities", ox.NS_ANALYTICS, "GetServiceCapabilities")
            works.append(lambda s: s.pre_auth(call, analytics))
        if self.caller.has_login:  # the first query with the login: the others wait for the device's word on it
            info = Call("onvif.device.information", ox.NS_DEVICE, "GetDeviceInformation")
            works.append(lambda s: s.authed(info, s.device_url))
        read = self.phase(works)
        self.analytics_caps = read[0] if analytics is not None else None
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


def _nothing_here(observations: list[Observation]) -> bool:
    """GetSystemDateAndTime, GetServices and GetCapabilities (mandatory in ONVIF Core, asked without a login) were
    each answered by HTTP alone that nothing is there (404, 405, 501; no SOAP fault): the device's other queries, at
    the same address, cannot fare better. A 400 is not taken for that: a device may say it of a request it could
    not read. For a guessed path only (see `run`): at an address the device announced, every query is asked."""
    return bool(observations) and all(o.outcome == NOT_SUPPORTED and o.status in NOTHING_HERE for o in observations)


def _values(root: Element | None, probe: str, name: str) -> tuple[str, ...]:
    return dict(ox.values_for(probe, root)).get(name, ()) if root is not None else ()


_SERVICES = Call("onvif.device.services", ox.NS_DEVICE, "GetServices",
                 (field(ox.NS_DEVICE, "IncludeCapability", "false"),), "IncludeCapability=false")  # fmt: skip
_CAPABILITIES = Call("onvif.device.capabilities", ox.NS_DEVICE, "GetCapabilities",
                     (field(ox.NS_DEVICE, "Category", "All"),), "Category=All")  # fmt: skip

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
    """The queries that need a login, after GetDeviceInformation, phase by phase (each phase's queries at once);
    none once the device refused the login. Returns the stream URIs."""
    if seq.refused:
        return ()
    media = seq.xaddrs.get(ox.NS_MEDIA)
    works: list[Callable[[_Sequence], Element | None]] = []
    if media is None:
        reason = Reason.MEDIA2_ONLY if ox.NS_MEDIA2 in seq.xaddrs else Reason.NO_MEDIA
        seq.skipped.append(NotChecked("onvif.media", reason))
    else:
        works.append(lambda s: s.authed(Call("onvif.media.profiles", ox.NS_MEDIA, "GetProfiles"), media))
    events = _events_url(seq)
    if events is not None:
        properties = Call("onvif.events.properties", ox.NS_EVENTS, "GetEventProperties", addressed=True)
        works.append(lambda s: s.authed(properties, events))
    read = seq.phase(works)
    profiles = read[0] if media is not None else None
    uris, tokens = _media(seq, media, profiles) if media is not None else ((), ())
    if not seq.refused:
        _analytics(seq, tokens)
    if not seq.refused and seq.observe:
        _observe(seq)
    return uris


def _authed(call: Call, url: str) -> Callable[[_Sequence], Element | None]:
    return lambda seq: seq.authed(call, url)


def _raw(call: Call, url: str) -> Callable[[_Sequence], tuple[Observation, Element | None]]:
    return lambda seq: seq.raw(call, url)


def _media(seq: _Sequence, url: str, root: Element | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """From the profiles: up to MAX_PROFILES stream URIs, and the video analytics configuration tokens (asked for
    at once when no profile names one)."""
    seq.profiles_read = root is not None
    if seq.refused:
        return (), ()
    works: list[Callable[[_Sequence], Element | None]] = []
    for token in _values(root, "onvif.media.profiles", "profiles")[:MAX_PROFILES]:
        works.append(_authed(_stream_uri(token), url))
    tokens = _values(root, "onvif.media.profiles", "analytics_tokens")
    configurations = root is not None and not tokens and ox.NS_ANALYTICS in seq.xaddrs
    call = Call("onvif.media.analytics_configurations", ox.NS_MEDIA, "GetVideoAnalyticsConfigurations")
    if configurations:
        works.append(lambda s: s.authed(call, url))
    read = seq.phase(works)
    if configurations:
        tokens = _values(read.pop(), call.probe, "analytics_tokens")
    uris = [uri for found in read for uri in _values(found, "onvif.media.stream_uri", "stream_uri")]
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
    works: list[Callable[[_Sequence], object]] = []
    for token in tokens[:MAX_PROFILES]:
        for probe, operation in _PER_CONFIGURATION:
            works.append(_authed(_configuration_call(probe, operation, token), url))
        if _offers(seq, "RuleOptionsSupported"):
            options = _configuration_call("onvif.analytics.rule_options", "GetRuleOptions", token)
            works.append(_raw(options, url))
    if _offers(seq, "SupportedMetadata"):
        metadata = Call("onvif.analytics.supported_metadata", ox.NS_ANALYTICS, "GetSupportedMetadata")
        works.append(_raw(metadata, url))
    seq.phase(works)


def _offers(seq: _Sequence, flag: str) -> bool:
    """The analytics service's capabilities (pre-auth) offer an optional operation."""
    return seq.analytics_caps is not None and ox.capability(seq.analytics_caps, flag)


def _events_url(seq: _Sequence) -> str | None:
    """The event service's address, or None (and why, and whether that makes its properties absent)."""
    url = seq.xaddrs.get(ox.NS_EVENTS)
    if url is None and not seq.services_read:
        seq.skipped.append(NotChecked("onvif.events", Reason.NO_ANSWER_TO, "GetServices, GetCapabilities"))
    elif url is None:
        seq.skipped.append(NotChecked("onvif.events", Reason.NO_EVENTS))
        seq.absent.add("onvif.events.properties")
    return url


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
    lines: Lines = one_line,
    guessed: bool = False,
) -> OnvifResult:
    """Query the ONVIF device service at `xaddr` (re-pointed at `address`), never raising for device faults.

    Pass the device's HTTP `client` so ONVIF shares its connections (and pace), or its `pace` for a client of
    its own. `observe` > 0 (seconds, with a login) also pulls the device's events for that long (observe mode). `login`:
    the device's (shared by its probes); once the device refused it anywhere, no call carries it. `lines` runs
    each phase's independent queries (in turn by default; the pipeline's at once, within the device's lines).
    `guessed`: `xaddr` is the usual path tried on a web port, where HTTP saying nothing is there ends the queries.
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
        caller = Caller(http, credential)
        return _Sequence(caller, address, device_url, observe, login, lines, guessed).run()
    finally:
        if own:
            http.close()
