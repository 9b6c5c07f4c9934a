"""An RTSP 1.0 server as cameras run it: OPTIONS open, DESCRIBE behind auth for any path, SDP per vendor."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from scanner.lab import sdp
from scanner.lab.auth import Authenticator
from scanner.lab.personas import Persona, Stream
from scanner.lab.tempo import Think

MAX_HEAD = 8 * 1024
MAX_BODY = 64 * 1024
IDLE_TIMEOUT = 30.0
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    454: "Session Not Found",
    461: "Unsupported transport",
    501: "Not Implemented",
    505: "RTSP Version not supported",
}
SESSION_METHODS = ("PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER")


@dataclass(frozen=True)
class RtspRequest:
    method: str
    url: str
    version: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)


class RtspBadRequest(Exception):
    """Not RTSP/1.0: answer `status` and close."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def parse_request(head: bytes) -> RtspRequest:
    """Request line and headers -> RtspRequest; RtspBadRequest when it is not an RTSP/1.0 request."""
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].replace("_", "").isalpha():
        raise RtspBadRequest(400)
    if not parts[2].startswith("RTSP/"):
        raise RtspBadRequest(400)
    if parts[2] != "RTSP/1.0":
        raise RtspBadRequest(505)
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if line and not sep:
            raise RtspBadRequest(400)
        if line:
            headers.append((name.strip(), value.strip()))
    return RtspRequest(parts[0], parts[1], parts[2], tuple(headers))


class RtspDevice:
    """One persona's RTSP behaviour; `answer` turns a request into response bytes."""

    def __init__(self, persona: Persona, address: str) -> None:
        assert persona.rtsp is not None
        self.persona, self.spec, self.address = persona, persona.rtsp, address
        style = persona.rtsp.flavor if persona.rtsp.flavor in ("hikvision", "dahua") else "generic"
        self.auth = Authenticator(
            persona.rtsp.realm, persona.username, persona.password, style=style, qop=False, schemes=persona.rtsp.schemes
        )

    def response(self, status: int, cseq: str | None, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
        lines = [f"RTSP/1.0 {status} {REASONS.get(status, 'Error')}"]
        if cseq is not None:
            lines.append(f"CSeq: {cseq}")
        if self.spec.server:
            lines.append(f"Server: {self.spec.server}")
        lines += [f"{k}: {v}" for k, v in headers]
        date = sdp.rtsp_date(self.spec.flavor)
        if date:
            lines.append(f"Date: {date}")
        if body:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body

    def answer(self, request: RtspRequest) -> bytes:
        cseq = request.header("CSeq")
        if cseq is None:
            return self.response(400, None, [])
        method = request.method
        if method == "OPTIONS":
            return self.response(200, cseq, [("Public", sdp.PUBLIC[self.spec.flavor])])
        if method in ("DESCRIBE", "SETUP"):
            if not self.auth.check(request.header("Authorization"), method, request.url):
                return self.response(401, cseq, [("WWW-Authenticate", c) for c in self.auth.challenges()])
            return self._describe(request, cseq) if method == "DESCRIBE" else self._setup(request, cseq)
        if method in SESSION_METHODS:
            return self.response(454, cseq, [])
        if method in ("ANNOUNCE", "RECORD"):
            return self.response(405, cseq, [("Allow", sdp.PUBLIC[self.spec.flavor])])
        return self.response(501, cseq, [])

    def _describe(self, request: RtspRequest, cseq: str) -> bytes:
        stream = self.stream_for(request.url)
        if stream is None:
            return self.response(404, cseq, [])
        base = request.url if request.url.endswith("/") else request.url + "/"
        body = sdp.describe(self.spec.flavor, stream, request.url, self.address).encode("utf-8")
        return self.response(200, cseq, [("Content-Type", "application/sdp"), ("Content-Base", base)], body)

    def _setup(self, request: RtspRequest, cseq: str) -> bytes:
        # The lab sends no media: an honest camera that cannot serve the transport says so.
        track_of = request.url.rsplit("/", 1)[0]
        found = self.stream_for(request.url) or self.stream_for(track_of)
        return self.response(461 if found else 404, cseq, [])

    def stream_for(self, url: str) -> Stream | None:
        """The stream a URL names: same path (case-insensitive on Hikvision, trailing slash ignored), and
        the stream's query parameters all present (vendors append their own, e.g. unicast=true)."""
        parts = urlsplit(url)
        fold = self.spec.flavor == "hikvision"
        path = parts.path.rstrip("/") or "/"
        given = set(parse_qsl(parts.query, keep_blank_values=True))
        for stream in self.persona.streams:
            want_path, _, want_query = stream.path.partition("?")
            same = path.lower() == want_path.lower() if fold else path == want_path
            if same and set(parse_qsl(want_query, keep_blank_values=True)) <= given:
                return stream
        return None


async def serve(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, device: RtspDevice, think: Think | None = None
) -> None:
    """Answer RTSP requests on one connection until it closes, idles, or sends something that is not RTSP;
    `think` is awaited before each answer."""
    try:
        while True:
            try:
                async with asyncio.timeout(IDLE_TIMEOUT):
                    head = await reader.readuntil(b"\r\n\r\n")
                request = parse_request(head)
                length = request.header("Content-Length") or "0"
                if not length.isdigit() or int(length) > MAX_BODY:
                    raise RtspBadRequest(400)
                async with asyncio.timeout(IDLE_TIMEOUT):
                    await reader.readexactly(int(length))
            except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
                return
            except (asyncio.LimitOverrunError, RtspBadRequest) as exc:
                status = exc.status if isinstance(exc, RtspBadRequest) else 400
                writer.write(device.response(status, None, []))
                return
            if think is not None:
                await think(f"{request.method} {request.url}")
                if writer.is_closing():
                    return  # the client gave up while the device thought
            writer.write(device.answer(request))
            await writer.drain()
    finally:
        try:
            writer.close()
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
