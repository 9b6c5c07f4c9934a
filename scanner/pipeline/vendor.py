"""The vendor step of a device's audit: each signature request once, the device's channels and the requests asked
per channel, and the vendor sessions behind a login.

Requests that open a server-side search are always closed; answer lines holding secrets are dropped, and secret
fields blanked, before they are recorded; a platform (video-management or face platform software) is never asked
anything behind a login; each answer the vendor documents as "I lack this" is read as absent, and its own error
answers sent with HTTP 200 as not read (`[[answer]]`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from functools import partial

from scanner.judge.identify import IdentityHints
from scanner.matching.answers import read_answer
from scanner.matching.channels import default_channels, read_channels
from scanner.matching.engine import with_families
from scanner.matching.schema import AnswerMeaning, RequestSpec, SessionSpec, SignatureSet
from scanner.matching.session import checked, hide_token, login_request, logout_request, read_token, with_token
from scanner.matching.templates import closing, drop_lines, for_channel, hide_fields, search_handle
from scanner.model import ABSENT, FAILED, NOT_SUPPORTED, Channel, NotChecked, Observation
from scanner.net.slots import giving_way
from scanner.pipeline.context import DeviceAudit
from scanner.pipeline.trace import Part
from scanner.probes.http import Asked
from scanner.probes.onvif import Task
from scanner.vocabulary import Reason, Role

AFTER = ("http.root", "onvif", "rtsp", "identify")  # the steps whose answers chose the vendor requests
Send = Callable[[RequestSpec], Observation]


def _vendor_specs(found: IdentityHints, sigset: SignatureSet, asked: Collection[str]) -> list[RequestSpec]:
    """`always` requests, plus the requests of the vendors the device was identified as and their families. A device
    of no known maker gets none: the owner's login goes only to a device identified as the vendor whose API needs it.

    An identification request (`identify`) is asked here only when it reads identity fields, and never again when the
    identification round already asked it (`asked`: the probe ids answered there)."""
    wanted = with_families(found.vendors, sigset)
    chosen = []
    for spec in sigset.requests:
        if spec.id in asked or spec.when == "identify" and not spec.extract:
            continue
        if spec.when == "always" or spec.vendor in wanted:
            chosen.append(spec)
    return chosen


def _request_key(spec: RequestSpec) -> tuple[object, ...]:
    """What is actually sent: two signature requests with the same key are one request to the device."""
    return spec.method, spec.path, spec.body, spec.content_type, spec.auth, spec.headers


class Asker:
    """Sends one device's signature requests on one web port and finishes each answer the same way. `unread`, when
    given, keeps each answer as it was before the vendors' meanings read it (`Readings`)."""

    def __init__(
        self, device: DeviceAudit, port: int, tls: bool, vendors: Sequence[str], unread: Readings | None = None
    ) -> None:
        self.device, self.port, self.tls, self.vendors, self.unread = device, port, tls, vendors, unread

    def send(self, spec: RequestSpec) -> Observation:
        # a request that timed out is asked once more; one that opens a search is first waited for as long as any
        # (given up early, its search would stay open on the device; one the device lost stays open either way, and
        # the second is closed). The vendor requests are the device's bulk: they give way to ONVIF's and RTSP's
        # dependent queries
        with giving_way():
            asked = Asked.AGAIN if spec.token is None else Asked.AGAIN_PATIENT
            return self.device.client.run_request(self.port, self.tls, spec, asked=asked)

    def ask(self, spec: RequestSpec, send: Send | None = None, channel: str | None = None) -> list[Observation]:
        """The request's answer, finished, and the closing request of a search it opened."""
        send = send or self.send
        concrete = for_channel(spec, channel) if channel is not None else spec
        answer = self.finish(send(concrete), spec, channel)
        handle = search_handle(answer, spec)
        if handle is None:
            return [answer]
        return [answer, self.finish(send(closing(concrete, handle)), spec, channel)]

    def finish(self, obs: Observation, spec: RequestSpec, channel: str | None) -> Observation:
        obs = drop_lines(obs if obs.probe.startswith(spec.id) else replace(obs, probe=spec.id), spec.drop)
        obs = hide_fields(obs, spec.secret_fields)
        obs = replace(obs, channel=channel) if channel is not None else obs
        read = read_answer(obs, self.device.sigset.answers, self.vendors)
        if self.unread is not None:
            self.unread.keep(read, obs)
        return read


class Readings:
    """The vendor answers of a round as they were before the vendors' meanings read them, so that they can be read
    again as another maker's when the device turns out to be one (scanner.pipeline.device: the round began on
    what the web page said, and ONVIF then named another maker)."""

    def __init__(self) -> None:
        # id of the answer as read -> (that answer, kept alive so that its id stays its own; the answer before)
        self._unread: dict[int, tuple[Observation, Observation]] = {}
        self._lock = threading.Lock()

    def keep(self, read: Observation, unread: Observation) -> None:
        with self._lock:
            self._unread[id(read)] = (read, unread)

    def alias(self, copy: Observation, original: Observation) -> None:
        """`copy` is `original` recorded under another probe id (one request serving two signature requests)."""
        with self._lock:
            entry = self._unread.get(id(original))
            if entry is not None and entry[0] is original:
                self._unread[id(copy)] = (copy, replace(entry[1], probe=copy.probe))

    def again(self, observations: Sequence[Observation], answers: Sequence[AnswerMeaning], vendors: Sequence[str]
              ) -> tuple[Observation, ...]:  # fmt: skip
        """Each answer read as `vendors`' (a login or logout, never read, stays as it is)."""
        with self._lock:
            entries = [self._unread.get(id(o)) for o in observations]
        return tuple(read_answer(entry[1], answers, vendors) if entry is not None and entry[0] is o else o
                     for o, entry in zip(observations, entries, strict=True))  # fmt: skip


def vendor_round(
    device: DeviceAudit,
    web_ports: Sequence[tuple[int, bool]],
    found: IdentityHints,
    asked: Collection[str] = (),
    after: tuple[str, ...] = AFTER,
    *,
    earlier: Sequence[Observation] = (),
    unread: Readings | None = None,
    name: str = "vendor",
) -> Part:
    """Each distinct vendor request once, on the first web port, spread over the device's lines; then the
    per-channel ones for each channel the device lists; then the session requests. `asked`: the probe ids an
    earlier round already asked; `earlier`: that round's answers (a channel list among them counts); `after`: the
    steps whose answers chose the requests (for the trace); `unread`: where to keep the answers as they were before
    they were read; `name`: the trace's steps (`<name>`, `<name>.channel`, `<name>.session`)."""
    if not web_ports or found.role == Role.PLATFORM:  # camaudit never logs in to a platform
        return Part()
    vendors = with_families(found.vendors, device.sigset)
    asker = Asker(device, *web_ports[0], vendors, unread)
    chosen = _vendor_specs(found, device.sigset, asked)
    plain = [spec for spec in chosen if spec.session is None]
    first = in_parallel(device, asker, [(spec, None) for spec in plain if not spec.per_channel], name, after)
    channels, skipped = _channels(device, [*earlier, *first], vendors, [s for s in plain if s.per_channel])
    pairs = [(spec, ch.id) for spec in plain if spec.per_channel for ch in channels]
    per_channel = in_parallel(device, asker, pairs, f"{name}.channel", (*after, name))
    in_session = [spec for spec in chosen if spec.session is not None]
    secure = next(((port, tls) for port, tls in web_ports if tls), web_ports[0])  # a login form goes over TLS if it can
    session_asker = Asker(device, *secure, vendors, unread)
    sessions = device.here(f"{name}.session", after, partial(_session_round, session_asker, in_session, vendors))
    observations = tuple(first) + tuple(per_channel) + sessions.observations
    return Part(observations=observations, skipped=skipped + sessions.skipped, channels=channels)


def in_parallel(
    device: DeviceAudit,
    asker: Asker,
    work: Sequence[tuple[RequestSpec, str | None]],
    step: str,
    after: tuple[str, ...] = AFTER,
) -> list[Observation]:
    """Each distinct (request, channel) once, spread over the device's lines; one answer serves every signature
    request that sends the same thing (recorded under each one's probe id). `after`: the steps it waited for."""
    distinct: dict[tuple[object, ...], tuple[RequestSpec, str | None]] = {}
    for spec, channel in work:
        distinct.setdefault((*_request_key(spec), channel), (spec, channel))
    results: dict[tuple[object, ...], list[Observation]] = {}  # each key written by one line only

    def task(key: tuple[object, ...], spec: RequestSpec, channel: str | None) -> Task:
        def ask() -> tuple[Observation, ...]:
            results[key] = asker.ask(spec, channel=channel)
            return tuple(results[key])

        return ask

    device.lines(step, after)([task(key, spec, channel) for key, (spec, channel) in distinct.items()])
    found = []
    for spec, channel in work:
        asked = distinct[(*_request_key(spec), channel)][0]
        for obs in results[(*_request_key(spec), channel)]:
            probe = spec.id + obs.probe.removeprefix(asked.id)  # `<id>` or `<id>.close`
            if probe == obs.probe:
                found.append(obs)
                continue
            copy = replace(obs, probe=probe)
            if asker.unread is not None:
                asker.unread.alias(copy, obs)
            found.append(copy)
    return found


def _channels(
    device: DeviceAudit, answers: Sequence[Observation], vendors: Sequence[str], wanted: Sequence[RequestSpec]
) -> tuple[tuple[Channel, ...], tuple[NotChecked, ...]]:
    """The device's channels from its vendor's channel list; a device that says it has no such list (a camera)
    has the vendor's default ones. When the list could not be read, the per-channel requests are not asked and
    each says why."""
    sources = [s for s in device.sigset.channels if s.vendor in vendors]
    for source in sources:
        listed = read_channels(answers, source)
        if listed:
            return listed, ()
        if listed is not None or any(o.probe == source.probe and o.outcome == ABSENT for o in answers):
            return default_channels(source), ()
    if not sources or not wanted:
        return (), ()
    return (), tuple(NotChecked(spec.id, Reason.CHANNELS_UNREAD) for spec in wanted)


def _session_round(asker: Asker, specs: Sequence[RequestSpec], vendors: Sequence[str]) -> Part:
    """Requests behind a vendor login, for the vendors the device was identified as only (a login is never sent
    to a device not identified as that vendor): log in once per session, ask, always log out."""
    observations: list[Observation] = []
    skipped: list[NotChecked] = []
    for session in asker.device.sigset.sessions:
        members = [spec for spec in specs if spec.session == session.id]
        if not members or session.vendor not in vendors:
            continue
        if asker.device.credential is None:
            skipped += [NotChecked(spec.id, Reason.SESSION_NEEDS_LOGIN) for spec in members]
            continue
        part = _one_session(asker, session, members, vendors)
        observations += part.observations
        skipped += part.skipped
    return Part(observations=tuple(observations), skipped=tuple(skipped))


def _one_session(asker: Asker, session: SessionSpec, members: Sequence[RequestSpec], vendors: Sequence[str]) -> Part:
    """One login, its requests (per channel too), and the logout; the token is never recorded. No login is sent
    once the device refused the owner's login (here or to any other probe): accounts lock. The login form carries
    the password itself, so over plain HTTP it goes only when the owner's entry allows the password in clear."""
    owner = asker.device.credential
    if not asker.tls and owner is not None and not owner.allow_basic:
        return Part(skipped=tuple(NotChecked(s.id, Reason.LOGIN_IN_CLEAR, session.vendor or "") for s in members))
    with asker.device.login.offer() as credential:
        if credential is None:
            return Part(skipped=tuple(NotChecked(s.id, Reason.LOGIN_REFUSED) for s in members))
        login = checked(asker.send(login_request(session, credential)), session)
        token = read_token(login, session)
        if token is not None:
            asker.device.login.accept()
        elif _login_failure(login)[0] == Reason.SESSION_LOGIN_REFUSED:
            asker.device.login.refuse(login.request)
    observations = [_without_body(hide_token(login, token))]  # the login's body holds the password
    if token is None:
        reason, detail = _login_failure(login)
        return Part(observations=tuple(observations), skipped=tuple(NotChecked(s.id, reason, detail) for s in members))

    def send(spec: RequestSpec) -> Observation:
        return hide_token(checked(asker.send(with_token(spec, token)), session), token)

    skipped: tuple[NotChecked, ...] = ()
    try:
        first = [o for spec in members if not spec.per_channel for o in asker.ask(spec, send)]
        wanted = [spec for spec in members if spec.per_channel]
        channels, skipped = _channels(asker.device, first, vendors, wanted)
        observations += first + [o for spec in wanted for ch in channels for o in asker.ask(spec, send, ch.id)]
    finally:
        observations.append(hide_token(asker.send(logout_request(session, token)), token))
    return Part(observations=tuple(observations), skipped=skipped)


def _without_body(obs: Observation) -> Observation:
    return replace(obs, sent=replace(obs.sent, body=b"")) if obs.sent is not None else obs


def _login_failure(login: Observation) -> tuple[Reason, str]:
    if login.outcome == NOT_SUPPORTED:
        return Reason.SESSION_NOT_OFFERED, str(login.status or "")
    if login.outcome == FAILED and login.status is None:
        return Reason.SESSION_NO_ANSWER, login.detail
    return Reason.SESSION_LOGIN_REFUSED, ""
