"""The requests adapter: GET / fingerprints and data-driven vendor API requests, one client per device."""

from __future__ import annotations

import dataclasses
import html
import http.client
import socket
import time
import warnings
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from scanner.errors import ParseError, ProbeError
from scanner.model import (
    FAILED,
    MAX_BODY,
    Credential,
    Observation,
    Sent,
    utc_now,
)
from scanner.net.deadline import current_guard
from scanner.net.login import DeviceLogin
from scanner.net.pace import UNPACED, HostPace, cause_of
from scanner.net.redact import scrub
from scanner.net.urls import in_scope, printable, same_host, url_host
from scanner.probes.authn import parse_challenges, preferred
from scanner.vocabulary import ABSENT_STATUSES, Reason, outcome_of_status

BASIC_DECLINED = (
    "the device asks for the password in clear (HTTP Basic without TLS); not sent: the credentials entry does not "
    "set allow_basic = true"
)
EXCHANGE_LIMIT = 4  # an exchange may take this many times the request timeout in all, however the device drips
MAX_REDIRECTS = 3  # same-host only; a login page behind `/` is common, a chain longer than this is not
USER_AGENT = "camaudit/0.1 (read-only camera audit)"
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)
_FAILURES: tuple[type[BaseException], ...] = (ProbeError, *NETWORK_ERRORS)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TITLE_WINDOW = 256 * 1024  # a <title> sits in the head; no need to scan a megabyte for it


def device_session() -> requests.Session:
    """A session for one device: no proxies or .netrc from the environment, cameras' self-signed TLS accepted."""
    session = requests.Session()
    session.trust_env = False  # an HTTP_PROXY would send camera traffic off the premises network
    session.verify = False  # cameras use self-signed certificates; we read, we do not trust
    session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Accept": "*/*"})
    for scheme in ("http://", "https://"):
        session.mount(scheme, _GuardedAdapter())  # every socket obeys the exchange's hard deadline
    return session


class _GuardedHTTPConnection(urllib3.connection.HTTPConnection):
    """urllib3's connection, handing its socket to the calling thread's guard when made and when reused."""

    def _new_conn(self) -> socket.socket:
        return _adopt(super()._new_conn())  # before any TLS handshake: a dripped handshake is bounded too

    def request(self, *args: Any, **kwargs: Any) -> None:
        _adopt(self.sock)  # a kept-alive connection, made under an earlier guard
        super().request(*args, **kwargs)


class _GuardedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _adopt(super()._new_conn())

    def request(self, *args: Any, **kwargs: Any) -> None:
        _adopt(self.sock)
        super().request(*args, **kwargs)


class _GuardedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedTlsPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    """requests' transport with the guarded connections (an instance setting: other pool managers are untouched)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedPool, "https": _GuardedTlsPool}


def _adopt(sock: Any) -> Any:
    guard = current_guard()
    if guard is not None and sock is not None:
        guard.adopt(sock)
    return sock


def read_capped(response: Any, deadline: float, cap: int = MAX_BODY) -> bool:
    """Read a streamed response into `response.content`, at most `cap` bytes; True when cut short.

    requests would otherwise read a hostile device's endless body whole. Raises ProbeError past `deadline`.
    """
    if response._content is not False:  # already read (e.g. by the Digest hook)
        return False
    chunks, size, truncated = [], 0, False
    for chunk in response.iter_content(chunk_size=64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            truncated = True
            break
        if time.monotonic() > deadline:
            response.close()
            raise ProbeError("the device sent its answer too slowly")
    response._content = b"".join(chunks)[:cap]
    response._content_consumed = True
    if truncated:
        response.close()  # do not leave the rest of an oversized body on a reused connection
    return truncated


class CappedDigestAuth(HTTPDigestAuth):
    """requests' Digest auth, except that the 401 body it throws away is read with the cap."""

    def __init__(self, username: str, password: str, timeout: float) -> None:
        super().__init__(username, password)
        self._timeout = timeout

    def __repr__(self) -> str:
        return "CappedDigestAuth(<credential>)"

    def handle_401(self, r: Any, **kwargs: Any) -> Any:
        read_capped(r, time.monotonic() + self._timeout)
        return super().handle_401(r, **kwargs)


def send_capped(
    session: requests.Session,
    method: str,
    url: str,
    timeout: float,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    auth: Any = None,
    pace: HostPace = UNPACED,
) -> tuple[Any, bool]:
    """One request within the device's pace: no redirects followed, body capped, the whole exchange (connect, TLS,
    headers, body) over within EXCHANGE_LIMIT x timeout; returns the response and whether it was truncated.

    `timeout` alone bounds each read, and a device dripping a byte a second never trips it: the pace's guard
    shuts the exchange's sockets at its deadline, and that becomes a ProbeError saying so.
    """
    with pace, pace.guard(EXCHANGE_LIMIT * timeout) as guard:
        try:
            with warnings.catch_warnings():
                # Local, not global: unverified TLS is deliberate here and the warning would flood stderr.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                response = session.request(
                    method, url, data=data, headers=headers, auth=auth, timeout=timeout, stream=True,
                    allow_redirects=False,
                )  # fmt: skip
            truncated = read_capped(response, guard.deadline, pace.body_cap())
        except NETWORK_ERRORS:
            if guard.expired:  # the reset or end-of-stream was ours
                raise ProbeError(guard.reason, guard.cause) from None
            raise
        if guard.expired:  # a body read "until close" ends quietly when its socket is shut
            response.close()
            raise ProbeError(guard.reason, guard.cause)
    pace.spend(len(response.content))
    return response, truncated


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
    """One request's final response (after answering a login challenge at most once), and what the login did."""

    response: Any
    truncated: bool
    declined: str = ""  # why the device's login challenge was not answered (Basic in clear), or ""


@dataclass(frozen=True)
class _Answer:
    """The response an observation records, where it came from, and what happened on the way."""

    response: Any
    truncated: bool
    url: str
    note: str
    declined: str = ""


class HttpClient:
    """HTTP(S) requests to one device address: connection reuse, timeouts, capped bodies, no credential leaks."""

    def __init__(
        self,
        address: str,
        timeout: float,
        credential: Credential | None,
        pace: HostPace = UNPACED,
        login: DeviceLogin | None = None,
    ) -> None:
        self._address = address
        self._timeout = timeout
        self._login = login or DeviceLogin(credential)  # the audit passes the device's, shared by every probe
        self._credential = self._login.credential
        self._pace = pace
        self._session = device_session()  # one connection pool: keep-alive across every request to the device
        self._digest = CappedDigestAuth(credential.username, credential.password, timeout) if credential else None
        self._basic_realms: dict[int, str] = {}  # ports whose device asked for Basic instead of Digest: its realm

    def __repr__(self) -> str:
        return f"HttpClient({self._address!r})"

    def close(self) -> None:
        self._session.close()

    def fetch_root(self, port: int, tls: bool) -> Observation:
        """`GET /` without credentials (probe `http.root`); values: `title`, and `realm` on a 401."""
        return self._observe("http.root", "GET", port, tls, "/", None, {}, False)

    def run_request(self, port: int, tls: bool, spec: HttpRequest) -> Observation:
        """A signature's read-only request; probe id = spec.id. Answers the device's challenge if spec.auth."""
        if spec.method not in ("GET", "POST"):
            return self._refused(spec, port, tls)
        headers = {"Content-Type": spec.content_type} if spec.content_type else {}
        headers.update(spec.headers)
        body = spec.body.encode() if spec.body else None
        use_credential = spec.auth and self._credential is not None
        return self._observe(spec.id, spec.method, port, tls, spec.path, body, headers, use_credential)

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
    ) -> Observation:
        url = self._url(port, tls, path)
        line = printable(f"{method} {url}", 400)
        at = utc_now()
        sent = Sent("https" if tls else "http", method, url, body=body or b"")
        try:
            answer = self._follow(method, url, port, tls, body, headers, use_credential)
        except _FAILURES as exc:
            obs = Observation(probe, line, FAILED, at=at, detail=_network_detail(exc), stopped=cause_of(exc), sent=sent)
            return scrub(obs, self._credential)
        if answer.url != url:
            line = printable(f"{method} {url} (redirected to {answer.url})", 400)
        login, realm = login_used(answer.response, self._basic_realms.get(port, ""))
        sent = dataclasses.replace(sent, login=login, realm=realm)
        obs = dataclasses.replace(self._observation(probe, line, at, answer), sent=sent)
        if answer.declined:
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
            target = self._redirect_target(method, url, sent.response)
            if target is None:
                break
            parts = urlsplit(target)
            hop_tls = parts.scheme == "https"
            try:
                following = self._send(method, target, parts.port or port, hop_tls, body, headers, use_credential)
            except _FAILURES as exc:
                note = f"the redirect to {target} could not be followed: {_network_detail(exc)}"
                return _Answer(sent.response, sent.truncated, url, note, sent.declined)
            sent.response.close()
            sent, url = following, target
        return _Answer(sent.response, sent.truncated, url, "", sent.declined)

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
            return _Sent(*self._paced(method, url, body, headers, None))
        with self._login.offer():
            credential = self._login.require()  # refused before: not sent at all (ProbeError, LOGIN_REFUSED)
            basic = HTTPBasicAuth(credential.username, credential.password)
            if port in self._basic_realms:
                sent = _Sent(*self._paced(method, url, body, headers, basic))
            else:
                sent = _Sent(*self._paced(method, url, body, headers, self._digest))
                if sent.response.status_code == 401 and auth_scheme(_challenge_text(sent.response))[0] == "basic":
                    if not self._login.allows_basic(tls):
                        self._login.decline_basic(f"{method} {url}")
                        return _Sent(sent.response, sent.truncated, BASIC_DECLINED)
                    # the device wants Basic: answer it once, and remember (with its realm, for the record)
                    self._basic_realms[port] = auth_scheme(_challenge_text(sent.response))[1] or ""
                    sent = _Sent(*self._paced(method, url, body, headers, basic))
            self._judge_login(sent.response, f"{method} {url}")
            return sent

    def _judge_login(self, response: Any, line: str) -> None:
        """A 401 to a request that carried the login is a refusal; any other answer to one, an acceptance."""
        if "Authorization" not in response.request.headers:
            return  # the device asked for no login: nothing learnt about it
        if response.status_code == 401:
            self._login.refuse(line)
        else:
            self._login.accept()

    def _paced(self, method: str, url: str, body: bytes | None, headers: dict[str, str], auth: Any) -> tuple[Any, bool]:
        # A Digest challenge and its answer count as one request in flight, within one hard deadline.
        return send_capped(
            self._session, method, url, self._timeout, data=body, headers=headers, auth=auth, pace=self._pace
        )

    def _redirect_target(self, method: str, url: str, response: Any) -> str | None:
        location = response.headers.get("Location")
        if method != "GET" or response.status_code not in _REDIRECTS or not location:
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
        response = answer.response
        status = response.status_code
        headers = tuple((str(k), str(v)) for k, v in response.raw.headers.items())
        sent = "Authorization" in response.request.headers
        values: list[tuple[str, tuple[str, ...]]] = []
        if probe == "http.root":
            title = parse_title(response.content)
            if title:
                values.append(("title", (title,)))
        realm = auth_scheme(_challenge_text(response))[1] if status == 401 else None
        if realm is not None:
            values.append(("realm", (printable(realm),)))
        return Observation(
            probe=probe,
            request=line,
            outcome=outcome_of_status(status),
            status=status,
            headers=headers,
            body=response.content,
            at=at,
            detail=answer.declined or _detail(answer, sent),
            values=tuple(values),
            truncated=answer.truncated,
        )


def login_used(response: Any, basic_realm: str) -> tuple[str, str]:
    """How the final request proved the login (`digest`, `basic` or ""), and the realm it answered: recorded so a
    replay can ask for a login where the device did. The Authorization header itself never leaves this function."""
    authorization = str(response.request.headers.get("Authorization") or "")
    scheme = authorization.partition(" ")[0].lower()
    if scheme == "basic":
        return "basic", basic_realm
    if scheme != "digest":
        return "", ""
    try:
        return "digest", parse_challenges(authorization)[0].realm or ""
    except ParseError:
        return "digest", ""


def _challenge_text(response: Any) -> str:
    # Several WWW-Authenticate headers (Digest and Basic) are joined, as the challenge syntax allows.
    return ", ".join(response.raw.headers.getlist("WWW-Authenticate"))


def _detail(answer: _Answer, credential_sent: bool) -> str:
    response, status = answer.response, answer.response.status_code
    notes = []
    if status in (401, 403):
        notes.append(
            "the device refused the supplied credentials"
            if credential_sent
            else "login required; no credentials were sent"
        )
    elif status in _REDIRECTS and answer.note:
        notes.append(answer.note)
    elif status in _REDIRECTS:
        location = printable(response.headers.get("Location") or "", 200)
        notes.append(f"redirect to {location} not followed (another host, or too many redirects)")
    elif status in ABSENT_STATUSES:
        notes.append(f"HTTP {status}: the device does not offer this request")
    elif not 200 <= status < 300:
        notes.append(f"HTTP {status} {printable(response.reason or '', 80)}".strip())
    if answer.truncated:
        notes.append(f"body cut at {len(response.content)} bytes")
    return "; ".join(notes)


def _cause(exc: BaseException) -> BaseException | None:
    """What urllib3 wrapped: requests' ConnectionError holds a ProtocolError holding http.client's own error."""
    for outer in exc.args[:1]:
        if isinstance(outer, urllib3.exceptions.ProtocolError) and len(outer.args) > 1:
            inner = outer.args[1]
            return inner if isinstance(inner, BaseException) else None
    return None


def _network_detail(exc: BaseException) -> str:
    if isinstance(exc, requests.Timeout) or "Read timed out" in str(exc):  # a body's timeout comes wrapped
        return "no answer in time"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    cause = _cause(exc)
    if isinstance(cause, http.client.RemoteDisconnected):
        return "the device closed the connection without answering"
    if isinstance(cause, http.client.HTTPException):  # a bad status line, overlong or too many header lines
        return f"not a usable HTTP answer ({type(cause).__name__})"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed (refused, reset or unreachable)"
    if isinstance(exc, ProbeError):
        return str(exc)
    return f"unusable answer ({type(exc).__name__})"
