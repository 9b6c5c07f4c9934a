"""A recorded device's RTSP server, for the lab's RTSP connection loop (scanner/lab/rtsp.serve).

OPTIONS and DESCRIBE are matched by method and the URI's path and query; each answer is the recorded one with the
request's CSeq, its URLs (Content-Base, the SDP's control URLs) pointed at the replay device. A DESCRIBE that needed
the login is answered with a challenge in the recorded realm first, then with the answer to any login.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from scanner.lab.auth import Authenticator
from scanner.lab.rtsp import REASONS, RtspDevice, RtspRequest
from scanner.replay.matching import AskLogin, Served, same_target
from scanner.replay.pointing import Pointer
from scanner.replay.records import Exchange

OWN_HEADERS = frozenset({"cseq", "content-length"})  # written for this request and this body


class ReplayRtsp(RtspDevice):
    """Answers RTSP requests from the recorded exchanges (the lab's persona-driven setup does not apply)."""

    def __init__(self, exchanges: Sequence[Exchange], pointer: Pointer) -> None:
        self.exchanges, self.pointer = tuple(exchanges), pointer
        self.served = Served()
        self._auth: dict[tuple[str, str], Authenticator] = {}

    def response(self, status: int, cseq: str | None, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
        lines = [f"RTSP/1.0 {status} {REASONS.get(status, 'Error')}"]
        lines += [f"CSeq: {cseq}"] if cseq is not None else []
        lines += [f"{k}: {v}" for k, v in headers]
        lines += [f"Content-Length: {len(body)}"] if body else []
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body

    def answer(self, request: RtspRequest) -> bytes:
        cseq = request.header("CSeq")
        if cseq is None:
            return self.response(400, None, [])
        parts = urlsplit(request.url)
        candidates = [
            (i, e)
            for i, e in enumerate(self.exchanges)
            if e.method == request.method and same_target(e, parts.path or "/", parts.query)
        ]
        if not candidates and request.method == "OPTIONS":  # OPTIONS asks the server, whatever its URI
            candidates = [(i, e) for i, e in enumerate(self.exchanges) if e.method == "OPTIONS"]
        if not candidates:
            return self.response(404, cseq, [])
        chosen = self.served.choose(candidates, lambda _: request.header("Authorization") is not None)
        if isinstance(chosen, AskLogin):
            return self._ask(chosen.exchange, cseq)
        if chosen.status is None:
            return b""  # the device gave no usable answer: neither does its replay
        headers = [(k, self.pointer.text(v)) for k, v in chosen.headers if k.lower() not in OWN_HEADERS]
        return self.response(chosen.status, cseq, headers, self.pointer.body(chosen.answer))

    def _ask(self, exchange: Exchange, cseq: str) -> bytes:
        key = (exchange.login, exchange.realm)
        if key not in self._auth:  # any login passes: the authenticator only words the challenge
            self._auth[key] = Authenticator(exchange.realm, "", "", qop=False, schemes=(exchange.login,))
        return self.response(401, cseq, [("WWW-Authenticate", c) for c in self._auth[key].challenges()])
