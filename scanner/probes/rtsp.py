"""RTSP OPTIONS/DESCRIBE over a plain socket, with the pure parsers for replies, SDP and challenges."""

from __future__ import annotations

import dataclasses
import re
import secrets
import select
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from scanner.errors import ParseError, ProbeError
from scanner.model import FAILED, MAX_BODY, Credential, Observation, Sent, utc_now
from scanner.net import exchanges
from scanner.net.deadline import Guard
from scanner.net.headers import Headers
from scanner.net.login import DeviceLogin
from scanner.net.pace import UNPACED, ClosedUnanswered, HostPace, cause_of
from scanner.net.quickack import ack_at_once
from scanner.net.redact import scrub
from scanner.net.text import small_int
from scanner.net.urls import in_scope, printable, url_host
from scanner.probes.authn import (
    Challenge,
    basic_authorization,
    digest_authorization,
    digest_supported,
    parse_challenges,
    preferred,
)
from scanner.probes.sdp import SdpMedia, media_labels, parse_sdp
from scanner.vocabulary import Reason, outcome_of_status

__all__ = ["RtspPort", "RtspReply", "SdpMedia", "parse_challenge", "parse_rtsp_response", "parse_sdp", "rtsp_probe"]

RTSP_BASIC_DECLINED = (
    "the device asks for the password in clear (RTSP Basic); not sent: the credentials entry does not set "
    "allow_basic = true"
)
T = TypeVar("T")
MAX_HEADER = 16 * 1024
MAX_URIS = 8  # candidate stream paths tried per port
USER_AGENT = "camaudit/0.1"
# Some DVRs answer on the RTSP port with an HTTP status line (nmap: Avtech); read it the same way.
_STATUS = re.compile(rb"^(?:RTSP|HTTP)/(\d)\.(\d)\s+(\d{3})(?:\s+(.*))?$")


@dataclass(frozen=True)
class RtspReply(Headers):
    """A parsed RTSP response: status, reason, headers in order, and the body (Content-Length bytes)."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _head_end(data: bytes) -> tuple[int, int] | None:
    """(end of the header block, start of the body), accepting bare-LF devices; None if not complete."""
    ends = [(data.find(sep), len(sep)) for sep in (b"\r\n\r\n", b"\n\n")]
    found = [(pos, size) for pos, size in ends if pos >= 0]
    if not found:
        return None
    pos, size = min(found)
    return pos, pos + size


def parse_rtsp_response(data: bytes) -> RtspReply:
    """Parse one complete RTSP response; ParseError on garbage, oversized or truncated input."""
    bounds = _head_end(data[: MAX_HEADER + 4])
    if bounds is None:
        raise ParseError("RTSP reply without a complete header block")
    lines = data[: bounds[0]].decode("latin-1").splitlines()
    status = _STATUS.match(lines[0].strip().encode("latin-1")) if lines else None
    if status is None:
        raise ParseError("not an RTSP status line")
    headers = _headers(lines[1:])
    length = _content_length(headers)
    body = data[bounds[1] : bounds[1] + length]
    if len(body) < length:
        raise ParseError(f"RTSP body truncated ({len(body)} of {length} bytes)")
    reason = (status.group(4) or b"").decode("latin-1").strip()
    return RtspReply(int(status.group(3)), reason, headers, body)


def _headers(lines: list[str]) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return tuple(headers)


def _content_length(headers: tuple[tuple[str, str], ...], cap: int = MAX_BODY) -> int:
    value = next((v for k, v in headers if k.lower() == "content-length"), None)
    if value is None:
        return 0  # RFC 2326 §12.14: absent means no body
    length = small_int(value)
    if length is None:
        raise ParseError("bad Content-Length")
    if length > cap:
        raise ParseError(f"RTSP body larger than {cap} bytes")
    return length


def parse_challenge(header: str) -> Challenge:
    """The challenge to answer in a WWW-Authenticate value (Digest before Basic); ParseError on garbage."""
    challenge = preferred(parse_challenges(header))
    if challenge is None:
        raise ParseError("no authentication challenge")
    return challenge


def _read_reply(sock: socket.socket, deadline: float, cap: int = MAX_BODY) -> bytes:
    """Read until the header block and its Content-Length body are in, within the deadline and the caps (`cap`:
    the body bytes the device's allowance still grants, see HostPace.body_cap)."""
    data = b""
    while True:
        bounds = _head_end(data)
        if bounds is None and len(data) > MAX_HEADER:
            raise ProbeError("RTSP header block too large")
        if bounds is not None:
            length = _content_length(_headers(data[: bounds[0]].decode("latin-1").splitlines()[1:]), cap)
            if len(data) - bounds[1] >= length:
                return data
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProbeError("no complete RTSP answer in time", Reason.TIMED_OUT)
        sock.settimeout(remaining)
        chunk = sock.recv(65536)
        if not chunk:
            return data  # closed early: the parser says what is missing
        data += chunk


def _readable(sock: socket.socket) -> bool:
    """True when an idle connection has something to read (end-of-stream included) before we send."""
    poller = select.poll()  # not select(): a busy scan may hold descriptors above FD_SETSIZE
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _reply_size(data: bytes) -> int:
    """How many bytes of `data` the (complete, parsed) reply at its start occupies."""
    bounds = _head_end(data[: MAX_HEADER + 4])
    if bounds is None:
        return len(data)
    return bounds[1] + _content_length(_headers(data[: bounds[0]].decode("latin-1").splitlines()[1:]))


_RESET = (ConnectionResetError, BrokenPipeError)  # a new connection reset at once: as closed unanswered


class _Connection:
    """One RTSP connection to a device port, kept open across requests (RTSP is made for it).

    A kept connection that the device closed while idle (nothing at all comes back) is replaced once by a
    fresh one; any other failure drops the connection, so the next request starts clean.
    """

    def __init__(self, address: str, port: int, timeout: float) -> None:
        self.address, self.port, self.timeout = address, port, timeout
        self._sock: socket.socket | None = None

    def exchange(self, request: bytes, guard: Guard, pace: HostPace = UNPACED) -> RtspReply:
        """Send one request and read its reply; the whole exchange must finish by the guard's deadline, and its
        bytes count against the device's allowance (`pace`), like every HTTP answer's."""
        fresh = self._sock is None
        try:
            data = self._round_trip(request, guard, pace.body_cap())
            if not data and not fresh and not guard.expired:
                self.close()  # the device closed the idle connection before reading us: ask again, afresh
                fresh = True
                data = self._round_trip(request, guard, pace.body_cap())
            pace.spend(len(data))
            if guard.expired:  # the scan was stopped, or the device's budget ran out, while we waited
                raise ProbeError(guard.reason, guard.cause)
            if not data:  # closed at once: a device at its limit of connections does, asked again after a pause
                raise ClosedUnanswered()
            reply = parse_rtsp_response(data)
        except OSError as exc:
            self.close()
            if guard.expired:  # the guard shut the socket; a reset racing that end-of-stream was ours too
                raise ProbeError(guard.reason, guard.cause) from exc
            if isinstance(exc, ClosedUnanswered) or not (fresh and isinstance(exc, _RESET)):
                raise
            raise ClosedUnanswered() from exc
        except BaseException:
            self.close()
            raise
        if (reply.header("Connection") or "").lower() == "close" or len(data) > _reply_size(data):
            self.close()  # asked to, or bytes beyond the reply: the next request gets a clean connection
        exchanges.answered()
        return reply

    def _round_trip(self, request: bytes, guard: Guard, cap: int) -> bytes:
        deadline = guard.deadline
        if self._sock is not None and _readable(self._sock):
            self.close()  # closed by the device, or unsolicited bytes: never read them as the next reply
        if self._sock is None:
            self._sock = socket.create_connection((self.address, self.port), timeout=max(0.01, guard.remaining()))
        guard.adopt(self._sock)  # a stop (Ctrl-C) ends a pending read at once
        self._sock.settimeout(max(0.01, guard.remaining()))
        try:
            self._sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            return b""  # closed by the device while idle: same as no answer on a kept connection
        ack_at_once(self._sock)
        return _read_reply(self._sock, deadline, cap)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


@dataclass(frozen=True)
class _Attempt:
    """The final reply for one request (after answering a challenge at most once), and how it went."""

    reply: RtspReply
    realm: str | None
    note: str
    stopped: Reason | None = None  # the login was not offered for a reason of the scan's own (Basic in clear)
    login: str = ""  # the scheme of the challenge answered (basic, digest), "" when none was


class _Client:
    """RTSP requests to one device port, with CSeq bookkeeping and at most one authentication answer."""

    def __init__(self, address: str, port: int, login: DeviceLogin, timeout: float, pace: HostPace = UNPACED) -> None:
        self.address, self.port, self.login, self.timeout = address, port, login, timeout
        self._cseq = 0
        self._refused = False  # refused here (401 or 403): not offered again on this port either way
        self._connection = _Connection(address, port, timeout)
        self._pace = pace

    def close(self) -> None:
        self._connection.close()

    def once_more(self, attempt: Callable[[], T]) -> T:
        """`attempt()`, asked once more when the device did not answer in time and its budget allows."""
        return self._pace.once_more(self.timeout, attempt)

    def request(self, method: str, uri: str, extra: dict[str, str]) -> _Attempt:
        reply = self._send(method, uri, extra)
        if reply.status != 401:
            return _Attempt(reply, None, "")
        realm, challenge = self._challenge(reply)
        if self.login.credential is None:
            return _Attempt(reply, realm, "login required; no credentials were sent")
        if challenge is None:
            return _Attempt(reply, realm, "the device asks for a login scheme camaudit cannot answer")
        if challenge.scheme == "basic" and not self.login.allows_basic(tls=False):
            self.login.decline_basic(f"{method} {uri}")
            return _Attempt(reply, realm, RTSP_BASIC_DECLINED, Reason.BASIC_IN_CLEAR)
        with self.login.offer() as credential:
            if credential is None or self._refused:
                return _Attempt(reply, realm, "login required; the credentials were refused earlier and not sent again")
            authorization = self._authorization(challenge, credential, method, uri)
            answer = self._send(method, uri, {**extra, "Authorization": authorization})
            if answer.status == 401:
                self.login.refuse(f"{method} {uri}")  # no probe of this audit offers it to the device again
            elif answer.status != 403:
                self.login.accept()
        if answer.status in (401, 403):
            self._refused = True
            return _Attempt(answer, realm, "the device refused the supplied credentials", login=challenge.scheme)
        return _Attempt(
            answer, realm, f"answered the {challenge.scheme.capitalize()} challenge", login=challenge.scheme
        )

    def _challenge(self, reply: RtspReply) -> tuple[str | None, Challenge | None]:
        try:
            challenges = parse_challenges(", ".join(reply.all("WWW-Authenticate")))
        except ParseError:
            return None, None
        chosen = preferred(challenges)
        realm = next((c.realm for c in challenges if c.realm is not None), None)
        if chosen is None or chosen.scheme not in ("digest", "basic"):
            return realm, None
        if chosen.scheme == "digest" and not digest_supported(chosen):
            return realm, None
        return realm, chosen

    @staticmethod
    def _authorization(challenge: Challenge, credential: Credential, method: str, uri: str) -> str:
        if challenge.scheme == "basic":
            return basic_authorization(credential)
        return digest_authorization(challenge, credential, method, uri, secrets.token_hex(8))

    def _send(self, method: str, uri: str, extra: dict[str, str]) -> RtspReply:
        self._cseq += 1
        lines = [f"{method} {uri} RTSP/1.0", f"CSeq: {self._cseq}", f"User-Agent: {USER_AGENT}"]
        lines += [f"{name}: {value}" for name, value in extra.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        with self._pace, self._pace.guard(self.timeout) as guard:
            reply = self._connection.exchange(request, guard, self._pace)
        cseq = (reply.header("CSeq") or "").split()  # Hikvision answers `CSeq: 42 OPTIONS`
        if cseq and cseq[0] != str(self._cseq):
            raise ProbeError(f"the reply's CSeq {printable(cseq[0], 20)} does not match the request's {self._cseq}")
        return reply


def _observe(client: _Client, probe: str, method: str, uri: str, extra: dict[str, str]) -> Observation:
    line, at = printable(f"{method} {uri}", 400), utc_now()
    sent = Sent("rtsp", method, uri)
    try:
        attempt = client.once_more(lambda: client.request(method, uri, extra))
    except (OSError, ProbeError, ParseError, ValueError) as exc:
        return Observation(probe, line, FAILED, at=at, detail=_failure(exc), stopped=cause_of(exc), sent=sent)
    reply = attempt.reply
    if attempt.login:
        sent = dataclasses.replace(sent, login=attempt.login, realm=attempt.realm or "")
    values = _values(probe, reply, attempt.realm)
    detail = attempt.note or ("" if reply.status == 200 else f"RTSP {reply.status} {printable(reply.reason, 80)}")
    outcome = outcome_of_status(reply.status)
    if probe == "rtsp.describe" and reply.status == 200 and "sdp_media" not in dict(values):
        outcome, detail = FAILED, "RTSP 200, but the answer is not an SDP description"  # garbage proves nothing
    return Observation(
        probe=probe,
        request=line,
        outcome=outcome,
        status=reply.status,
        headers=reply.headers,
        body=reply.body,
        at=at,
        detail=detail.strip(),
        values=values,
        sent=sent,
        stopped=attempt.stopped,
    )


def _values(probe: str, reply: RtspReply, realm: str | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    values: list[tuple[str, tuple[str, ...]]] = []
    if reply.header("Server"):
        values.append(("server", (printable(reply.header("Server") or ""),)))
    if realm is not None:
        values.append(("realm", (printable(realm),)))
    if probe == "rtsp.options":
        # `Public` per RFC 2326; a few servers put the list in `Allow` or a non-standard `OPTIONS` header.
        listed = reply.header("Public") or reply.header("Allow") or reply.header("OPTIONS") or ""
        methods = [m.strip().upper() for m in re.split(r"[,\s]+", listed) if m.strip()]
        values.append(("public", tuple(dict.fromkeys(methods))))
    elif reply.status == 200 and reply.body:
        try:
            values.append(("sdp_media", media_labels(parse_sdp(reply.body.decode("utf-8", errors="replace")))))
        except (ParseError, ValueError):
            pass  # a 200 without SDP: the observation still holds the raw body
    return tuple(values)


def _failure(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ClosedUnanswered):
        return str(exc)
    if isinstance(exc, OSError):
        return f"connection failed ({printable(exc.strerror or type(exc).__name__, 80)})"
    if isinstance(exc, ParseError):
        return f"not a usable RTSP answer: {exc}"
    return str(exc)


def _candidates(address: str, port: int, uris: Sequence[str]) -> list[str]:
    """The caller's rtsp:// URIs for this port, pointed at `address` and stripped of credentials."""
    found = []
    for uri in uris:
        try:
            parts = urlsplit(uri.strip())
            if parts.scheme.lower() != "rtsp" or (parts.port or 554) != port:
                continue  # another port's URIs belong to that port's probe
            found.append(in_scope(uri, address, 554))
        except (ValueError, ParseError):
            continue
    return list(dict.fromkeys(found))[:MAX_URIS]


class RtspPort:
    """RTSP with one device port over the audit, on one connection: OPTIONS, which needs nothing known about the
    device (so an audit may send it first, beside its other first requests), then DESCRIBE on candidate URIs once
    the stream paths are known. Each observation comes back scrubbed of the credential; `close()` when done."""

    def __init__(
        self, address: str, port: int, timeout: float, pace: HostPace = UNPACED, login: DeviceLogin | None = None
    ) -> None:
        self.address, self.port = address, port
        self.login = login or DeviceLogin(None)
        self._client = _Client(address, port, self.login, timeout, pace)
        self._base = f"rtsp://{url_host(address)}:{port}/"

    def options(self) -> Observation:
        return scrub(_observe(self._client, "rtsp.options", "OPTIONS", self._base, {}), self.login.credential)

    def describe(self, uris: Sequence[str]) -> list[Observation]:
        """DESCRIBE on each candidate URI of this port until one answers 200 or asks for (or refuses) a login;
        `rtsp://address:port/` when none of `uris` is on this port."""
        observations = []
        for uri in _candidates(self.address, self.port, uris) or [self._base]:
            obs = _observe(self._client, "rtsp.describe", "DESCRIBE", uri, {"Accept": "application/sdp"})
            observations.append(scrub(obs, self.login.credential))
            if obs.status is None or obs.status in (200, 401, 403):
                break
        return observations

    def close(self) -> None:
        self._client.close()


def rtsp_probe(
    address: str,
    port: int,
    credential: Credential | None,
    uris: Sequence[str],
    timeout: float,
    pace: HostPace = UNPACED,
    login: DeviceLogin | None = None,
) -> tuple[Observation, ...]:
    """OPTIONS, then (when the port answered it) DESCRIBE on each candidate URI until one answers 200 or asks for
    (or refuses) a login: RtspPort's two steps at once.

    URIs are full rtsp:// URLs from ONVIF or vendor stream paths; only those on `port` are used, any
    other host is replaced by `address`, and `rtsp://address:port/` is tried when none remain. A 401
    is answered once per request when a credential is given (never retried: cameras lock accounts), Basic only
    when the credentials entry allows it (RTSP is always in clear). Pass the audit's `login` (shared by every
    probe of the device): once the device refused it anywhere, it is not offered here.
    """
    session = RtspPort(address, port, timeout, pace, login or DeviceLogin(credential))
    try:
        observations = [session.options()]
        if observations[0].status is not None:
            observations += session.describe(uris)
    finally:
        session.close()
    return tuple(observations)
