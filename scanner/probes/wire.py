"""HTTP/1.1 exchanges with one device over the standard library's http.client: kept-alive connections (no more than
the device's lines), every socket handed to the exchange's guard, bodies read with a cap and a deadline.

No proxy, no .netrc, no cookies, no redirects: only what the caller asks, to the audited address. Cameras use
self-signed certificates: TLS is read, never trusted.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from scanner.errors import ProbeError
from scanner.model import MAX_BODY
from scanner.net import exchanges
from scanner.net.deadline import Guard
from scanner.net.headers import Headers
from scanner.net.pace import ClosedUnanswered
from scanner.net.quickack import ack_at_once
from scanner.probes.answer_head import LeanResponse
from scanner.vocabulary import Reason

USER_AGENT = "camaudit/0.1 (read-only camera audit)"
READ_CHUNK = 64 * 1024
_SAFE_PATH = "!#$%&'()*+,/:;=?@[]~"  # a path and query as given, with only what cannot be sent percent-encoded
NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, http.client.HTTPException, ValueError)
# How a kept-alive connection the device closed while idle fails: sent into a closed socket, or nothing came back.
_HTTP = b"HTTP/"  # how every HTTP/1.x answer begins
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class UnusableAnswer(ValueError):
    """An answer that parses as HTTP but cannot be taken for one (how long is its body?)."""


@dataclass(frozen=True)
class Reply(Headers):
    """One HTTP answer: status, reason, headers in order (repeated ones kept), the body (capped), and whether it
    was cut at the cap."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool = False


@cache
def tls_context() -> ssl.SSLContext:
    """Encryption without trust: cameras' certificates are self-signed; we read, we do not trust."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _Plain(http.client.HTTPConnection):
    """http.client's connection with our response (its head read without the email parser), writing a request's
    head and its body (bytes) at once: http.client writes them apart, two system calls and two segments for every
    SOAP request, each send a moment the audit's thread gives up the interpreter to the others and waits for it."""

    response_class = LeanResponse

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        if not isinstance(message_body, bytes) or encode_chunked:
            super()._send_output(message_body, encode_chunked)  # type: ignore[misc]  # http.client's own way
            return
        buffer: list[bytes] = self._buffer  # type: ignore[attr-defined]  # the head http.client put together
        buffer.extend((b"", b""))
        head = b"\r\n".join(buffer)
        del buffer[:]
        self.send(head + message_body)


class _Tls(_Plain, http.client.HTTPSConnection):
    """The same over TLS (HTTPSConnection's connect, _Plain's writing and response)."""


class _Slot:
    """One connection to one (scheme, port) of the device: made lazily, reused while the device keeps it open."""

    def __init__(self, key: tuple[str, int], address: str, timeout: float) -> None:
        self.key = key
        scheme, port = key
        if scheme == "https":
            self.conn: _Plain = _Tls(address, port, timeout=timeout, context=tls_context())
        else:
            self.conn = _Plain(address, port, timeout=timeout)
        self.guard: Guard | None = None
        self.conn._create_connection = self._connect  # type: ignore[attr-defined]  # before TLS: a drip is bounded
        self.used = False
        self.heard = False  # a byte of the answer to the request in flight came

    def _connect(self, address: tuple[str, int], timeout: float, source: Any = None) -> socket.socket:
        sock = socket.create_connection(address, timeout, source)
        if self.guard is not None:
            self.guard.adopt(sock)
        return sock

    def stale(self) -> bool:
        """A kept connection the device closed (or wrote to) while it was idle: never read that as an answer."""
        sock = self.conn.sock
        if sock is None:
            return False
        poller = select.poll()  # not select(): a busy scan may hold descriptors above FD_SETSIZE
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))

    def close(self) -> None:
        self.conn.close()


class Wire:
    """The HTTP/1.1 connections to one device address. Thread-safe; each exchange runs inside the caller's pace
    and guard (scanner.net.pace), so the device's limits and deadlines hold however the audit is scheduled."""

    def __init__(self, address: str, timeout: float, lines: int = 2) -> None:
        self.address, self.timeout, self.lines = address, timeout, max(1, lines)
        self._lock = threading.Lock()
        self._idle: list[_Slot] = []
        self._busy = 0

    def __repr__(self) -> str:
        return f"Wire({self.address!r})"

    def exchange(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Sequence[tuple[str, str]],
        guard: Guard,
        cap: int = MAX_BODY,
    ) -> Reply:
        """One request and its answer on a kept or new connection. Raises ProbeError when the guard ended it (or
        the body came too slowly), OSError or http.client.HTTPException when the device did not answer in HTTP."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        key = (scheme, parts.port or (443 if scheme == "https" else 80))
        target = quote(parts.path or "/", safe=_SAFE_PATH)
        if parts.query:
            target += "?" + quote(parts.query, safe=_SAFE_PATH)
        slot = self._take(key)
        keep = False
        try:
            try:
                reply, keep = self._round_trip(slot, method, target, body, headers, guard, cap)
            except _DROPPED:
                if not slot.used or guard.expired:
                    raise
                slot.close()  # the device closed the kept connection as we sent: once more, on a fresh one
                slot.conn.sock = None
                slot.used = False
                reply, keep = self._round_trip(slot, method, target, body, headers, guard, cap)
            exchanges.answered()
            return reply
        except NETWORK_ERRORS as exc:
            if guard.expired:  # the reset or end-of-stream was ours
                raise ProbeError(guard.reason, guard.cause) from None
            if isinstance(exc, _DROPPED) and not slot.used and not slot.heard:
                # A new connection closed before a byte of its answer came: the device may be at its limit of
                # connections. Ours that sit idle make room before it is asked again.
                self._close_idle()
                raise ClosedUnanswered() from exc
            raise
        finally:
            slot.used = True
            self._give_back(slot, keep and not guard.expired)

    def _round_trip(
        self,
        slot: _Slot,
        method: str,
        target: str,
        body: bytes | None,
        headers: Sequence[tuple[str, str]],
        guard: Guard,
        cap: int,
    ) -> tuple[Reply, bool]:
        slot.guard, slot.heard = guard, False
        conn = slot.conn
        if conn.sock is not None:
            guard.adopt(conn.sock)  # a kept-alive connection, made under an earlier guard
            conn.sock.settimeout(self.timeout)
        conn.putrequest(method, target, skip_accept_encoding=True)
        names = {name.lower() for name, _ in headers}
        for name, value in (("User-Agent", USER_AGENT), ("Accept-Encoding", "identity"), ("Accept", "*/*")):
            if name.lower() not in names:
                conn.putheader(name, value)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None or method == "POST":
            conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body or None)
        ack_at_once(conn.sock)  # a device that writes its answer in pieces is not held up by our acknowledgement
        slot.heard = _speaks_http(conn.sock)
        response = conn.getresponse()
        slot.heard = True
        lengths = {value.strip() for value in response.headers.get_all("Content-Length") or ()}
        if len(lengths) > 1:  # which one frames the body? A request smuggler's trick, never an answer
            response.close()
            raise UnusableAnswer("Content-Length headers that disagree")
        data, truncated = _read(response, guard, cap)
        if guard.expired:  # a body read "until close" ends quietly when its socket is shut
            raise ProbeError(guard.reason, guard.cause)
        headers = tuple((sys.intern(name), _shared(value)) for name, value in response.getheaders())
        reply = Reply(response.status, response.reason or "", headers, data, truncated)
        return reply, not truncated and not response.will_close

    def _take(self, key: tuple[str, int]) -> _Slot:
        """A kept connection to `key` still open, else a new one; never more open than the device's lines."""
        stale: list[_Slot] = []
        with self._lock:
            found = None
            for slot in list(self._idle):
                if slot.key == key:
                    self._idle.remove(slot)
                    if slot.stale():
                        stale.append(slot)
                        continue
                    found = slot
                    break
            while found is None and self._idle and len(self._idle) + self._busy >= self.lines:
                stale.append(self._idle.pop(0))  # the oldest kept connection makes room
            self._busy += 1
        for slot in stale:
            slot.close()
        return found or _Slot(key, self.address, self.timeout)

    def _give_back(self, slot: _Slot, keep: bool) -> None:
        slot.guard = None
        with self._lock:
            self._busy -= 1
            if keep:
                self._idle.append(slot)
                return
        slot.close()

    def close(self) -> None:
        self._close_idle()

    def _close_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for slot in idle:
            slot.close()


def _shared(value: str) -> str:
    """A short header value as one string for every answer that sends it (`text/html`, `close`...): a thousand
    devices' answers are kept until the report, each header a string of its own otherwise."""
    return sys.intern(value) if len(value) <= 40 else value


def _speaks_http(sock: socket.socket | None) -> bool:
    """The first bytes of the answer (peeked, left for http.client) begin `HTTP/`; else BadStatusLine at once.
    Whether any byte of the answer came (False over TLS: not peeked).

    A port in another protocol (a maker's SDK port answering with its binary header) would otherwise keep
    http.client waiting for a status line's end until the timeout. Over TLS the handshake has already said so."""
    if sock is None or isinstance(sock, ssl.SSLSocket):
        return False
    first = sock.recv(len(_HTTP), socket.MSG_PEEK)  # waits like the status line's read would (same timeout)
    if first and not _HTTP.startswith(first[: len(_HTTP)]):
        raise http.client.BadStatusLine(repr(first))  # as http.client says of a status line that is not HTTP
    return bool(first)


def _read(response: http.client.HTTPResponse, guard: Guard, cap: int) -> tuple[bytes, bool]:
    """At most `cap` bytes of the body, and whether there was more; ProbeError past the guard's deadline."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(min(READ_CHUNK, cap + 1 - size))
        if not chunk:
            if response.length:  # closed before the Content-Length it announced: not a whole answer
                raise http.client.IncompleteRead(b"".join(chunks), response.length)
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            response.close()  # the rest of an oversized body must not be read as the next answer
            return b"".join(chunks)[:cap], True
        if guard.expired:  # the watchdog shut the socket: say why it did
            response.close()
            raise ProbeError(guard.reason, guard.cause)
        if time.monotonic() > guard.deadline:
            response.close()
            raise ProbeError("the device sent its answer too slowly", Reason.TIMED_OUT)
