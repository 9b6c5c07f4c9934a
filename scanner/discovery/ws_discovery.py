"""WS-Discovery sent unicast to UDP 3702 of each address: who answers as an ONVIF device, and what it announces.

Unicast, not multicast: it reaches only the addresses in scope, crosses routers, and needs no multicast route.
Each address gets a dn:NetworkVideoTransmitter and a tds:Device Probe (devices answer one, the other or both),
each sent up to `repeats` times a little apart because UDP gets lost (not again once answered). Retransmissions
keep their MessageID, as SOAP-over-UDP asks, so a device may answer once. A reply counts only when its RelatesTo
is one of our MessageIDs and it comes from an address we probed; replies are de-duplicated by EndpointReference.

The wait ends early once every address is settled: it answered each of our Probes, or it said that nothing
listens on its UDP 3702 (an ICMP port unreachable, read from the socket's error queue on Linux). An address
that says nothing keeps the whole wait; a settled one is not sent the repeat.
"""

from __future__ import annotations

import ipaddress
import selectors
import socket
import struct
import sys
import time
import uuid
from collections.abc import Sequence

from scanner.discovery.multicast import Rejections
from scanner.discovery.wsd_messages import (
    MAX_DATAGRAM,
    ScopesInfo,
    build_probe,
    parse_envelope,
    parse_probe_matches,
    probe_matches_of,
    relates_to,
    relates_to_of,
    scopes_info,
)
from scanner.errors import ParseError, ProbeError
from scanner.model import WsdReply

__all__ = ["ScopesInfo", "build_probe", "parse_probe_matches", "probe_unicast", "relates_to", "scopes_info"]

METHOD = "ws-discovery"
PROBE_TYPES = ("dn:NetworkVideoTransmitter", "tds:Device")
REPEAT_GAP = 0.1  # seconds between two sends of the same Probe
MAX_REPLIES_PER_ADDRESS = 8  # distinct endpoints kept per address
MAX_DATAGRAMS_PER_ADDRESS = 64  # datagrams parsed per address: a chatty device cannot make us parse forever
DRAIN_EVERY = 64  # addresses sent to between two reads, so replies do not pile up while we send
RECEIVE_BUFFER = 1 << 20
READ_BURST = 256  # datagrams read before the deadline is looked at again
# Linux's socket error queue (ip(7), ipv6(7): IP_RECVERR, IPV6_RECVERR; struct sock_extended_err in
# linux/errqueue.h): an ICMP "destination unreachable" about a datagram we sent, with the address it was sent to.
RECVERR: dict[int, tuple[int, int]] = {
    socket.AF_INET: (socket.IPPROTO_IP, 11),
    socket.AF_INET6: (socket.IPPROTO_IPV6, 25),
}
UNREACHABLE = {(2, 3), (3, 1)}  # (ee_origin, ee_type): ICMP type 3, ICMPv6 type 1 (destination unreachable)
EXTENDED_ERR = struct.Struct("=IBBBBII")  # ee_errno, ee_origin, ee_type, ee_code, ee_pad, ee_info, ee_data


def probe_unicast(
    addresses: Sequence[str],
    *,
    port: int = 3702,
    timeout: float = 1.0,
    repeats: int = 2,
    rejected: Rejections | None = None,
) -> dict[str, tuple[WsdReply, ...]]:
    """The ProbeMatches of each address that answered (addresses that did not answer are absent).

    Listens for `timeout` seconds after the last send, or until every address is settled. Raises ProbeError only
    when no Probe could be sent at all (no route, no permission): silence would otherwise look like "no camera
    here". Replies from probed addresses that could not be used (not XML, no answer to our Probe, too many) are
    noted in `rejected`.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    targets = {_key(a): a for a in addresses}
    if not targets:
        return {}
    probes = {f"urn:uuid:{uuid.uuid4()}": t for t in PROBE_TYPES}
    messages = {message_id: build_probe(message_id, types) for message_id, types in probes.items()}
    collector = _Collector(targets, frozenset(probes), rejected if rejected is not None else Rejections())
    with _Sockets(targets) as sockets:
        sent = 0
        for round_number in range(repeats):
            if round_number:
                sockets.drain(collector, time.monotonic() + REPEAT_GAP)
            sent += _send_round(sockets, collector, messages, port)
        if not sent:
            raise ProbeError(f"no WS-Discovery Probe could be sent: {sockets.last_error}")
        sockets.drain(collector, time.monotonic() + timeout)
    return collector.result()


def _send_round(sockets: _Sockets, collector: _Collector, messages: dict[str, bytes], port: int) -> int:
    """Each Probe an address has yet to answer, to each address not settled yet."""
    sent = 0
    for index, (key, waiting) in enumerate(collector.unsettled()):
        for message_id in sorted(waiting, key=list(messages).index):
            sent += sockets.send(messages[message_id], key, port)
        if index % DRAIN_EVERY == DRAIN_EVERY - 1:
            sockets.drain(collector, time.monotonic())
    return sent


class _Sockets:
    """One UDP socket per address family in use (one in practice), and reading from them until a deadline."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.last_error = ""
        self._selector = selectors.DefaultSelector()
        self._by_family: dict[int, socket.socket] = {}
        self._errors: set[int] = set()  # families whose socket reports ICMP errors in its error queue
        for key in keys:
            family = socket.AF_INET6 if ipaddress.ip_address(key).version == 6 else socket.AF_INET
            if family not in self._by_family:
                self._by_family[family] = self._open(family)

    def _open(self, family: int) -> socket.socket:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        except OSError:
            pass  # a smaller buffer only means more lost replies under load
        if sys.platform == "linux":
            try:
                sock.setsockopt(*RECVERR[family], 1)
                self._errors.add(family)
            except OSError:
                pass  # no early end: every silent address keeps the whole wait
        sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))  # noqa: S104  # any local address, ephemeral port
        self._selector.register(sock, selectors.EVENT_READ)
        return sock

    def send(self, message: bytes, key: str, port: int) -> int:
        family = socket.AF_INET6 if ":" in key else socket.AF_INET
        try:
            self._by_family[family].sendto(message, (key, port))
        except OSError as exc:  # this address is unreachable from here; the others may not be
            self.last_error = f"{key}: {exc.strerror or exc}"
            return 0
        return 1

    def drain(self, collector: _Collector, deadline: float) -> None:
        """Read every datagram that arrives before the deadline (a deadline in the past reads what is queued), or
        until every address is settled."""
        while not collector.all_settled():
            for selected, _ in self._selector.select(max(0.0, deadline - time.monotonic())):
                self._read_all(selected.fileobj, collector)  # type: ignore[arg-type]
            if time.monotonic() >= deadline:
                return

    def _read_all(self, sock: socket.socket, collector: _Collector) -> None:
        for _ in range(READ_BURST):  # a flood cannot keep us here past the deadline: drain() checks the clock
            try:
                data, source = sock.recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break  # an ICMP error reported on the socket: read from its error queue below
            collector.feed(data, source[0])
        if sock.family in self._errors:
            self._read_errors(sock, collector)

    @staticmethod
    def _read_errors(sock: socket.socket, collector: _Collector) -> None:
        """Each "destination unreachable" the error queue holds settles the address it was about."""
        level, kind = RECVERR[sock.family]
        for _ in range(READ_BURST):
            try:
                _data, ancillary, _flags, sent_to = sock.recvmsg(1, 512, socket.MSG_ERRQUEUE)
            except OSError:
                return  # the queue is empty (EAGAIN)
            for cmsg_level, cmsg_type, cmsg in ancillary:
                if (cmsg_level, cmsg_type) == (level, kind) and len(cmsg) >= EXTENDED_ERR.size:
                    _errno, origin, icmp_type, *_rest = EXTENDED_ERR.unpack_from(cmsg)
                    if (origin, icmp_type) in UNREACHABLE and sent_to:
                        collector.refused(sent_to[0])

    def __enter__(self) -> _Sockets:
        return self

    def __exit__(self, *exc: object) -> None:
        self._selector.close()
        for sock in self._by_family.values():
            sock.close()


class _Collector:
    """Keeps the replies that answer our Probes, from the addresses we probed, one per endpoint."""

    def __init__(self, targets: dict[str, str], message_ids: frozenset[str], rejected: Rejections) -> None:
        self._targets = targets
        self._message_ids = message_ids
        self._parsed: dict[str, int] = {}
        self._replies: dict[str, dict[str, WsdReply]] = {}
        self._rejected = rejected
        self._open = {key: set(message_ids) for key in targets}  # the Probes each address has yet to answer
        self._unsettled = len(targets)

    def unsettled(self) -> list[tuple[str, frozenset[str]]]:
        """The addresses that have yet to answer a Probe and have not said nothing listens, with the MessageIDs of
        the Probes they have yet to answer."""
        return [(key, frozenset(waiting)) for key, waiting in self._open.items() if waiting]

    def all_settled(self) -> bool:
        return self._unsettled == 0

    def _settle(self, key: str, answered: str | None = None) -> None:
        waiting = self._open[key]
        if not waiting:
            return
        if answered is None:
            waiting.clear()
        else:
            waiting.discard(answered)
        if not waiting:
            self._unsettled -= 1

    def refused(self, source: str) -> None:
        """An ICMP "destination unreachable" about a Probe sent to `source`: nothing will answer there."""
        try:
            key = _key(source)
        except ValueError:
            return
        if key in self._open:
            self._settle(key)

    def feed(self, data: bytes, source: str) -> None:
        try:
            key = _key(source)
        except ValueError:
            return
        if key not in self._targets:
            return  # not an address we probed (spoofed or stray)
        if self._parsed.get(key, 0) >= MAX_DATAGRAMS_PER_ADDRESS:
            self._reject(key, f"more than {MAX_DATAGRAMS_PER_ADDRESS} datagrams; the rest were ignored")
            return  # one that talks too much
        self._parsed[key] = self._parsed.get(key, 0) + 1
        try:
            envelope = parse_envelope(data)
            if relates_to_of(envelope) not in self._message_ids:
                self._reject(key, "a reply whose RelatesTo names no Probe camaudit sent")
                return
            answered = relates_to_of(envelope)
            matches = probe_matches_of(envelope, self._targets[key])
        except ParseError as exc:
            self._reject(key, str(exc))  # a broken reply is no reply, but it is news
            return
        except Exception as exc:  # noqa: BLE001 - each datagram on its own: none may end the discovery
            self._reject(key, f"an unreadable reply ({type(exc).__name__})")
            return
        self._settle(key, answered)
        kept = self._replies.setdefault(key, {})
        for match in matches:
            endpoint = match.epr or " ".join(match.xaddrs)  # no EPR: tell endpoints apart by their XAddrs
            if endpoint in kept:
                continue
            if len(kept) >= MAX_REPLIES_PER_ADDRESS:
                self._reject(key, f"claims more than {MAX_REPLIES_PER_ADDRESS} endpoints; the rest were ignored")
                break
            kept[endpoint] = match

    def _reject(self, key: str, reason: str) -> None:
        self._rejected.add(METHOD, self._targets[key], reason)

    def result(self) -> dict[str, tuple[WsdReply, ...]]:
        return {self._targets[key]: tuple(replies.values()) for key, replies in self._replies.items() if replies}


def _key(address: str) -> str:
    """An address in canonical form, so '::1' sent and '0:0::1' given compare equal."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)
