"""The vendor step of a device's audit: each signature request once, and the vendor sessions behind a login."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from scanner.judge.identify import IdentityHints
from scanner.matching.engine import with_families
from scanner.matching.schema import RequestSpec, SignatureSet
from scanner.matching.session import checked, hide_token, login_request, logout_request, read_token, with_token
from scanner.model import FAILED, NOT_SUPPORTED, NotChecked, Observation
from scanner.pipeline.context import DeviceAudit
from scanner.pipeline.trace import Part
from scanner.vocabulary import Reason


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


def vendor_round(device: DeviceAudit, web_ports: Sequence[tuple[int, bool]], found: IdentityHints) -> Part:
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


def _session_round(
    device: DeviceAudit, port: int, tls: bool, specs: Sequence[RequestSpec], vendors: Sequence[str]
) -> Part:
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
