"""Audit one live host: identify it and probe it for face analytics, never raising (one device never stops the rest)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from scanner.config import HTTP_PORTS, HTTPS_PORTS, RTSP_PORTS, ScanConfig
from scanner.identify import IdentityHints, hints, identity
from scanner.matching.engine import match_rules
from scanner.matching.schema import RequestSpec, SignatureSet
from scanner.model import (
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
from scanner.probes.http import HttpClient
from scanner.probes.onvif import onvif_probe
from scanner.probes.rtsp import rtsp_probe
from scanner.verdict import not_checked, verdict

DEFAULT_ONVIF_PATH = "/onvif/device_service"  # only tried when WS-Discovery gave no XAddr


class _Budget:
    """The per-device time budget: later steps are skipped (and said so) once it is spent."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def spent(self) -> bool:
        return time.monotonic() > self._deadline


def audit_host(host: Host, config: ScanConfig, sigset: SignatureSet) -> DeviceReport:
    """Identify and probe one host; any unexpected failure becomes a `not_checked` entry, not an exception."""
    try:
        return _audit(host, config, sigset)
    except Exception as exc:  # noqa: BLE001 - a broken device must not stop the audit of the others
        return DeviceReport(
            address=host.address,
            identity=Identity(mac=host.mac),
            is_camera=False,
            services=tuple(Service(p, "tcp") for p in host.open_ports),
            face_analytics="unknown",
            findings=(),
            not_checked=(NotChecked("audit", f"the audit of this device failed: {type(exc).__name__}"),),
            discovered_by=host.discovered_by,
        )


def _audit(host: Host, config: ScanConfig, sigset: SignatureSet) -> DeviceReport:
    budget = _Budget(config.device_budget)
    credential = config.credentials.for_address(host.address)
    observations: list[Observation] = [_wsd_observation(r) for r in host.wsd]
    services: dict[int, set[str]] = {p: set() for p in host.open_ports}
    skipped: list[NotChecked] = []

    client = HttpClient(host.address, config.request_timeout, credential)
    try:
        web_ports = _http_round(client, host, services, observations)
        stream_uris = _onvif_round(host, config, credential, web_ports, services, observations, skipped)
        _rtsp_round(host, config, credential, stream_uris, services, observations, sigset, hints(observations, sigset))
        found = hints(observations, sigset)
        if budget.spent():
            skipped.append(NotChecked("vendor_api", "the device's time budget ran out before its web API was asked"))
        else:
            _vendor_round(client, web_ports, found, sigset, observations)
    finally:
        client.close()

    found = hints(observations, sigset)
    findings = match_rules(observations, sigset.rules)
    is_camera = found.is_camera
    return DeviceReport(
        address=host.address,
        identity=identity(host, observations, found, sigset),
        is_camera=is_camera,
        services=_services(services),
        face_analytics=verdict(findings, observations, sigset.rules, found.vendors, is_camera),
        findings=findings,
        not_checked=not_checked(observations, sigset.rules, found.vendors, is_camera, credential is not None, skipped),
        discovered_by=host.discovered_by,
        observations=tuple(observations),
    )


def _services(found: dict[int, set[str]]) -> tuple[Service, ...]:
    """Each open port with what spoke on it (a web port may also carry ONVIF); `tcp` when nothing did."""
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


def _http_round(
    client: HttpClient, host: Host, services: dict[int, set[str]], observations: list[Observation]
) -> list[tuple[int, bool]]:
    """GET / on every web port; returns the ports that answered in HTTP, as (port, tls)."""
    answered = []
    for port in host.open_ports:
        if port in RTSP_PORTS or port not in HTTP_PORTS | HTTPS_PORTS:
            continue
        tls = port in HTTPS_PORTS
        obs = client.fetch_root(port, tls)
        observations.append(obs)
        if obs.status is not None:
            services[port].add("https" if tls else "http")
            answered.append((port, tls))
    return answered


def _xaddrs(host: Host, web_ports: Sequence[tuple[int, bool]]) -> list[str]:
    found = [x for reply in host.wsd for x in reply.xaddrs if x.lower().startswith(("http://", "https://"))]
    if found:
        return list(dict.fromkeys(found))
    scheme = {True: "https", False: "http"}
    return [f"{scheme[tls]}://{host.address}:{port}{DEFAULT_ONVIF_PATH}" for port, tls in web_ports]


def _onvif_round(
    host: Host,
    config: ScanConfig,
    credential: Credential | None,
    web_ports: Sequence[tuple[int, bool]],
    services: dict[int, set[str]],
    observations: list[Observation],
    skipped: list[NotChecked],
) -> tuple[str, ...]:
    """Ask the first XAddr that answers ONVIF; returns the stream URIs it gave and notes what it could not ask."""
    for xaddr in _xaddrs(host, web_ports):
        result = onvif_probe(host.address, xaddr, credential, config.request_timeout)
        if not any(o.outcome == OK for o in result.observations):
            continue  # not ONVIF here; its failed attempt is not evidence of anything
        observations.extend(result.observations)
        skipped.extend(result.not_checked)
        port = urlsplit(xaddr).port or (443 if xaddr.lower().startswith("https") else 80)
        services.setdefault(port, set()).add("onvif")
        return result.stream_uris
    return ()


def _rtsp_round(
    host: Host,
    config: ScanConfig,
    credential: Credential | None,
    stream_uris: Sequence[str],
    services: dict[int, set[str]],
    observations: list[Observation],
    sigset: SignatureSet,
    found: IdentityHints,
) -> None:
    for port in host.open_ports:
        if port not in RTSP_PORTS:
            continue
        uris = [u for u in stream_uris if (urlsplit(u).port or 554) == port]
        for stream in sigset.stream_paths:
            if stream.vendor is None or stream.vendor in found.vendors:
                uris.append(f"rtsp://{host.address}:{port}{stream.path}")
        result = rtsp_probe(host.address, port, credential, list(dict.fromkeys(uris)), config.request_timeout)
        observations.extend(result)
        if any(o.status is not None for o in result):
            services[port].add("rtsp")


def _vendor_specs(found: IdentityHints, sigset: SignatureSet) -> list[RequestSpec]:
    """`always` requests, plus the vendor requests of the vendors hinted (all of them when none is)."""
    known = {spec.vendor for spec in sigset.requests if spec.vendor}
    wanted = [v for v in found.vendors if v in known]
    chosen = []
    for spec in sigset.requests:
        if spec.when == "always" or not wanted and found.is_camera or spec.vendor in wanted:
            chosen.append(spec)
    return chosen


def _vendor_round(
    client: HttpClient,
    web_ports: Sequence[tuple[int, bool]],
    found: IdentityHints,
    sigset: SignatureSet,
    observations: list[Observation],
) -> None:
    if not web_ports:
        return
    port, tls = web_ports[0]
    for spec in _vendor_specs(found, sigset):
        observations.append(client.run_request(port, tls, spec))
