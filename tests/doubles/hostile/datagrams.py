"""Hostile discovery responders: garbage, truncated, huge, spoofed and entity-laden replies to WS-Discovery, SADP,
DHIP, SSDP and mDNS, a device that answers for 500 fake devices, and one that lists hundreds of XAddrs."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import uuid
from collections.abc import Callable, Sequence

from scanner.errors import ParseError
from scanner.lab.wsd import parse_probe
from tests.doubles.hostile import payloads
from tests.doubles.hostile.context import Context, UdpBehaviour

Answer = Callable[[bytes, Context], list[bytes]]
MAX_ANSWERS = 500  # datagrams sent for one datagram received
MAX_UDP = 65000  # what fits one datagram (65507 is the IPv4 limit)


class _Responder(asyncio.DatagramProtocol):
    def __init__(self, ctx: Context, answer: Answer) -> None:
        self.ctx, self.answer = ctx, answer
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.ctx.count("datagram")
        self.ctx.record(data)
        for reply in self.answer(data, self.ctx)[:MAX_ANSWERS]:
            if self.transport is not None:
                self.transport.sendto(reply, addr)


def responder(answer: Answer) -> UdpBehaviour:
    return lambda ctx: _Responder(ctx, answer)


def _probe_id(data: bytes) -> str | None:
    try:
        return parse_probe(data).message_id
    except ParseError:
        return None  # not a Probe: hostile devices answer probes, not each other


def _scopes(ctx: Context, count: int = 2) -> list[str]:
    return [f"onvif://www.onvif.org/name/{ctx.persona}"] + [f"onvif://www.onvif.org/x/{n:04d}" for n in range(count)]


def _own_xaddr(ctx: Context, path: str = "/onvif/device_service") -> str:
    return f"http://{ctx.address}:{ctx.ports['http']}{path}"


def _valid(mid: str, ctx: Context) -> bytes:
    return payloads.probe_matches(mid, f"urn:uuid:{ctx.persona}", [_own_xaddr(ctx)], _scopes(ctx))


def wsd_garbage(data: bytes, ctx: Context) -> list[bytes]:
    return [os.urandom(300)] if _probe_id(data) else []


def wsd_truncated(data: bytes, ctx: Context) -> list[bytes]:
    mid = _probe_id(data)
    return [(full := _valid(mid, ctx))[: len(full) // 2]] if mid else []


def wsd_huge(data: bytes, ctx: Context) -> list[bytes]:
    """One datagram as large as UDP allows: twenty endpoints, fifty scopes each."""
    mid = _probe_id(data)
    if not mid:
        return []
    count = 20
    while len(reply := payloads.probe_matches(mid, f"urn:uuid:{ctx.persona}", [_own_xaddr(ctx)],
                                              _scopes(ctx, 50), count)) > MAX_UDP:  # fmt: skip
        count -= 1
    return [reply]


def wsd_spoofed(data: bytes, ctx: Context) -> list[bytes]:
    """A well-formed ProbeMatches that answers some other Probe (RelatesTo is not ours)."""
    return [_valid(f"urn:uuid:{uuid.uuid4()}", ctx)] if _probe_id(data) else []


def wsd_entity(data: bytes, ctx: Context) -> list[bytes]:
    mid = _probe_id(data)
    return [payloads.entity_probe_matches(mid)] if mid else []


def wsd_scopes(*scopes: str) -> Answer:
    """A well-formed ProbeMatches announcing the device's own ONVIF address with these (hostile) scopes."""

    def answer(data: bytes, ctx: Context) -> list[bytes]:
        mid = _probe_id(data)
        return [payloads.probe_matches(mid, f"urn:uuid:{ctx.persona}", [_own_xaddr(ctx)], list(scopes))] if mid else []

    return answer


def wsd_fake_devices(data: bytes, ctx: Context) -> list[bytes]:
    """500 ProbeMatches, one per fake device, all from this one address."""
    mid = _probe_id(data)
    if not mid:
        return []
    return [payloads.probe_matches(mid, f"urn:uuid:fake-{n:03d}", [_own_xaddr(ctx)], _scopes(ctx)) for n in range(500)]


def wsd_xaddr_flood(data: bytes, ctx: Context) -> list[bytes]:
    """One ProbeMatch listing hundreds of XAddrs: the trap, other loopback hosts, and this device's many paths."""
    mid = _probe_id(data)
    if not mid:
        return []
    elsewhere = [f"http://{ctx.trap}:{ctx.ports['http']}/onvif/device_service", "http://0.0.0.0/onvif/device_service"]
    elsewhere += [f"http://127.0.0.{n}:80/onvif/device_service" for n in range(2, 40)]
    mine = [_own_xaddr(ctx, f"/onvif/{n}") for n in range(300)]
    return [payloads.probe_matches(mid, f"urn:uuid:{ctx.persona}", elsewhere + mine, _scopes(ctx))]


def fixed(*replies: bytes) -> Answer:
    """The same replies to whatever arrives (segment protocols: SADP, DHIP, SSDP, mDNS)."""
    return lambda data, ctx: list(replies)


def dhip_frame(magic: bytes, body: bytes, length: int | None = None) -> bytes:
    """A DHIP frame with any magic and any claimed body length."""
    claimed = len(body) if length is None else length
    return struct.pack("<I4sIIIIII", 32, magic, 0, 0, claimed, 0, claimed, 0) + body


def mdns_pointer_loop() -> bytes:
    """A DNS response with one answer whose name is a compression pointer to itself."""
    header = struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0)
    return header + b"\xc0\x0c" + struct.pack("!HHIH", 12, 1, 120, 2) + b"\xc0\x0c"


def mdns_unencodable_type() -> bytes:
    """A services enumeration naming one type whose first label is 63 bytes of 0xFF: decoded, it becomes 189 bytes
    of replacement characters, which zeroconf refuses to put into the follow-up query (NamePartTooLongException)."""

    def name(*labels: bytes) -> bytes:
        return b"".join(bytes([len(label)]) + label for label in labels) + b"\0"

    alias = name(b"\xff" * 63, b"_tcp", b"local")
    header = struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0)
    enumeration = name(b"_services", b"_dns-sd", b"_udp", b"local")
    return header + enumeration + struct.pack("!HHIH", 12, 1, 120, len(alias)) + alias


def ssdp_location_port(data: bytes, ctx: Context) -> list[bytes]:
    """A well-formed SSDP answer whose LOCATION, on the device itself, names port 99999."""
    lines = ["HTTP/1.1 200 OK", "CACHE-CONTROL: max-age=1800", f"LOCATION: http://{ctx.address}:99999/desc.xml",
             "SERVER: Linux/3.10 UPnP/1.0 hostile/1.0", "ST: upnp:rootdevice",
             f"USN: uuid:hostile-{ctx.persona}::upnp:rootdevice"]  # fmt: skip
    return [("\r\n".join(lines) + "\r\n\r\n").encode()]


class Flood(asyncio.DatagramProtocol):
    """Answers each datagram from many sockets (each bound to its own address): hundreds of fake devices."""

    def __init__(self, senders: Sequence[socket.socket], reply: Callable[[int], bytes]) -> None:
        self.senders, self.reply = senders, reply

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for index, sender in enumerate(self.senders):
            try:
                sender.sendto(self.reply(index), addr)
            except OSError:
                continue  # a full buffer drops a fake device or two: the flood goes on
