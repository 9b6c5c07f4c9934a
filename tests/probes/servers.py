"""Loopback test servers for the probe tests: HTTP (with real Digest checking) and raw TCP, on ephemeral ports."""

from __future__ import annotations

import hashlib
import re
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    """One request a test server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    """What a test HTTP server answers: status, headers, body (or chunks sent with pauses)."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    pause: float = 0.0  # seconds before the status line (a slow device)
    chunks: list[bytes] | None = None  # sent one by one, `pause` apart, without Content-Length


@dataclass
class Server:
    host: str
    port: int
    seen: list[Seen]

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"


def _handler(respond: Callable[[Seen], Reply], seen: list[Seen]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Nagle's algorithm left on, as on many small device servers: headers and body are two writes, and the
        # client's acknowledgement must come at once (scanner.net.quickack) for the body not to wait for it

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence the default stderr log
            pass

        def _serve(self) -> None:
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up (e.g. after reading as much as its cap allows)

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Seen(self.command, self.path, {k: v for k, v in self.headers.items()}, body)
            seen.append(request)
            reply = respond(request)
            if reply.pause and reply.chunks is None:
                threading.Event().wait(reply.pause)
            self.send_response_only(reply.status)  # no default Server header: replies set their own
            for name, value in reply.headers:
                self.send_header(name, value)
            if reply.chunks is None:
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                return
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in reply.chunks:
                self.wfile.write(chunk)
                self.wfile.flush()
                threading.Event().wait(reply.pause)

        do_GET = do_POST = do_PUT = _serve  # noqa: N815

    return Handler


@contextmanager
def http_server(respond: Callable[[Seen], Reply], host: str = "127.0.0.1", port: int = 0) -> Iterator[Server]:
    """An HTTP server on host:port (ephemeral by default) in a thread; every request is recorded in `.seen`."""
    seen: list[Seen] = []
    server = ThreadingHTTPServer((host, port), _handler(respond, seen))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Server(host, server.server_address[1], seen)
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def tcp_server(respond: Callable[[socket.socket, list[Seen]], None], host: str = "127.0.0.1") -> Iterator[Server]:
    """A raw TCP server; `respond(conn, seen)` owns each connection and records what it read in `seen`."""
    seen: list[Seen] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.settimeout(5)
            try:
                respond(self.request, seen)
            except OSError:
                pass

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("Server", (socketserver.ThreadingTCPServer,), {"address_family": family})
    server = server_class((host, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Server(host, server.server_address[1], seen)
    finally:
        server.shutdown()
        server.server_close()


def parse_request(data: bytes) -> Seen:
    """An RTSP (or HTTP) request head as a Seen record (path = the request URI)."""
    lines = data.decode("latin-1").split("\r\n")
    method, _, rest = lines[0].partition(" ")
    uri = rest.rpartition(" ")[0]
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return Seen(method, uri, headers, b"")


def read_request(conn: socket.socket) -> bytes:
    """Read one header block (an RTSP or HTTP request without body) from a connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Digest (RFC 2617), implemented here independently of the code under test -----------------------------


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617 mandates MD5


def digest_params(header: str) -> dict[str, str]:
    """The key=value pairs of an `Authorization: Digest ...` header."""
    pairs = re.findall(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))', header)
    return {key.lower(): quoted if quoted or not bare else bare for key, quoted, bare in pairs}


def digest_ok(header: str | None, method: str, realm: str, nonce: str, user: str, password: str) -> bool:
    """True when `header` is a correct Digest answer (qop=auth or none) for this login and nonce."""
    if not header or not header.lower().startswith("digest "):
        return False
    p = digest_params(header[7:])
    if p.get("username") != user or p.get("realm") != realm or p.get("nonce") != nonce:
        return False
    ha1, ha2 = _md5(f"{user}:{realm}:{password}"), _md5(f"{method}:{p.get('uri', '')}")
    if p.get("qop"):
        expected = _md5(f"{ha1}:{nonce}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}")
    else:
        expected = _md5(f"{ha1}:{nonce}:{ha2}")
    return p.get("response") == expected
