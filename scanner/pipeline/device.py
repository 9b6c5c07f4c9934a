"""Audit one live host: identify it and probe it for face analytics, never raising (one device never stops the rest).

A device's steps run as soon as what they read is known: `GET /` on the web ports beside the ONVIF queries (when
WS-Discovery named the ONVIF address), RTSP's OPTIONS on the first line the others leave idle, its DESCRIBE once
ONVIF gave its stream URIs, and the vendor APIs as soon as the web page or ONVIF named the maker (beside ONVIF when
the web page did), split over the device's lines. Every request
passes the device's pace (scanner.net.pace): at most `per_host_concurrency` in flight however many of the device's
threads ask, ONVIF's and RTSP's dependent queries served before the vendor requests, so the limits always hold.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import replace

from scanner.config import ScanConfig
from scanner.judge.device import assess
from scanner.judge.identify import IdentityHints, hints, identity
from scanner.matching.engine import with_families
from scanner.matching.schema import SignatureSet
from scanner.model import (
    AuditInputs,
    DeviceReport,
    Host,
    Identity,
    NotChecked,
    Observation,
    Service,
)
from scanner.net.login import DeviceLogin
from scanner.pipeline.context import AuditKit, DeviceAudit
from scanner.pipeline.discovered import discovery_observation, wsd_observation
from scanner.pipeline.identification import identification_round, needs_identifying
from scanner.pipeline.rounds import RtspRound, announced_xaddrs, http_round, onvif_round, web_xaddrs
from scanner.pipeline.trace import Part
from scanner.pipeline.vendor import Readings, vendor_round
from scanner.vocabulary import Reason, Role, Verdict

TRACE_LOGGER = "scanner.pipeline.device.trace"  # DEBUG records carrying each device's step timings (`record.trace`)
_trace_log = logging.getLogger(TRACE_LOGGER)


class _Budget:
    """The per-device time budget: later steps are skipped (and said so) once it is spent."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def spent(self) -> bool:
        return time.monotonic() > self._deadline


def audit_host(host: Host, config: ScanConfig, sigset: SignatureSet, kit: AuditKit | None = None) -> DeviceReport:
    """Identify and probe one host; any unexpected failure becomes a `not_checked` entry, not an exception.

    Pass the scan's `kit` so WSDLs, limits and helper threads are shared; without it the host gets its own.
    """
    own_kit = kit is None
    kit = kit or AuditKit(config)
    device: DeviceAudit | None = None
    try:
        device = DeviceAudit(host, config, sigset, kit)
        return _audit(device)
    except Exception as exc:  # noqa: BLE001 - a broken device must not stop the audit of the others
        return failed(host, sigset, device.done if device is not None else (), type(exc).__name__)
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
        role=Role.UNKNOWN,  # never audited: nothing says what it is
    )


def failed(host: Host, sigset: SignatureSet, parts: Sequence[Part], why: str) -> DeviceReport:
    """The report of a host whose audit broke off, from the steps that finished (`parts`): a device that answered
    as a camera stays a camera (`unknown`, audit_failed); never "not a camera" because one answer broke the audit:
    a device nothing identified yet is of role unknown."""
    observations = observations_of(parts)
    try:
        found = hints(observations, sigset, listens=bool(host.open_ports))
        who, is_camera, role = identity(host, observations, found, sigset), found.is_camera, found.role
    except Exception:  # noqa: BLE001 - the answers that broke the audit may break this reading too
        is_camera = answered_as_camera(observations)
        who, role = Identity(mac=host.mac), Role.CAMERA if is_camera else Role.UNKNOWN
    return DeviceReport(
        address=host.address,
        identity=who,
        is_camera=is_camera,
        services=_services(host, parts),
        face_analytics=Verdict.UNKNOWN,
        findings=(),
        not_checked=(NotChecked("audit", Reason.AUDIT_FAILED, why),),
        discovered_by=host.discovered_by,
        observations=tuple(observations),
        role=role,
    )


def answered_as_camera(observations: Sequence[Observation]) -> bool:
    """Something answered in RTSP or ONVIF, or WS-Discovery announced a video transmitter."""
    for obs in observations:
        if obs.probe.startswith(("rtsp.", "onvif.")) and obs.status is not None:
            return True
        if any(t.lower().endswith("networkvideotransmitter") for t in obs.value("types")):
            return True
    return False


def _audit(device: DeviceAudit) -> DeviceReport:
    host, config, sigset = device.host, device.config, device.sigset
    budget = _Budget(config.device_budget + config.observe)  # an observe window is time the owner asked for
    parts = [Part(observations=tuple(wsd_observation(r) for r in host.wsd) + discovery_observation(host))]
    device.done.append(parts[0])
    rtsp = RtspRound(device)
    try:
        roots = device.beside("http.root", (), lambda: http_round(device.client, host))
        announced = announced_xaddrs(host)  # ONVIF can start at once, beside the web pages
        rtsp.offer()  # OPTIONS on the first line left idle: here beside `GET /` alone, else in an ONVIF phase
        chain = _Chain(device, roots, parts[0], rtsp)
        if announced:
            chain.start(announced, (), announced=True)
        else:
            device.idle_line()
        web = roots.result()
        if not announced:
            chain.start(web_xaddrs(host, web), ("http.root",), announced=False)
        listens = bool(host.open_ports)
        named = hints(observations_of([*parts, web]), sigset, listens)
        early = _early_vendor_round(device, web, named) if not budget.spent() else None
        onvif, found = chain.onvif.result()
        parts += [web, onvif]
        if early is not None:
            parts += [*chain.rtsp_parts(), *_settled(device, web.web_ports, early, found)]
        elif budget.spent():
            parts += [*chain.rtsp_parts(), Part(skipped=(NotChecked("vendor_api", Reason.BUDGET_SPENT),))]
        elif web.web_ports and not needs_identifying(found):  # the maker is known: its round goes beside RTSP
            maker = vendor_round(device, web.web_ports, found, after=("http.root", "onvif"))
            parts += [*chain.rtsp_parts(), maker]
        else:  # RTSP may yet name the maker
            parts += chain.rtsp_parts()
            parts += _maker_rounds(device, web.web_ports, observations_of(parts), listens)
    finally:
        device.close()
        rtsp.close()
    device.trace.log(_trace_log, host.address, device.pace.retries)
    return _report(host, device.login, sigset, parts)


class _Chain:
    """A device's dependent queries on a helper thread: ONVIF's phases, then RTSP's DESCRIBE with the stream URIs
    ONVIF gave (and the makers named so far), beside the vendor round (RTSP's OPTIONS went out on a line left idle
    earlier, or go just before). `onvif` holds ONVIF's part and the identity hints from the web pages and ONVIF as
    soon as ONVIF is done; `rtsp` the DESCRIBE part."""

    def __init__(self, device: DeviceAudit, roots: Future[Part], discovered: Part, rtsp: RtspRound) -> None:
        self.device, self.roots, self.discovered, self.rtsp_round = device, roots, discovered, rtsp
        self.onvif: Future[tuple[Part, IdentityHints]] = Future()
        self.rtsp: Future[Part] = Future()

    def rtsp_parts(self) -> list[Part]:
        """RTSP's parts, OPTIONS then DESCRIBE, once the chain is done."""
        described = self.rtsp.result()
        return [self.rtsp_round.opened(), described]

    def start(self, xaddrs: Sequence[str], after: tuple[str, ...], *, announced: bool) -> None:
        self.rtsp = self.device.alongside(lambda: self._run(list(xaddrs), after, announced))

    def _run(self, xaddrs: list[str], after: tuple[str, ...], announced: bool) -> Part:
        device = self.device
        try:
            onvif = onvif_round(device, xaddrs, after, announced=announced)
            seen = observations_of([self.discovered, self.roots.result(), onvif])
            found = hints(seen, device.sigset, bool(device.host.open_ports))
        except BaseException as exc:
            self.onvif.set_exception(exc)
            raise
        self.onvif.set_result((onvif, found))
        self.rtsp_round.wait_for_options()
        return device.here(
            "rtsp", ("http.root", "onvif", "rtsp.options"), lambda: self.rtsp_round.describe(onvif, found)
        )


class _Early:
    """The vendor round begun on what the web pages said (`named`), and its answers as they were before they were
    read."""

    def __init__(self, part: Part, named: IdentityHints, unread: Readings) -> None:
        self.part, self.named, self.unread = part, named, unread


def _early_vendor_round(device: DeviceAudit, web: Part, named: IdentityHints) -> _Early | None:
    """When the web pages named the maker, its vendor round runs now, beside ONVIF's queries, so that the device's
    lines are not idle while ONVIF's dependent queries wait for their answers; None when nothing named it."""
    if not web.web_ports or needs_identifying(named):
        return None
    unread = Readings()
    return _Early(vendor_round(device, web.web_ports, named, after=("http.root",), unread=unread), named, unread)


def _settled(
    device: DeviceAudit, web_ports: Sequence[tuple[int, bool]], early: _Early, found: IdentityHints
) -> list[Part]:
    """The early vendor round as it stands when ONVIF agreed on the maker. When ONVIF named another one too, its
    answers are read again as the makers the device turned out to be, and what those makers' requests add is asked
    now (nothing asked twice)."""
    sigset = device.sigset
    vendors = with_families(found.vendors, sigset)
    if set(vendors) == set(with_families(early.named.vendors, sigset)) or found.role == Role.PLATFORM:
        return [early.part]
    again = early.unread.again(early.part.observations, sigset.answers, vendors)
    first = replace(early.part, observations=again)
    asked = {obs.probe for obs in again}
    more = vendor_round(device, web_ports, found, asked, ("http.root", "onvif"), earlier=again, name="vendor.more")
    return [first, more]


def _maker_rounds(
    device: DeviceAudit, web_ports: Sequence[tuple[int, bool]], seen: Sequence[Observation], listens: bool
) -> list[Part]:
    """The identification round when nothing `seen` so far named the maker, then the vendor round of whoever the
    device turned out to be (none for a device still unidentified: its maker's login cannot be known)."""
    found = hints(seen, device.sigset, listens)
    if not (web_ports and needs_identifying(found)):
        return [vendor_round(device, web_ports, found)]
    identified = identification_round(device, web_ports)
    found = hints([*seen, *identified.observations], device.sigset, listens)
    asked = {obs.probe for obs in identified.observations}
    return [identified, vendor_round(device, web_ports, found, asked)]


def login_notes(login: DeviceLogin) -> list[NotChecked]:
    """What became of the owner's login on this device, once for the whole device: refused (and so never offered
    again), or not sent in clear."""
    notes = []
    if login.refused is not None:
        notes.append(NotChecked("login", Reason.LOGIN_REFUSED, login.refused))
    if login.basic_declined is not None:
        notes.append(NotChecked("login.basic", Reason.BASIC_IN_CLEAR, login.basic_declined))
    return notes


def _report(host: Host, login: DeviceLogin, sigset: SignatureSet, parts: Sequence[Part]) -> DeviceReport:
    inputs = AuditInputs(
        host=host,
        skipped=tuple(item for part in parts for item in part.skipped) + tuple(login_notes(login)),
        absent=tuple(sorted({check for part in parts for check in part.absent})),
        has_credential=login.credential is not None,
        services=_services(host, parts),
        channels=next((part.channels for part in parts if part.channels), ()),
    )
    return assess(inputs, observations_of(parts), sigset)


def observations_of(parts: Sequence[Part]) -> list[Observation]:
    return [obs for part in parts for obs in part.observations]


def _services(host: Host, parts: Sequence[Part]) -> tuple[Service, ...]:
    """Each open port with what spoke on it (a web port may also carry ONVIF); `tcp` when nothing did."""
    found: dict[int, set[str]] = {p: set() for p in host.open_ports}
    for part in parts:
        for port, protocol in part.services:
            found.setdefault(port, set()).add(protocol)
    return tuple(Service(port, proto) for port in sorted(found) for proto in sorted(found[port] or {"tcp"}))
