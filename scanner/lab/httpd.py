"""A small asyncio HTTP/1.1 server: bounded request parsing, keep-alive, Content-Length on every answer."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl

from scanner.lab.tempo import Think

MAX_HEAD = 16 * 1024  # request line + headers; real camera web servers cap lower still
MAX_BODY = 1 << 20
IDLE_TIMEOUT = 10.0  # seconds a kept-alive connection may stay silent (Hikvision: Keep-Alive: timeout=10)
MAX_REQUESTS = 100  # requests per connection, like `Keep-Alive: max=100`
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request. `path` and `query` are the raw (still percent-encoded) parts of the target."""

    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    peer: str = ""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    @property
    def params(self) -> dict[str, str]:
        """Query parameters, first value of each."""
        params: dict[str, str] = {}
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            params.setdefault(key, value)
        return params

    def header(self, name: str) -> str | None:
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)


@dataclass(frozen=True)
class Response:
    """An answer; the server adds Content-Length and the connection headers."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/html"
    headers: tuple[tuple[str, str], ...] = field(default=())


Handler = Callable[[Request], Response]


class BadRequest(Exception):
    """The client sent something that is not HTTP/1.x; answer with `status` and close."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def http_date(when: float | None = None) -> str:
    """RFC 7231 date, as in the Date header."""
    return email.utils.formatdate(time.time() if when is None else when, usegmt=True)


def parse_head(head: bytes, peer: str = "") -> Request:
    """Request line and headers (bytes up to and including the blank line) -> Request without body."""
    try:
        text = head.decode("iso-8859-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise BadRequest(400) from None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[1]:
        raise BadRequest(400)
    method, target, version = parts
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise BadRequest(505)
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400)
        headers.append((name, value.strip()))
    return Request(method, target, version, tuple(headers), peer=peer)


def render(response: Response, request: Request | None, keep_alive: bool) -> bytes:
    """The response bytes: status line, headers, Content-Length always, body unless HEAD."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    version = request.version if request else "HTTP/1.1"
    lines = [f"{version} {response.status} {reason}"]
    lines += [f"{k}: {v}" for k, v in response.headers]
    if response.content_type:
        lines.append(f"Content-Type: {response.content_type}")
    lines.append(f"Content-Length: {len(response.body)}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    if keep_alive:
        lines.append(f"Keep-Alive: timeout={int(IDLE_TIMEOUT)}, max={MAX_REQUESTS}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
    body = b"" if request is not None and request.method == "HEAD" else response.body
    return head + body


def _wants_keep_alive(request: Request) -> bool:
    connection = (request.header("Connection") or "").lower()
    if request.version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


async def _read_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: Request) -> bytes:
    if request.header("Transfer-Encoding"):
        raise BadRequest(501)  # chunked request bodies: no camera API needs them
    raw = request.header("Content-Length") or "0"
    if not raw.isdigit():
        raise BadRequest(400)
    length = int(raw)
    if length > MAX_BODY:
        raise BadRequest(413)
    if length and (request.header("Expect") or "").lower() == "100-continue":
        writer.write(f"{request.version} 100 Continue\r\n\r\n".encode())
    if not length:
        return b""
    async with asyncio.timeout(IDLE_TIMEOUT):  # cheaper than wait_for (no task of its own), as every read here
        return await reader.readexactly(length)


def _error(status: int) -> Response:
    reason = HTTPStatus(status).phrase
    body = f"<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>\n"
    return Response(status, body.encode())


async def serve(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler, think: Think | None = None
) -> None:
    """Answer requests on one connection until the client closes, asks to close, idles or misbehaves; `think`
    is awaited before each answer (a slow device's think time)."""
    peer = writer.get_extra_info("peername")
    peer_text = peer[0] if isinstance(peer, tuple) else ""
    try:
        for _ in range(MAX_REQUESTS):
            try:
                async with asyncio.timeout(IDLE_TIMEOUT):
                    head = await reader.readuntil(b"\r\n\r\n")
                request = parse_head(head, peer_text)
                request = Request(
                    request.method,
                    request.target,
                    request.version,
                    request.headers,
                    await _read_body(reader, writer, request),
                    peer_text,
                )
            except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
                return
            except asyncio.LimitOverrunError:
                writer.write(render(_error(431), None, keep_alive=False))
                return
            except BadRequest as exc:
                writer.write(render(_error(exc.status), None, keep_alive=False))
                return
            keep_alive = _wants_keep_alive(request)
            if think is not None:
                await think(f"{request.method} {request.target}")
                if writer.is_closing():
                    return  # the client gave up while the device thought (uvloop refuses a write now)
            writer.write(render(_answer(handler, request), request, keep_alive))
            await writer.drain()
            if not keep_alive:
                return
    finally:
        await _close(writer)


def _answer(handler: Handler, request: Request) -> Response:
    try:
        return handler(request)
    except Exception:  # an emulator bug answers 500 like a real server, and is logged (requests hold no secrets)
        log.exception("lab handler failed on %s %s", request.method, request.path)
        return _error(500)


async def _close(writer: asyncio.StreamWriter) -> None:
    try:
        await writer.drain()
        writer.close()
        await writer.wait_closed()
    except (ConnectionError, OSError):
        pass
