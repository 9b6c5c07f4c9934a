"""Hostile TLS and RTSP servers: handshakes of garbage, stalls and drips; RTSP answers that never end a header,
carry broken SDP, answer another request's CSeq, announce absurd lengths, or are not RTSP at all."""

from __future__ import annotations

import asyncio
import os

from tests.doubles.hostile import payloads
from tests.doubles.hostile.context import CLIENT_GONE, DRIP_INTERVAL, IDLE, Context, TcpBehaviour
from tests.doubles.hostile.web import MAX_DRIP, MAX_STREAM, _send, _wait_gone

PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"


async def tls_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Answers a ClientHello with random bytes."""
    await _first_bytes(reader)
    await _send(writer, os.urandom(2048))


async def tls_stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Reads the ClientHello and never answers."""
    await _wait_gone(reader)


async def tls_drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """A handshake record header announcing 16 KiB, then one byte a second."""
    await _first_bytes(reader)
    for byte in (b"\x16\x03\x03\x40\x00" + os.urandom(MAX_DRIP))[:MAX_DRIP]:
        if not await _send(writer, bytes([byte])):
            return
        await asyncio.sleep(DRIP_INTERVAL)


async def _first_bytes(reader: asyncio.StreamReader) -> bytes:
    try:
        return await asyncio.wait_for(reader.read(4096), IDLE)
    except CLIENT_GONE:
        return b""


async def _rtsp_request(reader: asyncio.StreamReader, ctx: Context) -> tuple[str, str] | None:
    """(method, CSeq) of the next RTSP request (recorded), or None when the client went away."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE)
    except CLIENT_GONE:
        return None
    ctx.record(head)
    lines = head.decode("latin-1").split("\r\n")
    cseq = next((line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("cseq:")), "0")
    return lines[0].split(" ", 1)[0], cseq


def _rtsp(status: str, cseq: str, headers: list[str], body: bytes = b"") -> bytes:
    lines = [f"RTSP/1.0 {status}", f"CSeq: {cseq}", *headers] + ([f"Content-Length: {len(body)}"] if body else [])
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def rtsp_endless_header(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """A status line, then header lines forever."""
    asked = await _rtsp_request(reader, ctx)
    if asked is None or not await _send(writer, f"RTSP/1.0 200 OK\r\nCSeq: {asked[1]}\r\n".encode()):
        return
    line = b"X-Pad: " + b"a" * 1000 + b"\r\n"
    for _ in range(MAX_STREAM // len(line)):
        if not await _send(writer, line):
            return


async def rtsp_drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """An OPTIONS answer at one byte a second."""
    asked = await _rtsp_request(reader, ctx)
    if asked is None:
        return
    for byte in _rtsp("200 OK", asked[1], [f"Public: {PUBLIC}"])[:MAX_DRIP]:
        if not await _send(writer, bytes([byte])):
            return
        await asyncio.sleep(DRIP_INTERVAL)


async def rtsp_bad_sdp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """A well-behaved RTSP server whose DESCRIBE answers 200 with garbage where the SDP should be."""
    while (asked := await _rtsp_request(reader, ctx)) is not None:
        method, cseq = asked
        if method == "DESCRIBE":
            answer = _rtsp("200 OK", cseq, ["Content-Type: application/sdp"], payloads.garbage_sdp())
        else:
            answer = _rtsp("200 OK", cseq, [f"Public: {PUBLIC}"])
        if not await _send(writer, answer):
            return


async def rtsp_cseq_mismatch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Answers every request with another request's CSeq."""
    while await _rtsp_request(reader, ctx) is not None:
        if not await _send(writer, _rtsp("200 OK", "999", [f"Public: {PUBLIC}"])):
            return


async def rtsp_huge_length(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """A Content-Length of almost a gigabyte, and a few bytes."""
    asked = await _rtsp_request(reader, ctx)
    if asked is not None:
        await _send(writer, f"RTSP/1.0 200 OK\r\nCSeq: {asked[1]}\r\nContent-Length: 999999999\r\n\r\nv=0\r\n".encode())
        await _wait_gone(reader)


def _rtsp_camera(describe: bytes | None, challenge: str = "") -> TcpBehaviour:
    """A keep-alive RTSP server: OPTIONS answered; DESCRIBE answered with `describe` (an SDP body), or refused with
    `challenge` (a WWW-Authenticate value) to every request."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
        while (asked := await _rtsp_request(reader, ctx)) is not None:
            method, cseq = asked
            if method != "DESCRIBE":
                answer = _rtsp("200 OK", cseq, [f"Public: {PUBLIC}", "Server: IPCAM RTSP"])
            elif challenge:
                answer = _rtsp("401 Unauthorized", cseq, [f"WWW-Authenticate: {challenge}"])
            else:
                answer = _rtsp("200 OK", cseq, ["Content-Type: application/sdp"], describe or b"")
            if not await _send(writer, answer):
                return

    return serve


rtsp_camera = _rtsp_camera(payloads.sdp_video())
rtsp_basic = _rtsp_camera(None, 'Basic realm="IPCAM"')
rtsp_hostile_sdp = _rtsp_camera(payloads.hostile_sdp())
rtsp_large_sdp = _rtsp_camera(payloads.sdp_video() + b"a=x-pad:" + b"p" * (200 << 10) + b"\r\n")  # 200 KiB


async def rtsp_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: Context) -> None:
    """Binary noise on the RTSP port."""
    if await _rtsp_request(reader, ctx) is not None:
        await _send(writer, os.urandom(512) + b"\r\n\r\n")
