"""WS-Discovery sent unicast to UDP 3702 of each address: who answers as an ONVIF device, and what it announces.

Unicast, not multicast: it reaches only the addresses in scope, crosses routers, and needs no multicast route.
Each address gets a dn:NetworkVideoTransmitter and a tds:Device Probe (devices answer one, the other or both),
each sent `repeats` times a little apart because UDP gets lost. Retransmissions keep their MessageID, as
SOAP-over-UDP asks, so a device may answer once. A reply counts only when its RelatesTo is one of our
MessageIDs and it comes from an address we probed; replies are de-duplicated by EndpointReference.
"""

from __future__ import annotations

import ipaddress
import selectors
import socket
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


def probe_unicast(
    addresses: Sequence[str],
    *,
    port: int = 3702,
    timeout: float = 1.0,
    repeats: int = 2,
    rejected: Rejections | None = None,
) -> dict[str, tuple[WsdReply, ...]]:
    """The ProbeMatches of each address that answered (addresses that did not answer are absent).

    Listens for `timeout` seconds after the last send. Raises ProbeError only when no Probe could be sent at
    all (no route, no permission): silence would otherwise look like "no camera here". Replies from probed
    addresses that could not be used (not XML, no answer to our Probe, too many) are noted in `rejected`.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    targets = {_key(a): a for a in addresses}
    if not targets:
        return {}
    probes = {f"urn:uuid:{uuid.uuid4()}": t for t in PROBE_TYPES}
    messages = [build_probe(message_id, types) for message_id, types in probes.items()]
    collector = _Collector(targets, frozenset(probes), rejected if rejected is not None else Rejections())
    with _Sockets(targets) as sockets:
        sent = 0
        for round_number in range(repeats):
            if round_number:
                sockets.drain(collector, time.monotonic() + REPEAT_GAP)
            sent += _send_round(sockets, collector, list(targets), messages, port)
        if not sent:
            raise ProbeError(f"no WS-Discovery Probe could be sent: {sockets.last_error}")
        sockets.drain(collector, time.monotonic() + timeout)
    return collector.result()


def _send_round(sockets: _Sockets, collector: _Collector, keys: list[str], messages: list[bytes], port: int) -> int:
    sent = 0
    for index, key in enumerate(keys):
        for message in messages:
            sent += sockets.send(message, key, port)
        if index % DRAIN_EVERY == DRAIN_EVERY - 1:
            sockets.drain(collector, time.monotonic())
    return sent


class _Sockets:
    """One UDP socket per address family in use (one in practice), and reading from them until a deadline."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.last_error = ""
        self._selector = selectors.DefaultSelector()
        self._by_family: dict[int, socket.socket] = {}
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
        """Read every datagram that arrives before the deadline (a deadline in the past reads what is queued)."""
        while True:
            for selected, _ in self._selector.select(max(0.0, deadline - time.monotonic())):
                self._read_all(selected.fileobj, collector)  # type: ignore[arg-type]
            if time.monotonic() >= deadline:
                return

    @staticmethod
    def _read_all(sock: socket.socket, collector: _Collector) -> None:
        for _ in range(READ_BURST):  # a flood cannot keep us here past the deadline: drain() checks the clock
            try:
                data, source = sock.recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # e.g. an ICMP error reported on the socket: nothing to read
            collector.feed(data, source[0])

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
            matches = probe_matches_of(envelope, self._targets[key])
        except ParseError as exc:
            self._reject(key, str(exc))  # a broken reply is no reply, but it is news
            return
        except Exception as exc:  # noqa: BLE001 - each datagram on its own: none may end the discovery
            self._reject(key, f"an unreadable reply ({type(exc).__name__})")
            return
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
