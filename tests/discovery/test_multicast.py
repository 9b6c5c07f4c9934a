"""The segment engine on loopback: probes out, in-scope replies in, caps, follow-ups; the sockets' multicast options.

No multicast is sent here: each method's "group" is a loopback responder, so the engine's collection logic runs
for real while every datagram stays on 127.0.0.0/8 (the conftest guard checks it).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from scanner.discovery.multicast import Found, _open, discover_segment
from scanner.errors import ParseError
from scanner.net.interfaces import Interface
from tests.discovery.udp_lab import serve_udp

LOOP = Interface("lo-test", "127.0.0.1", ipaddress.IPv4Network("127.0.0.0/8"), True, False, True)


class Echo(asyncio.DatagramProtocol):
    """Answers each datagram with `replies` datagrams, each from `reply_from` sockets if given."""

    def __init__(self, replies: list[bytes], senders: list[socket.socket] | None = None) -> None:
        self.replies, self.senders, self.transport = replies, senders, None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        for index, reply in enumerate(self.replies):
            if self.senders:
                self.senders[index % len(self.senders)].sendto(reply, addr)
            else:
                self.transport.sendto(reply, addr)


class FakeMethod:
    """A method whose 'group' is a loopback responder; replies `dev:<key>` are devices, anything else is garbage."""

    broadcast = False

    def __init__(self, port: int, name: str = "fake", followup: bytes | None = None) -> None:
        self.name, self.group, self.port, self.followup = name, "127.0.0.1", port, followup
        self.sent_followups = 0

    def messages(self):
        return (b"probe",)

    def read(self, data, source):
        if not data.startswith(b"dev:"):
            raise ParseError("garbage")
        return (Found(self.name, source, data[4:].decode(), (("key", data[4:].decode()),)),)

    def followups(self, found):
        return (self.followup,) if self.followup else ()


def scope(*addresses: str):
    return frozenset(addresses).__contains__


def test_replies_collected_once_per_key_garbage_ignored():
    with serve_udp("127.0.0.1", lambda: Echo([b"dev:a", b"dev:a", b"junk", b"dev:b"])) as port:
        result = discover_segment([FakeMethod(port)], [LOOP], scope("127.0.0.1"), window=0.5, repeats=2, gap=0.1)
    assert sorted(f.key for f in result.found) == ["a", "b"]
    (timing,) = result.timings
    assert timing.sent == 2 and timing.devices == 1 and timing.replies >= 2
    assert timing.first_reply is not None and 0 <= timing.first_reply <= timing.last_reply < 0.5
    assert result.interfaces == ("lo-test",)


def test_replies_from_outside_the_scope_are_dropped():
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.2", 0))
    try:
        with serve_udp("127.0.0.1", lambda: Echo([b"dev:stranger"], [other])) as port:
            result = discover_segment([FakeMethod(port)], [LOOP], scope("127.0.0.1"), window=0.3, repeats=1)
    finally:
        other.close()
    assert result.found == ()


def test_device_cap_and_per_source_cap():
    senders = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
    for index, sock in enumerate(senders):
        sock.bind((f"127.0.0.{index + 2}", 0))
    try:
        replies = [f"dev:{n}".encode() for n in range(30)]
        with serve_udp("127.0.0.1", lambda: Echo(replies, senders)) as port:
            everyone = scope("127.0.0.2", "127.0.0.3", "127.0.0.4")
            capped = discover_segment([FakeMethod(port)], [LOOP], everyone, window=0.4, repeats=1, cap=2, per_source=4)
    finally:
        for sock in senders:
            sock.close()
    assert len({f.address for f in capped.found}) == 2
    assert max(sum(1 for f in capped.found if f.address == a) for a in {f.address for f in capped.found}) <= 4


def test_followups_are_sent_once():
    seen: list[bytes] = []

    class Recorder(Echo):
        def datagram_received(self, data, addr):
            seen.append(data)
            super().datagram_received(data, addr)

    with serve_udp("127.0.0.1", lambda: Recorder([b"dev:x"])) as port:
        discover_segment(
            [FakeMethod(port, followup=b"more")], [LOOP], scope("127.0.0.1"), window=0.4, repeats=3, gap=0.1
        )
    assert seen.count(b"probe") == 3 and seen.count(b"more") == 1


def test_a_reply_that_breaks_its_reader_or_its_follow_up_is_one_reply_lost(monkeypatch):
    # Issue 13: any exception from one datagram (a reader's bug, zeroconf's NamePartTooLongException in a
    # follow-up) used to end the whole discovery, and the scan with it.
    class Brittle(FakeMethod):
        def read(self, data, source):
            if data == b"boom":
                raise OverflowError("a reader's bug")
            return super().read(data, source)

        def followups(self, found):
            raise ValueError("cannot build the follow-up")

    with serve_udp("127.0.0.1", lambda: Echo([b"boom", b"dev:a", b"dev:b"])) as port:
        result = discover_segment([Brittle(port)], [LOOP], scope("127.0.0.1"), window=0.4, repeats=1)
    assert sorted(f.key for f in result.found) == ["a", "b"]
    (rejected,) = result.rejected
    assert rejected.facts == (("rejected", "an unreadable reply (OverflowError)"),)


def test_nothing_is_sent_without_interfaces():
    result = discover_segment([FakeMethod(9)], [], scope("127.0.0.1"), window=5)
    assert result.found == () and result.timings == ()


def test_sockets_never_route_multicast_nor_hear_their_own():
    errors: list[str] = []
    channel = _open(FakeMethod(9), LOOP, errors)
    assert channel is not None and not errors
    try:
        sock = channel.sock
        assert sock.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL) == 1
        assert sock.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP) == 0
        assert socket.inet_ntoa(sock.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, 4)) == "127.0.0.1"
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        channel.sock.close()
