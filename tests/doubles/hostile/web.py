"""Hostile web servers: answers that never end, drip, lie about their length, loop, reset, or bury XML bombs.

Each behaviour serves one connection (`async def (reader, writer, ctx)`); the lab closes what is left when it
stops. Those that stream stop as soon as the client goes away, and never send more than they must.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import struct
from collections.abc import Callable

from scanner.lab.httpd import Request, Response, parse_head, render
from tests.doubles.hostile import payloads
from tests.doubles.hostile.context import CLIENT_GONE, DRIP_INTERVAL, IDLE, Context, TcpBehaviour

MAX_STREAM = 64 << 20  # bytes an endless answer sends at most (the client hangs up at its cap long before)
MAX_DRIP = 600  # bytes a drip sends at most (ten minutes)
PAGE = b"<html><head><title>Hostile device</title></head><body>ok</body></html>\n"
SOAP_TYPE = "application/soap+xml; charset=utf-8"


async def read_request(reader: asyncio.StreamReader, ctx: Context | None = None) -> Request | None:
    """One request head and its Content-Length body, or None when the client went away or sent nonsense. With
    `ctx`, what arrived is recorded (ctx.record)."""
    head = b""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE)
        request = parse_head(head)
        length = int(request.header("Content-Length") or "0")
        body = await asyncio.wait_for(reader.readexactly(min(length, 1 << 20)), IDLE) if length > 0 else b""
    except Exception:  # noqa: BLE001 - gone, too slow, or nonsense: a hostile server gives up quietly
        if ctx is not None and head:
            ctx.record(head)
        return None
    if ctx is not None:
        ctx.record(head + body)
    return Request(request.method, request.target, request.version, request.headers, body)


async def _send(writer: asyncio.StreamWriter, data: bytes) -> bool:
    """Write and drain; False once the client is gone."""
    try:
        writer.write(data)
        await writer.drain()
    except CLIENT_GONE:
        return False
    return True


async def _drip(writer: asyncio.StreamWriter, data: bytes) -> None:
    for byte in data[:MAX_DRIP]:
        if not await _send(writer, bytes([byte])):
            return
        await asyncio.sleep(DRIP_INTERVAL)


def _head(status: str, headers: list[str]) -> bytes:
    return ("\r\n".join([f"HTTP/1.1 {status}", *headers]) + "\r\n\r\n").encode("latin-1")


def answering(reply: Callable[[Request, Context], Response]) -> TcpBehaviour:
    """A well-formed keep-alive HTTP server whose answers come from `reply` (the payload is the hostile part)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
        while (request := await read_request(reader, ctx)) is not None:
            ctx.count(f"{request.method} {request.path}")
            if not await _send(writer, render(reply(request, ctx), request, keep_alive=True)):
                return

    return serve


def soap_device(post: Callable[[Request, Context], Response]) -> TcpBehaviour:
    """A web server whose GET / is an ordinary page and whose SOAP POSTs are answered by `post`."""

    def reply(request: Request, ctx: Context) -> Response:
        if request.method == "POST":
            return post(request, ctx)
        return Response(200, PAGE) if request.path == "/" else Response(404, b"not found")

    return answering(reply)


def fixed_soap(status: int, body: bytes) -> TcpBehaviour:
    return soap_device(lambda request, ctx: Response(status, body, SOAP_TYPE))


def superscript_clock(request: Request, ctx: Context) -> Response:
    """ONVIF whose clock says the year is `²`, and whose every other call faults."""
    if request.method != "POST":
        return page(request, ctx)
    if b"GetSystemDateAndTime" in request.body:
        return Response(200, payloads.superscript_clock(), SOAP_TYPE)
    return Response(500, payloads.server_fault(), SOAP_TYPE)


def page(request: Request, ctx: Context) -> Response:
    """An ordinary small web page (for devices whose misbehaviour is elsewhere)."""
    return Response(200, PAGE) if request.path == "/" else Response(404, b"not found")


def wrong_namespaces(request: Request, ctx: Context) -> Response:
    """ONVIF answers that parse, but name every service in a namespace no client knows."""
    if request.method != "POST":
        return page(request, ctx)
    text = request.body.decode("utf-8", errors="replace")
    xaddr = f"http://{ctx.address}:{ctx.ports['http']}/onvif/device_service"
    for operation, answer in (
        ("GetSystemDateAndTime", payloads.clock_answer),
        ("GetServices", lambda: payloads.wrong_namespace_services(xaddr)),
        ("GetCapabilities", payloads.wrong_namespace_capabilities),
        ("GetDeviceInformation", payloads.device_information),
    ):
        if operation in text:
            return Response(200, answer(), SOAP_TYPE)
    return Response(500, payloads.server_fault(), SOAP_TYPE)


def digest_loop(request: Request, ctx: Context) -> Response:
    """A Hikvision-looking camera whose every login is refused with a fresh, 'stale' challenge."""
    if request.method == "GET" and request.path == "/":
        return Response(200, PAGE, headers=(("Server", "App-webs/"),))
    challenge = f'Digest realm="IP Camera(hostile)", qop="auth", nonce="{secrets.token_hex(16)}", stale="true"'
    return Response(401, b"401 Unauthorized", headers=(("WWW-Authenticate", challenge), ("Server", "App-webs/")))


def basic_everywhere(request: Request, ctx: Context) -> Response:
    """An unbranded camera's web server asking for HTTP Basic (the password in clear) on everything but `/`."""
    if request.method == "GET" and request.path == "/":
        return Response(200, PAGE)
    return Response(401, b"401 Unauthorized", headers=(("WWW-Authenticate", 'Basic realm="IPCAM"'),))


REOLINK_TOKEN = "hostile0session0token0d0not0leak"  # noqa: S105 - a hostile device's session token, for the tests


def reolink_echo(request: Request, ctx: Context) -> Response:
    """A device that looks like a Reolink, accepts any login, and echoes its session token in every answer."""
    if request.method == "GET" and request.path == "/":
        return Response(200, b"<html><head><title>Reolink</title></head><body></body></html>")
    if request.method != "POST" or request.path != "/cgi-bin/api.cgi":
        return Response(404, b"not found")
    command = request.target.partition("cmd=")[2].partition("&")[0]
    value = {"Token": {"leaseTime": 3600, "name": REOLINK_TOKEN}} if command == "Login" else {"echo": REOLINK_TOKEN}
    body = json.dumps([{"cmd": command, "code": 0, "value": value}]).encode()
    return Response(200, body, "application/json", headers=(("X-Session", REOLINK_TOKEN),))


def redirect_loop(request: Request, ctx: Context) -> Response:
    return Response(302, b"", headers=(("Location", request.target),))


def redirect_offsite(request: Request, ctx: Context) -> Response:
    """Redirects to another host (the lab's trap) and to other schemes, in turn: never to be followed."""
    ctx.count("redirect")
    targets = [f"http://{ctx.trap}:{ctx.ports['http']}/", "file:///etc/passwd", f"//{ctx.trap}/x"]
    return Response(302, b"", headers=(("Location", targets[ctx.counts[f"{ctx.persona}:redirect"] % 3]),))


async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """A chunked answer that never ends (to any request)."""
    if await read_request(reader, ctx) is None:
        return
    if not await _send(writer, _head("200 OK", ["Content-Type: text/html", "Transfer-Encoding: chunked"])):
        return
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    for _ in range(MAX_STREAM // len(chunk)):
        if not await _send(writer, chunk):
            return


async def oversized(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """An honest Content-Length of 50 MB, sent as fast as the client reads."""
    if await read_request(reader, ctx) is None:
        return
    size = 50_000_000
    if not await _send(writer, _head("200 OK", ["Content-Type: text/xml", f"Content-Length: {size}"])):
        return
    block = b"<a>" + b"y" * (64 * 1024 - 7) + b"</a>\n"
    for _ in range(size // len(block)):
        if not await _send(writer, block):
            return


async def drip_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Status line and headers at one byte a second."""
    if await read_request(reader, ctx) is not None:
        await _drip(writer, _head("200 OK", ["Server: drip", "X-Slow: " + "s" * 200, "Content-Length: 2"]) + b"ok")


async def drip_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Headers at once, then the body at one byte a second."""
    if await read_request(reader, ctx) is None:
        return
    if await _send(writer, _head("200 OK", ["Content-Type: text/html", "Content-Length: 100000"])):
        await _drip(writer, PAGE * 100)


async def no_length(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """No Content-Length, no chunking, and the connection held open: the body 'ends' only when the client gives up."""
    if await read_request(reader, ctx) is None:
        return
    if await _send(writer, _head("200 OK", ["Content-Type: text/html", "Connection: keep-alive"]) + b"<html>part"):
        await _wait_gone(reader)


async def long_length(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Content-Length 5000, 60 bytes sent, then the connection closes."""
    if await read_request(reader, ctx) is not None:
        await _send(writer, _head("200 OK", ["Content-Type: text/html", "Content-Length: 5000"]) + PAGE[:60])


async def conflicting_length(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Two Content-Length headers that disagree (request smuggling's favourite), then silence."""
    if await read_request(reader, ctx) is None:
        return
    if await _send(writer, _head("200 OK", ["Content-Length: 10", "Content-Length: 99999"]) + PAGE):
        await _wait_gone(reader)


async def bad_chunks(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """A chunked body whose second chunk size is not hexadecimal."""
    if await read_request(reader, ctx) is not None:
        await _send(writer, _head("200 OK", ["Transfer-Encoding: chunked"]) + b"5\r\n<html\r\nzz\r\nbroken\r\n")


async def garbage_status(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Something that is not HTTP at all (an SSH banner and binary noise) on the web port."""
    await read_request(reader, ctx)
    await _send(writer, b"SSH-2.0-OpenSSH_7.4\r\n" + bytes(range(256)) * 8)


async def huge_headers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """A header block of 2000 lines."""
    if await read_request(reader, ctx) is not None:
        await _send(writer, _head("200 OK", [f"X-Pad-{n}: {'a' * 100}" for n in range(2000)] + ["Content-Length: 0"]))


async def reset_midway(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Half an answer, then a TCP reset."""
    if await read_request(reader, ctx) is None:
        return
    await _send(writer, _head("200 OK", ["Content-Length: 1000"]) + PAGE[:30])
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close() now sends RST
    writer.transport.abort()


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Accepts, reads, never answers."""
    await _wait_gone(reader)


async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    writer.close()


async def trap(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """The lab's trap: nobody should ever come here (redirect and XAddr targets off the audited device)."""
    ctx.count("visit")
    await _send(writer, _head("200 OK", ["Content-Length: 4"]) + b"trap")


async def _wait_gone(reader: asyncio.StreamReader) -> None:
    try:
        while await asyncio.wait_for(reader.read(4096), 120):
            pass
    except CLIENT_GONE:
        pass
