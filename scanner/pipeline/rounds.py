"""The protocol steps of one device's audit: `GET /` on its web ports, ONVIF, RTSP (OPTIONS, then DESCRIBE)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_all
from contextlib import nullcontext
from urllib.parse import urlsplit

from scanner.config import HTTP_PORTS, HTTPS_PORTS, RTSP_PORTS
from scanner.errors import ParseError
from scanner.judge.identify import IdentityHints
from scanner.matching.engine import with_families
from scanner.model import OK, Host, Observation
from scanner.net.slots import giving_way
from scanner.net.urls import in_scope
from scanner.pipeline.context import DeviceAudit
from scanner.pipeline.trace import Part
from scanner.probes.http import Asked, HttpClient
from scanner.probes.onvif import onvif_probe
from scanner.probes.rtsp import RtspPort
from scanner.vocabulary import Reason

DEFAULT_ONVIF_PATH = "/onvif/device_service"  # only tried when WS-Discovery gave no XAddr
WEB_PORTS = frozenset({80, 443, 8080, 8443})  # where a camera serves its web pages and API
MAX_XADDRS = 4  # ONVIF device service addresses tried per device; a real one announces one or two


def http_round(client: HttpClient, host: Host) -> Part:
    """GET / on every web port; `web_ports` are those that answered in HTTP, as (port, tls), in serving order.

    A port that did not answer in time is asked once more when it is a standard web port or no port answered: a
    camera's SDK port may be open and silent to HTTP (a maker's binary protocol waiting for its own header), and
    waiting for it twice would help nothing. A standard web port, always asked again, is first waited for as any
    request that will be asked again (`HostPace.first_wait`: a lost `GET /` costs a few seconds, not the whole
    timeout); the other ports the whole timeout, as they may not be asked again.
    """
    ports = [(port, port in HTTPS_PORTS) for port in host.open_ports
             if port not in RTSP_PORTS and port in HTTP_PORTS | HTTPS_PORTS]  # fmt: skip
    first = [client.fetch_root(port, tls, asked=Asked.BY_CALLER if port in WEB_PORTS else Asked.ONCE)
             for port, tls in ports]  # fmt: skip
    none = not any(obs.status is not None for obs in first)
    first = [client.fetch_root(port, tls, asked=Asked.ONCE) if _slow(obs) and (none or port in WEB_PORTS)
             and client.may_retry() else obs for (port, tls), obs in zip(ports, first, strict=True)]  # fmt: skip
    observations, services, answered = [], [], []
    for (port, tls), obs in zip(ports, first, strict=True):
        observations.append(obs)
        if obs.status is not None:
            services.append((port, "https" if tls else "http"))
            answered.append((port, tls, obs.status))
    return Part(observations=tuple(observations), services=tuple(services), web_ports=serving_first(answered))


def serving_first(answered: Sequence[tuple[int, bool, int]]) -> tuple[tuple[int, bool], ...]:
    """The web ports, as (port, tls), in the order the vendor requests use them: those whose root answered (a page,
    a redirect, or a login asked for) before those that said they offer nothing there (404, 405, 5xx), as an ONVIF
    service on a port of its own does; otherwise in port order. The vendor round asks on the first."""

    def offers_nothing(status: int) -> bool:
        return status >= 400 and status not in (401, 403)

    return tuple((port, tls) for port, tls, _ in sorted(answered, key=lambda web: offers_nothing(web[2])))


def _slow(obs: Observation) -> bool:
    return obs.stopped == Reason.TIMED_OUT


def announced_xaddrs(host: Host) -> list[str]:
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


def web_xaddrs(host: Host, web: Part) -> list[str]:
    """The usual device service path on each port that answered in HTTP (no XAddr was announced)."""
    scheme = {True: "https", False: "http"}
    return [f"{scheme[tls]}://{host.address}:{port}{DEFAULT_ONVIF_PATH}" for port, tls in web.web_ports]


def onvif_round(device: DeviceAudit, xaddrs: Sequence[str], after: tuple[str, ...], *, announced: bool = False) -> Part:
    """Ask the first XAddr that answers ONVIF; its observations, stream URIs, and what it could not ask. Each
    phase's queries go over the device's lines, traced as steps `onvif.<phase>.<line>` (the first after `after`).

    When none answers, an `announced` (WS-Discovery) service's failed attempt is kept: a device that says it
    speaks ONVIF and then answers garbage is news; a guessed path that is not ONVIF is not.
    """
    lines = device.lines("onvif", after)
    failed: tuple[Observation, ...] = ()
    for xaddr in xaddrs[:MAX_XADDRS]:
        result = onvif_probe(
            device.host.address,
            xaddr,
            device.credential,
            device.config.request_timeout,
            client=device.client,
            pace=device.pace,
            observe=device.config.observe,
            login=device.login,
            lines=lines,
            guessed=not announced,
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
            absent=result.absent,
        )
    return Part(observations=failed if announced else ())


class RtspRound:
    """RTSP on each of the host's RTSP ports, over one connection per port: OPTIONS, which needs nothing known about
    the device, sent once by whichever line gets to it first (a line `GET /` or a phase of another probe leaves
    idle: `offer`), else just before DESCRIBE; then DESCRIBE on the ports that answered, with ONVIF's stream URIs
    first, then the usual paths of the makers named so far. `close()` when the audit is done."""

    def __init__(self, device: DeviceAudit) -> None:
        self.device = device
        host, config = device.host, device.config
        self.ports = [RtspPort(host.address, port, config.request_timeout, device.pace, device.login)
                      for port in host.open_ports if port in RTSP_PORTS]  # fmt: skip
        self._claim = threading.Lock()  # taken by the line that sends OPTIONS
        self._opened: Future[Part] = Future()  # OPTIONS' part, once its answers are in
        self._answered: list[RtspPort] = []  # the ports that answered OPTIONS

    def offer(self) -> None:
        """Let a line that would be idle send OPTIONS (scanner.pipeline.context: `DeviceAudit.spare`)."""
        if self.ports:
            self.device.spare.append(("rtsp.options", self._spare))

    def _spare(self) -> Part:
        self.options(giving=True)  # as requests that give way to the device's others: nothing waits for them yet
        return Part()  # OPTIONS' part is `opened()`, whichever line sent them

    def options(self, giving: bool = False) -> None:
        """OPTIONS on each port, unless another line sent them already (`opened()` is their part); `giving`: as
        requests that give way to the device's others."""
        if not self._claim.acquire(blocking=False):
            return
        try:
            observations, services, answered = [], [], []
            with giving_way() if giving else nullcontext():
                for session in self.ports:
                    obs = session.options()
                    observations.append(obs)
                    if obs.status is not None:
                        services.append((session.port, "rtsp"))
                        answered.append(session)
        except BaseException as exc:
            self._opened.set_exception(exc)
            raise
        self._answered = answered
        part = Part(observations=tuple(observations), services=tuple(services))
        self.device.done.append(part)  # what a failed audit still reports
        self._opened.set_result(part)

    def wait_for_options(self) -> None:
        """When another line is sending OPTIONS, wait for their answers (so that DESCRIBE's step begins after them,
        as its trace says); else return at once (DESCRIBE's step sends them)."""
        if self._claim.locked():
            wait_all([self._opened])

    def opened(self) -> Part:
        """OPTIONS' part (waits for a line still sending it); empty for a host without RTSP ports."""
        return self._opened.result() if self.ports else Part()

    def describe(self, onvif: Part, found: IdentityHints) -> Part:
        """OPTIONS now unless a line sent them already (then their answers first), then DESCRIBE on each port that
        answered OPTIONS."""
        if not self.ports:
            return Part()
        self.options()
        self._opened.result()
        address, vendors = self.device.host.address, with_families(found.vendors, self.device.sigset)
        observations: list[Observation] = []
        for session in self._answered:
            uris = [u for u in onvif.stream_uris if (urlsplit(u).port or 554) == session.port]
            for stream in self.device.sigset.stream_paths:
                if stream.vendor is None or stream.vendor in vendors:
                    uris.append(f"rtsp://{address}:{session.port}{stream.path}")
            observations += session.describe(list(dict.fromkeys(uris)))
        return Part(observations=tuple(observations))

    def close(self) -> None:
        for session in self.ports:
            session.close()
