"""HTTP to one device: GET / fingerprints and data-driven vendor API requests, the device's login answered (Digest,
Basic only where allowed), redirects on the same host; transport in wire.py (the standard library's http.client)."""

from __future__ import annotations

import dataclasses
import html
import http.client
import secrets
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

from scanner.errors import ParseError, ProbeError
from scanner.model import (
    FAILED,
    Credential,
    Observation,
    Sent,
    utc_now,
)
from scanner.net.login import DeviceLogin
from scanner.net.pace import UNPACED, ClosedUnanswered, HostPace, cause_of, in_first_attempt, timed_out
from scanner.net.redact import scrub
from scanner.net.urls import in_scope, printable, same_host, url_host
from scanner.probes.authn import (
    Challenge,
    basic_authorization,
    digest_authorization,
    digest_supported,
    parse_challenges,
    preferred,
)
from scanner.probes.wire import NETWORK_ERRORS, USER_AGENT, Reply, UnusableAnswer, Wire
from scanner.vocabulary import ABSENT_STATUSES, Reason, outcome_of_status

__all__ = ["EXCHANGE_LIMIT", "NETWORK_ERRORS", "USER_AGENT", "HttpClient", "Reply", "auth_scheme", "parse_title"]

BASIC_DECLINED = (
    "the device asks for the password in clear (HTTP Basic without TLS); not sent: the credentials entry does not "
    "set allow_basic = true"
)
EXCHANGE_LIMIT = 4  # an exchange may take this many times the request timeout in all, however the device drips
MAX_REDIRECTS = 3  # same-host only; a login page behind `/` is common, a chain longer than this is not
T = TypeVar("T")
Body = bytes | Callable[[], bytes] | None  # a callable is made afresh for each request sent
_FAILURES: tuple[type[BaseException], ...] = (ProbeError, *NETWORK_ERRORS)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TITLE_WINDOW = 256 * 1024  # a <title> sits in the head; no need to scan a megabyte for it


def parse_title(document: bytes) -> str | None:
    """The text of the HTML <title>, unescaped and whitespace-collapsed; None when absent or empty."""
    window = document[:_TITLE_WINDOW]
    lower = window.lower()
    start = lower.find(b"<title")
    if start < 0:
        return None
    open_end = lower.find(b">", start)
    close = lower.find(b"</title", open_end)
    if open_end < 0:
        return None
    raw = window[open_end + 1 : close if close >= 0 else open_end + 1 + 512]
    text = " ".join(html.unescape(raw.decode("utf-8", errors="replace")).split())
    return printable(text, 200) or None


def auth_scheme(www_authenticate: str) -> tuple[str, str | None]:
    """(scheme, realm) of the challenge a client should answer: Digest before Basic; ("", None) if unreadable."""
    try:
        challenge = preferred(parse_challenges(www_authenticate))
    except ParseError:
        return "", None
    if challenge is None:
        return "", None
    return challenge.scheme, challenge.realm


class HttpRequest(Protocol):
    """A read-only request as the signatures describe it (scanner.matching.schema.RequestSpec is one)."""

    @property
    def id(self) -> str: ...  # the observation's probe id

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def body(self) -> str: ...

    @property
    def content_type(self) -> str | None: ...

    @property
    def auth(self) -> bool: ...  # answer the device's login challenge with the owner's credentials

    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...  # extra request headers


@dataclass(frozen=True)
class _Sent:
    """One request's final answer (after answering a login challenge at most once), whether it carried the login,
    and why the device's challenge was not answered (Basic in clear), if it was not."""

    reply: Reply
    carried_login: bool = False
    declined: str = ""
    login: str = ""  # how the final request proved the login: digest | basic | "" (recorded for a replay)
    realm: str = ""  # the realm of the challenge it answered


@dataclass(frozen=True)
class _Answer:
    """The answer an observation records, where it came from, and what happened on the way."""

    sent: _Sent
    url: str
    note: str


class _Digest:
    """The device's last Digest challenge per port, answered again with a fresh cnonce and the next nonce count,
    so that a device that accepted the login is not challenged on every request (a round trip each)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[int, tuple[Challenge, int]] = {}

    def ahead(self, port: int, credential: Credential, method: str, uri: str) -> tuple[str, str] | None:
        """The Authorization for the port's last challenge (and its realm), or None when it never challenged."""
        with self._lock:
            known = self._known.get(port)
            if known is None:
                return None
            challenge, count = known
            self._known[port] = (challenge, count + 1)
        answer = digest_authorization(challenge, credential, method, uri, secrets.token_hex(8), count + 1)
        return answer, challenge.realm or ""

    def answer(self, port: int, challenge: Challenge, credential: Credential, method: str, uri: str) -> str:
        with self._lock:
            self._known[port] = (challenge, 1)
        return digest_authorization(challenge, credential, method, uri, secrets.token_hex(8), 1)


class Asked(Enum):
    """How a request's answer is awaited, and who asks the request again when it times out."""

    AGAIN = "again"  # asked once more here (HostPace.once_more); the first attempt may wait less (`first_wait`)
    AGAIN_PATIENT = "again_patient"  # the same, the first attempt waiting the whole timeout (it opens a search:
    # given up early, the search would stay open on the device; one lost is lost either way)
    BY_CALLER = "by_caller"  # the caller asks it again when it timed out: it may wait less than the whole timeout
    # (a new connection closed unanswered is asked again here, as for AGAIN)
    ONCE = "once"  # never asked again: the whole timeout


class HttpClient:
    """HTTP(S) requests to one device address: connection reuse, timeouts, capped bodies, no credential leaks."""

    def __init__(
        self,
        address: str,
        timeout: float,
        credential: Credential | None,
        pace: HostPace = UNPACED,
        login: DeviceLogin | None = None,
        lines: int = 2,
    ) -> None:
        self._address = address
        self._timeout = timeout
        self._login = login or DeviceLogin(credential)  # the audit passes the device's, shared by every probe
        self._credential = self._login.credential
        self._pace = pace
        self._wire = Wire(address, timeout, lines)  # kept-alive connections, shared by every request to the device
        self._digest = _Digest()
        self._basic_realms: dict[int, str] = {}  # ports whose device asked for Basic instead of Digest: its realm

    def __repr__(self) -> str:
        return f"HttpClient({self._address!r})"

    @property
    def address(self) -> str:
        return self._address

    def close(self) -> None:
        self._wire.close()

    def fetch_root(self, port: int, tls: bool, asked: Asked = Asked.AGAIN) -> Observation:
        """`GET /` without credentials (probe `http.root`); values: `title`, and `realm` on a 401. `asked`: how
        its answer is awaited, and who asks it again if it times out."""
        return self._observe("http.root", "GET", port, tls, "/", None, {}, False, asked)

    def may_retry(self) -> bool:
        """Whether the device's budget still holds one more exchange after one timed out (counted as a retry)."""
        return self._pace.may_retry(EXCHANGE_LIMIT * self._timeout)

    def run_request(self, port: int, tls: bool, spec: HttpRequest, asked: Asked = Asked.AGAIN) -> Observation:
        """A signature's read-only request; probe id = spec.id. Answers the device's challenge if spec.auth. Asked
        once more if it timed out (`Asked.AGAIN_PATIENT` for a request that opens a search on the device)."""
        if spec.method not in ("GET", "POST"):
            return self._refused(spec, port, tls)
        headers = {"Content-Type": spec.content_type} if spec.content_type else {}
        headers.update(spec.headers)
        body = spec.body.encode() if spec.body else None
        use_credential = spec.auth and self._credential is not None
        return self._observe(spec.id, spec.method, port, tls, spec.path, body, headers, use_credential, asked)

    def once_more(self, attempt: Callable[[], T], patient: bool = False, timeouts: bool = True) -> T:
        """`attempt()`, asked once more when the device did not answer in time (unless `timeouts` is False: the
        caller asks those again) or closed a new connection unanswered, and its budget still holds a whole
        exchange's time (scanner.net.pace.HostPace.once_more): a slow answer is waited for, never read as an
        absence."""
        return self._pace.once_more(EXCHANGE_LIMIT * self._timeout, attempt, patient, timeouts)

    def post(
        self, url: str, body: Body, headers: dict[str, str], credential: Credential | None
    ) -> tuple[Reply, str, str]:
        """A POST to `url` on the device (ONVIF's SOAP), answering a Digest challenge once with `credential` when
        given; what the device made of the login is for the caller to judge. A callable `body` is made for each
        request as it goes out, inside the device's slot (a WS-UsernameToken's time and nonce stay fresh however
        long the slot took to free up). The answer, and how the login was
        proved in HTTP (`digest` and its realm, or ""). Raises like the wire."""
        if not same_host(urlsplit(url).hostname, self._address):
            raise ProbeError("refused to contact a host other than the audited address")
        port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
        sent = self._paced("POST", url, port, body, headers, credential, digest_only=True)
        return sent.reply, sent.login, sent.realm

    def _refused(self, spec: HttpRequest, port: int, tls: bool) -> Observation:
        line = f"{spec.method} {self._url(port, tls, spec.path)}"
        detail = "not sent: camaudit only sends read-only GET and POST requests"
        return Observation(spec.id, printable(line, 400), FAILED, at=utc_now(), detail=detail)

    def _url(self, port: int, tls: bool, path: str) -> str:
        scheme = "https" if tls else "http"
        return f"{scheme}://{url_host(self._address)}:{port}{path if path.startswith('/') else '/' + path}"

    def _observe(
        self,
        probe: str,
        method: str,
        port: int,
        tls: bool,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        use_credential: bool,
        asked: Asked = Asked.AGAIN,
    ) -> Observation:
        url = self._url(port, tls, path)
        line = printable(f"{method} {url}", 400)
        at = utc_now()
        sent = Sent("https" if tls else "http", method, url, body=body or b"")
        try:
            follow = partial(self._follow, method, url, port, tls, body, headers, use_credential)
            if asked == Asked.ONCE:
                answer = follow()
            else:  # BY_CALLER: a timeout is the caller's to ask again, a new connection closed unanswered is ours
                patient, timeouts = asked == Asked.AGAIN_PATIENT, asked != Asked.BY_CALLER
                answer = self.once_more(follow, patient=patient, timeouts=timeouts)
        except _FAILURES as exc:
            obs = Observation(probe, line, FAILED, at=at, detail=_network_detail(exc), stopped=cause_of(exc), sent=sent)
            return scrub(obs, self._credential)
        if answer.url != url:
            line = printable(f"{method} {url} (redirected to {answer.url})", 400)
        sent = dataclasses.replace(sent, login=answer.sent.login, realm=answer.sent.realm)
        obs = dataclasses.replace(self._observation(probe, line, at, answer), sent=sent)
        if answer.sent.declined:
            obs = dataclasses.replace(obs, stopped=Reason.BASIC_IN_CLEAR)
        return scrub(obs, self._credential)

    def _follow(
        self,
        method: str,
        url: str,
        port: int,
        tls: bool,
        body: bytes | None,
        headers: dict[str, str],
        use_credential: bool,
    ) -> _Answer:
        """Send, following at most MAX_REDIRECTS same-host redirects of a GET; a hop that fails keeps the 3xx."""
        sent = self._send(method, url, port, tls, body, headers, use_credential)
        for _hop in range(MAX_REDIRECTS):
            target = self._redirect_target(method, url, sent.reply)
            if target is None:
                break
            parts = urlsplit(target)
            hop_tls = parts.scheme == "https"
            try:
                following = self._send(method, target, parts.port or port, hop_tls, body, headers, use_credential)
            except _FAILURES as exc:
                if timed_out(exc) and in_first_attempt():
                    raise  # asked again whole, the redirect with it, waiting the whole timeout
                note = f"the redirect to {target} could not be followed: {_network_detail(exc)}"
                return _Answer(sent, url, note)
            sent, url = following, target
        return _Answer(sent, url, "")

    def _send(
        self,
        method: str,
        url: str,
        port: int,
        tls: bool,
        body: bytes | None,
        headers: dict[str, str],
        use_credential: bool,
    ) -> _Sent:
        """One request; with `use_credential`, the device's login challenge is answered once (Digest; Basic only
        over TLS or when allowed), and what the device made of the login is noted for the whole audit."""
        if not use_credential or self._credential is None:
            return self._paced(method, url, port, body, headers, None)
        with self._login.offer():
            credential = self._login.require()  # refused before: not sent at all (ProbeError, LOGIN_REFUSED)
            sent = self._paced(method, url, port, body, headers, credential, allow_basic=self._login.allows_basic(tls))
            if sent.declined:
                self._login.decline_basic(f"{method} {url}")
                return sent
            self._judge_login(sent, f"{method} {url}")
            return sent

    def _judge_login(self, sent: _Sent, line: str) -> None:
        """A 401 to a request that carried the login is a refusal; any other answer to one, an acceptance."""
        if not sent.carried_login:
            return  # the device asked for no login: nothing learnt about it
        if sent.reply.status == 401:
            self._login.refuse(line)
        else:
            self._login.accept()

    def _paced(
        self,
        method: str,
        url: str,
        port: int,
        body: Body,
        headers: dict[str, str],
        credential: Credential | None,
        allow_basic: bool = False,
        digest_only: bool = False,
    ) -> _Sent:
        """One request in one slot of the device's pace and one hard deadline, a login challenge and its answer
        included (they count as one request in flight)."""
        uri = _request_uri(url)
        with self._pace, self._pace.guard(EXCHANGE_LIMIT * self._timeout) as guard:
            cap = self._pace.body_cap()

            def send(authorization: str | None) -> Reply:
                extra = [*headers.items(), *([("Authorization", authorization)] if authorization else [])]
                payload = body() if callable(body) else body
                return self._wire.exchange(method, url, payload, extra, guard, cap)

            if credential is None:
                sent = _Sent(send(None))
            elif port in self._basic_realms and not digest_only:
                sent = _Sent(send(basic_authorization(credential)), True, login="basic", realm=self._basic_realms[port])
            else:
                sent = self._challenged(send, port, credential, method, uri, allow_basic, digest_only)
        self._pace.spend(len(sent.reply.body))
        return sent

    def _challenged(
        self,
        send: _Send,
        port: int,
        credential: Credential,
        method: str,
        uri: str,
        allow_basic: bool,
        digest_only: bool,
    ) -> _Sent:
        """Digest ahead when the device challenged before, else as challenged; a fresh challenge is answered once."""
        ahead = self._digest.ahead(port, credential, method, uri)
        reply = send(ahead[0] if ahead else None)
        used = ("digest", ahead[1]) if ahead else ("", "")
        if reply.status != 401:
            return _Sent(reply, ahead is not None, "", *used)
        challenge = _challenge(reply)
        if challenge is not None and challenge.scheme == "digest" and digest_supported(challenge):
            answer = self._digest.answer(port, challenge, credential, method, uri)
            return _Sent(send(answer), True, "", "digest", challenge.realm or "")
        if challenge is not None and challenge.scheme == "basic" and not digest_only:
            if not allow_basic:
                return _Sent(reply, ahead is not None, BASIC_DECLINED, *used)
            # the device wants Basic: answer it once, and remember (with its realm, for the record)
            self._basic_realms[port] = challenge.realm or ""
            return _Sent(send(basic_authorization(credential)), True, "", "basic", challenge.realm or "")
        return _Sent(reply, ahead is not None, "", *used)

    def _redirect_target(self, method: str, url: str, reply: Reply) -> str | None:
        location = reply.header("Location")
        if method != "GET" or reply.status not in _REDIRECTS or not location:
            return None
        try:
            target = urljoin(url, location)
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or not same_host(parts.hostname, self._address):
                return None  # off the device: recorded as the 3xx it is, never followed
            return in_scope(target, self._address, 443 if parts.scheme == "https" else 80)
        except (ValueError, ParseError):
            return None

    def _observation(self, probe: str, line: str, at: str, answer: _Answer) -> Observation:
        reply = answer.sent.reply
        values: list[tuple[str, tuple[str, ...]]] = []
        if probe == "http.root":
            title = parse_title(reply.body)
            if title:
                values.append(("title", (title,)))
        realm = auth_scheme(_challenge_text(reply))[1] if reply.status == 401 else None
        if realm is not None:
            values.append(("realm", (printable(realm),)))
        return Observation(
            probe=probe,
            request=line,
            outcome=outcome_of_status(reply.status),
            status=reply.status,
            headers=reply.headers,
            body=reply.body,
            at=at,
            detail=answer.sent.declined or _detail(answer),
            values=tuple(values),
            truncated=reply.truncated,
        )


class _Send(Protocol):
    def __call__(self, authorization: str | None) -> Reply: ...


def _request_uri(url: str) -> str:
    """The request target a Digest answer names: the path and query as sent."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _challenge(reply: Reply) -> Challenge | None:
    try:
        return preferred(parse_challenges(_challenge_text(reply)))
    except ParseError:
        return None


def _challenge_text(reply: Reply) -> str:
    # Several WWW-Authenticate headers (Digest and Basic) are joined, as the challenge syntax allows.
    return ", ".join(reply.all("WWW-Authenticate"))


def _detail(answer: _Answer) -> str:
    reply, status = answer.sent.reply, answer.sent.reply.status
    notes = []
    if status in (401, 403):
        notes.append(
            "the device refused the supplied credentials"
            if answer.sent.carried_login
            else "login required; no credentials were sent"
        )
    elif status in _REDIRECTS and answer.note:
        notes.append(answer.note)
    elif status in _REDIRECTS:
        location = printable(reply.header("Location") or "", 200)
        notes.append(f"redirect to {location} not followed (another host, or too many redirects)")
    elif status in ABSENT_STATUSES:
        notes.append(f"HTTP {status}: the device does not offer this request")
    elif not 200 <= status < 300:
        notes.append(f"HTTP {status} {printable(reply.reason or '', 80)}".strip())
    if reply.truncated:
        notes.append(f"body cut at {len(reply.body)} bytes")
    return "; ".join(notes)


def _network_detail(exc: BaseException) -> str:
    if isinstance(exc, ProbeError):
        return str(exc)
    if isinstance(exc, UnusableAnswer):
        return f"unusable answer: {exc}"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, ClosedUnanswered):
        return str(exc)
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the device closed the connection without answering"
    if isinstance(exc, http.client.HTTPException):  # a bad status line, overlong or too many header lines
        return f"not a usable HTTP answer ({type(exc).__name__})"
    if isinstance(exc, OSError):
        return "connection failed (refused, reset or unreachable)"
    return f"unusable answer ({type(exc).__name__})"
