"""Audit one live host: identify it and probe it for face analytics, never raising (one device never stops the rest).

A device's steps run as soon as what they read is known: `GET /` on the web ports beside the ONVIF queries (when
WS-Discovery named the ONVIF address), RTSP once ONVIF gave its stream URIs, the vendor APIs last, split over
the device's lines. A device has at most `per_host_concurrency` lines (its own thread and shared helper
threads), and every request also passes the device's pace (scanner.net.pace), so the limits always hold.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from dataclasses import replace
from functools import partial
from types import TracebackType
from typing import TypeVar
from urllib.parse import urlsplit

from scanner.config import HTTP_PORTS, HTTPS_PORTS, RTSP_PORTS, ScanConfig
from scanner.discovery.multicast import REJECTED
from scanner.errors import ParseError
from scanner.judge.identify import IdentityHints, hints, identity
from scanner.judge.verdict import not_checked, verdict
from scanner.matching.engine import match_rules, with_families
from scanner.matching.schema import RequestSpec, SignatureSet
from scanner.matching.session import checked, hide_token, login_request, logout_request, read_token, with_token
from scanner.model import (
    FAILED,
    NOT_SUPPORTED,
    OK,
    Credential,
    DeviceReport,
    Host,
    Identity,
    NotChecked,
    Observation,
    Service,
    WsdReply,
    utc_now,
)
from scanner.net.pace import HostPace, Pace
from scanner.net.urls import in_scope
from scanner.pipeline.trace import Part, Trace
from scanner.probes.http import CUT_NOTE, HttpClient
from scanner.probes.onvif import WsdlCache, onvif_probe
from scanner.probes.rtsp import rtsp_probe
from scanner.vocabulary import Reason, Verdict

TRACE_LOGGER = "scanner.pipeline.device.trace"  # DEBUG records carrying each device's step timings (`record.trace`)
DEFAULT_ONVIF_PATH = "/onvif/device_service"  # only tried when WS-Discovery gave no XAddr
MAX_XADDRS = 4  # ONVIF device service addresses tried per device; a real one announces one or two
T = TypeVar("T")
_trace_log = logging.getLogger(TRACE_LOGGER)


class _Budget:
    """The per-device time budget: later steps are skipped (and said so) once it is spent."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def spent(self) -> bool:
        return time.monotonic() > self._deadline


class AuditKit:
    """What the device audits of one scan share: parsed WSDLs, the politeness limits, and the helper threads.

    `devices` is how many devices are audited at once; each may use `per_host_concurrency - 1` helpers.
    """

    def __init__(self, config: ScanConfig, devices: int = 1) -> None:
        self.wsdls = WsdlCache()
        self.pace = Pace(config.per_host_concurrency, config.rate)
        self.lines = config.per_host_concurrency
        helpers = max(1, devices) * (self.lines - 1)
        self._helpers = ThreadPoolExecutor(helpers, thread_name_prefix="camaudit-line") if helpers else None

    def beside(self, work: Callable[[], T]) -> Future[T]:
        """Run `work` on a helper thread beside the caller; at once, in the caller, when a device has one line."""
        if self._helpers is not None:
            return self._helpers.submit(work)
        done: Future[T] = Future()
        try:
            done.set_result(work())
        except Exception as exc:  # noqa: BLE001 - handed to whoever reads the future, as a helper thread would
            done.set_exception(exc)
        return done

    def close(self) -> None:
        if self._helpers is not None:
            self._helpers.shutdown(wait=True)

    def __enter__(self) -> AuditKit:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def audit_host(host: Host, config: ScanConfig, sigset: SignatureSet, kit: AuditKit | None = None) -> DeviceReport:
    """Identify and probe one host; any unexpected failure becomes a `not_checked` entry, not an exception.

    Pass the scan's `kit` so WSDLs, limits and helper threads are shared; without it the host gets its own.
    """
    own_kit = kit is None
    kit = kit or AuditKit(config)
    try:
        return _audit(host, config, sigset, kit)
    except Exception as exc:  # noqa: BLE001 - a broken device must not stop the audit of the others
        return unaudited(host, Reason.AUDIT_FAILED, type(exc).__name__)
    finally:
        kit.pace.release(host.address)
        if own_kit:
            kit.close()


def unaudited(host: Host, reason: Reason, detail: str = "", sigset: SignatureSet | None = None) -> DeviceReport:
    """The report of a host whose audit did not run or did not finish: what discovery knew, and why."""
    known = identity(host, [], hints([], sigset), sigset) if sigset is not None else Identity(mac=host.mac)
    return DeviceReport(
        address=host.address,
        identity=known,
        is_camera=False,
        services=tuple(Service(p, "tcp") for p in host.open_ports),
        face_analytics=Verdict.UNKNOWN,
        findings=(),
        not_checked=(NotChecked("audit", reason, detail),),
        discovered_by=host.discovered_by,
    )


class _Device:
    """One device's audit in progress: its client, pace and trace, and the helper work still running."""

    def __init__(self, host: Host, config: ScanConfig, sigset: SignatureSet, kit: AuditKit) -> None:
        self.host, self.config, self.sigset, self.kit = host, config, sigset, kit
        self.credential: Credential | None = config.credentials.for_address(host.address)
        self.pace: HostPace = kit.pace.host(host.address)
        self.pace.limit(config.device_budget + config.observe)  # no request starts, none outlives it, after this
        self.client = HttpClient(host.address, config.request_timeout, self.credential, self.pace)
        self.trace = Trace()
        self._running: list[Future[Part]] = []

    def beside(self, name: str, after: tuple[str, ...], work: Callable[[], Part]) -> Future[Part]:
        future = self.kit.beside(lambda: self.trace.step(name, after, work))
        self._running.append(future)
        return future

    def here(self, name: str, after: tuple[str, ...], work: Callable[[], Part]) -> Part:
        return self.trace.step(name, after, work)

    def close(self) -> None:
        wait_all(self._running)  # a helper may still be using the client after a failure here
        self.client.close()


def _audit(host: Host, config: ScanConfig, sigset: SignatureSet, kit: AuditKit) -> DeviceReport:
    budget = _Budget(config.device_budget + config.observe)  # an observe window is time the owner asked for
    device = _Device(host, config, sigset, kit)
    parts = [Part(observations=tuple(_wsd_observation(r) for r in host.wsd) + _discovery_observation(host))]
    try:
        roots = device.beside("http.root", (), lambda: _http_round(device.client, host))
        announced = _announced_xaddrs(host)  # ONVIF can start at once, beside the web pages
        onvif = device.here("onvif", (), lambda: _onvif_round(device, announced, True)) if announced else None
        web = roots.result()
        if onvif is None:
            onvif = device.here("onvif", ("http.root",), lambda: _onvif_round(device, _web_xaddrs(host, web)))
        parts += [web, onvif]
        found = hints(_observations(parts), sigset)
        parts.append(device.here("rtsp", ("http.root", "onvif"), lambda: _rtsp_round(device, onvif, found)))
        if budget.spent():
            parts.append(Part(skipped=(NotChecked("vendor_api", Reason.BUDGET_SPENT),)))
        else:
            parts.append(_vendor_round(device, web.web_ports, hints(_observations(parts), sigset)))
    finally:
        device.close()
    device.trace.log(_trace_log, host.address)
    return _report(host, device.credential, sigset, parts)


def _report(host: Host, credential: Credential | None, sigset: SignatureSet, parts: Sequence[Part]) -> DeviceReport:
    observations = _observations(parts)
    skipped = [item for part in parts for item in part.skipped]
    found = hints(observations, sigset)
    findings = match_rules(observations, sigset.rules)
    is_camera = found.is_camera
    vendors = with_families(found.vendors, sigset)  # an OEM's devices answer its family's rules too
    decisive = [rule for rule in sigset.rules if rule.conclusive]  # a miss of the others proves nothing
    skipped += [NotChecked("vendor_api", Reason(v.no_face_api), v.name) for v in sigset.vendors
                if v.no_face_api and v.name in vendors]  # fmt: skip
    skipped += _misbehaviour(observations) + _rejections(host)
    return DeviceReport(
        address=host.address,
        identity=identity(host, observations, found, sigset),
        is_camera=is_camera,
        services=_services(host, parts),
        face_analytics=verdict(findings, observations, decisive, vendors, is_camera),
        findings=findings,
        not_checked=not_checked(observations, decisive, vendors, is_camera, credential is not None, skipped),
        discovered_by=host.discovered_by,
        observations=tuple(observations),
    )


def _rejections(host: Host) -> list[NotChecked]:
    """Discovery replies from the device that could not be used (garbage, too many, answers to no probe of ours)."""
    notes = []
    for fact in host.facts:
        reasons = [value for name, value in fact.facts if name == REJECTED]
        if reasons:
            notes.append(NotChecked(fact.method, Reason.DISCOVERY_REJECTED, "; ".join(reasons)))
    return notes


def _misbehaviour(observations: Sequence[Observation]) -> list[NotChecked]:
    """What the device's answers broke, in the report's words: each request that got no usable answer (when no
    other request of the same probe did), and each answer cut at the size cap. A hostile or broken device is then
    reported with its reason, whether or not it looked like a camera.
    """
    answered = {obs.probe for obs in observations if obs.outcome == OK}
    notes: dict[str, NotChecked] = {}
    unsent = [obs for obs in observations if obs.outcome == FAILED and obs.stopped is not None]
    for obs in observations:
        if obs.outcome == FAILED and obs.probe not in answered and obs.detail and obs not in unsent:
            notes.setdefault(obs.probe, NotChecked(obs.probe, Reason.NO_ANSWER_TO, f"{obs.request}: {obs.detail}"))
        elif CUT_NOTE in obs.detail:
            note = NotChecked("answer_size", Reason.ANSWER_CUT, f"{obs.request} ({obs.detail})")
            notes.setdefault("answer_size", note)
    if unsent:  # one line, not one per request: the budget ran out, or the scan was stopped
        why = unsent[0].stopped or Reason.BUDGET_SPENT
        notes["not_sent"] = NotChecked("not_sent", why, str(len(unsent)))  # why, and how many
    return list(notes.values())


def _observations(parts: Sequence[Part]) -> list[Observation]:
    return [obs for part in parts for obs in part.observations]


def _services(host: Host, parts: Sequence[Part]) -> tuple[Service, ...]:
    """Each open port with what spoke on it (a web port may also carry ONVIF); `tcp` when nothing did."""
    found: dict[int, set[str]] = {p: set() for p in host.open_ports}
    for part in parts:
        for port, protocol in part.services:
            found.setdefault(port, set()).add(protocol)
    return tuple(Service(port, proto) for port in sorted(found) for proto in sorted(found[port] or {"tcp"}))


def _wsd_observation(reply: WsdReply) -> Observation:
    lines = [f"EndpointReference: {reply.epr}", "Types: " + " ".join(reply.types)]
    lines += ["Scopes: " + " ".join(reply.scopes), "XAddrs: " + " ".join(reply.xaddrs)]
    return Observation(
        probe="wsd.probe_match",
        request=f"WS-Discovery Probe to udp://{reply.address}:3702",
        outcome=OK,
        body="\n".join(lines).encode(),
        at=utc_now(),
        values=(("types", reply.types), ("scopes", reply.scopes), ("xaddrs", reply.xaddrs)),
    )


def _discovery_observation(host: Host) -> tuple[Observation, ...]:
    """What discovery revealed that face rules may read (models, MAC and its vendor), as one observation."""
    models = list(dict.fromkeys(v for fact in host.facts for k, v in fact.facts if k == "model" and v))
    values: list[tuple[str, tuple[str, ...]]] = [("model", tuple(models))]
    values += [("mac", (host.mac,) if host.mac else ()), ("mac_vendor", (host.mac_vendor,) if host.mac_vendor else ())]
    if not any(items for _, items in values):
        return ()
    methods = ", ".join(host.discovered_by) or "discovery"
    return (
        Observation(
            probe="discovery.facts",
            request=f"facts discovery revealed about {host.address} ({methods}; MAC vendor from nmap-mac-prefixes)",
            outcome=OK,
            body="\n".join(f"{k}: {' '.join(items)}" for k, items in values if items).encode(),
            at=utc_now(),
            values=tuple((k, items) for k, items in values if items),
        ),
    )


def _http_round(client: HttpClient, host: Host) -> Part:
    """GET / on every web port; `web_ports` are those that answered in HTTP, as (port, tls)."""
    observations, services, answered = [], [], []
    for port in host.open_ports:
        if port in RTSP_PORTS or port not in HTTP_PORTS | HTTPS_PORTS:
            continue
        tls = port in HTTPS_PORTS
        obs = client.fetch_root(port, tls)
        observations.append(obs)
        if obs.status is not None:
            services.append((port, "https" if tls else "http"))
            answered.append((port, tls))
    return Part(observations=tuple(observations), services=tuple(services), web_ports=tuple(answered))


def _announced_xaddrs(host: Host) -> list[str]:
    """The device service addresses WS-Discovery announced (http or https), in order, at most MAX_XADDRS.

    Each is asked at the host's own address, so two that differ only in their host are one; a reply listing
    hundreds cannot make the audit ask hundreds.
    """
    found: dict[str, str] = {}
    for xaddr in (x for reply in host.wsd for x in reply.xaddrs):
        try:
            https = xaddr.lower().startswith("https://")
            if https or xaddr.lower().startswith("http://"):
                found.setdefault(in_scope(xaddr, host.address, 443 if https else 80), xaddr)
        except (ParseError, ValueError):
            continue  # not a URL: nothing to ask
    return list(found.values())[:MAX_XADDRS]


def _web_xaddrs(host: Host, web: Part) -> list[str]:
    """The usual device service path on each port that answered in HTTP (no XAddr was announced)."""
    scheme = {True: "https", False: "http"}
    return [f"{scheme[tls]}://{host.address}:{port}{DEFAULT_ONVIF_PATH}" for port, tls in web.web_ports]


def _onvif_round(device: _Device, xaddrs: Sequence[str], announced: bool = False) -> Part:
    """Ask the first XAddr that answers ONVIF; its observations, stream URIs, and what it could not ask.

    When none answers, an `announced` (WS-Discovery) service's failed attempt is kept: a device that says it
    speaks ONVIF and then answers garbage is news; a guessed path that is not ONVIF is not.
    """
    failed: tuple[Observation, ...] = ()
    for xaddr in xaddrs[:MAX_XADDRS]:
        result = onvif_probe(
            device.host.address,
            xaddr,
            device.credential,
            device.config.request_timeout,
            wsdls=device.kit.wsdls,
            pace=device.pace,
            observe=device.config.observe,
        )
        if not any(o.outcome == OK for o in result.observations):
            failed = failed or result.observations
            continue  # not ONVIF here
        port = urlsplit(xaddr).port or (443 if xaddr.lower().startswith("https") else 80)
        return Part(
            observations=result.observations,
            services=((port, "onvif"),),
            skipped=result.not_checked,
            stream_uris=result.stream_uris,
        )
    return Part(observations=failed if announced else ())


def _rtsp_round(device: _Device, onvif: Part, found: IdentityHints) -> Part:
    """OPTIONS and DESCRIBE on each RTSP port, with ONVIF's stream URIs first, then the vendors' usual paths."""
    host, observations, services = device.host, list[Observation](), list[tuple[int, str]]()
    for port in host.open_ports:
        if port not in RTSP_PORTS:
            continue
        uris = [u for u in onvif.stream_uris if (urlsplit(u).port or 554) == port]
        vendors = with_families(found.vendors, device.sigset)
        for stream in device.sigset.stream_paths:
            if stream.vendor is None or stream.vendor in vendors:
                uris.append(f"rtsp://{host.address}:{port}{stream.path}")
        result = rtsp_probe(
            host.address, port, device.credential, list(dict.fromkeys(uris)), device.config.request_timeout,
            device.pace,
        )  # fmt: skip
        observations.extend(result)
        if any(o.status is not None for o in result):
            services.append((port, "rtsp"))
    return Part(observations=tuple(observations), services=tuple(services))


def _vendor_specs(found: IdentityHints, sigset: SignatureSet) -> list[RequestSpec]:
    """`always` requests, plus the vendor requests of the vendors hinted and their families (all when none is)."""
    known = {spec.vendor for spec in sigset.requests if spec.vendor}
    wanted = [v for v in with_families(found.vendors, sigset) if v in known]
    chosen = []
    for spec in sigset.requests:
        if spec.when == "always" or not wanted and found.is_camera or spec.vendor in wanted:
            chosen.append(spec)
    return chosen


def _request_key(spec: RequestSpec) -> tuple[object, ...]:
    """What is actually sent: two signature requests with the same key are one request to the device."""
    return spec.method, spec.path, spec.body, spec.content_type, spec.auth


def _vendor_round(device: _Device, web_ports: Sequence[tuple[int, bool]], found: IdentityHints) -> Part:
    """Each distinct vendor request once, on the first web port, spread over the device's lines.

    One answer serves every signature request that sends the same thing (recorded under each one's probe id).
    """
    if not web_ports:
        return Part()
    port, tls = web_ports[0]
    chosen = _vendor_specs(found, device.sigset)
    specs = [spec for spec in chosen if spec.session is None]
    distinct: dict[tuple[object, ...], RequestSpec] = {}
    for spec in specs:
        distinct.setdefault(_request_key(spec), spec)
    unique = list(distinct.values())
    batches = [batch for batch in (unique[i :: device.kit.lines] for i in range(device.kit.lines)) if batch]
    after = ("http.root", "onvif", "rtsp")

    def ask(batch: list[RequestSpec]) -> Part:
        return Part(observations=tuple(device.client.run_request(port, tls, spec) for spec in batch))

    helpers = [device.beside(f"vendor.{i}", after, partial(ask, b)) for i, b in enumerate(batches[1:], start=2)]
    parts = [device.here("vendor.1", after, partial(ask, batches[0]))] if batches else []
    parts += [future.result() for future in helpers]
    answers = {
        _request_key(spec): obs for batch, part in zip(batches, parts, strict=True)
        for spec, obs in zip(batch, part.observations, strict=True)
    }  # fmt: skip
    plain = tuple(_as_probe(answers[_request_key(spec)], spec.id) for spec in specs)
    in_session = [spec for spec in chosen if spec.session is not None]
    vendors = with_families(found.vendors, device.sigset)
    sessions = device.here("vendor.session", after, partial(_session_round, device, port, tls, in_session, vendors))
    return Part(observations=plain + sessions.observations, skipped=sessions.skipped)


def _session_round(device: _Device, port: int, tls: bool, specs: Sequence[RequestSpec], vendors: Sequence[str]) -> Part:
    """Requests behind a vendor login: log in once per session, ask, always log out; tokens never recorded.

    What could not be asked is said only for the vendors the device was identified as (an unidentified device is
    tried with every vendor's login; its not speaking one is no news).
    """
    observations: list[Observation] = []
    skipped: list[NotChecked] = []
    for session in (s for s in device.sigset.sessions if any(spec.session == s.id for spec in specs)):
        members = [spec for spec in specs if spec.session == session.id]
        ours = session.vendor in vendors
        if device.credential is None:
            skipped += [NotChecked(spec.id, Reason.SESSION_NEEDS_LOGIN) for spec in members if ours]
            continue
        login = checked(device.client.run_request(port, tls, login_request(session, device.credential)), session)
        token = read_token(login, session)
        observations.append(hide_token(login, token))
        if token is None:
            reason, detail = _login_failure(login)
            skipped += [NotChecked(spec.id, reason, detail) for spec in members if ours]
            continue
        try:
            for spec in members:
                answer = device.client.run_request(port, tls, with_token(spec, token))
                observations.append(hide_token(checked(_as_probe(answer, spec.id), session), token))
        finally:
            logout = device.client.run_request(port, tls, logout_request(session, token))
            observations.append(hide_token(logout, token))
    return Part(observations=tuple(observations), skipped=tuple(skipped))


def _login_failure(login: Observation) -> tuple[Reason, str]:
    if login.outcome == NOT_SUPPORTED:
        return Reason.SESSION_NOT_OFFERED, str(login.status or "")
    if login.outcome == FAILED and login.status is None:
        return Reason.SESSION_NO_ANSWER, login.detail
    return Reason.SESSION_LOGIN_REFUSED, ""


def _as_probe(obs: Observation, probe: str) -> Observation:
    return obs if obs.probe == probe else replace(obs, probe=probe)
