"""The segment discovery engine: each method's probes sent on the chosen interfaces, in-scope replies collected.

Every method (WS-Discovery, SADP, DHIP, SSDP, mDNS) gets its own UDP socket per interface, bound to that
interface's address on an ephemeral port, so devices answer it by unicast. Multicast leaves only through
the interface named by IP_MULTICAST_IF, with TTL 1 (never routed) and without looping back to us;
broadcast goes to the subnet's directed broadcast address, which stays on that subnet. Probes are sent
`repeats` times, `gap` seconds apart, because UDP gets lost; replies are read until the window closes.
A reply counts only when its source is in scope and on the interface's subnet; each source may send at most
`per_source` datagrams, and at most `cap` distinct devices are accepted.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Protocol

from scanner.errors import ParseError
from scanner.model import REJECTED, WsdReply
from scanner.net.interfaces import Interface

MAX_DATAGRAM = 64 * 1024
RECEIVE_BUFFER = 1 << 20
MAX_REASONS = 3  # distinct reasons kept per method and address
MAX_REASON = 160  # characters per reason
MAX_CLAIMS = 16  # devices one address may claim per method (a reply may list several endpoints)
READ_BURST = 256  # datagrams read from one socket before the window's clock is looked at again
MAX_FOLLOWUPS = 32  # extra queries one method may send in a scan (mDNS asks the service types it learns)


@dataclass(frozen=True)
class Found:
    """One device's answer to one method: its address, a key that tells its answers apart, and the facts."""

    method: str
    address: str
    key: str  # e.g. the WS-Discovery EndpointReference, the SADP MAC
    facts: tuple[tuple[str, str], ...] = ()
    wsd: WsdReply | None = None


class Method(Protocol):
    """A discovery protocol: where its probes go, what they are, and how a reply is read (raises ParseError)."""

    name: str
    group: str
    port: int
    broadcast: bool

    def messages(self) -> tuple[bytes, ...]: ...

    def read(self, data: bytes, source: str) -> tuple[Found, ...]: ...

    def followups(self, found: Found) -> tuple[bytes, ...]: ...


@dataclass(frozen=True)
class MethodTiming:
    """How one method fared: datagrams sent and accepted, devices, and when the first and last reply came."""

    method: str
    sent: int
    replies: int
    devices: int
    first_reply: float | None  # seconds after the first probe went out
    last_reply: float | None


@dataclass(frozen=True)
class SegmentResult:
    """Everything the engine collected, per method timings, and the problems met (one line each)."""

    found: tuple[Found, ...]
    timings: tuple[MethodTiming, ...]
    interfaces: tuple[str, ...]
    errors: tuple[str, ...] = ()
    rejected: tuple[Found, ...] = ()  # per method and address, the replies it could not use (`rejected` facts)


@dataclass
class _Channel:
    """One socket: one method on one interface, and its counters."""

    method: Method
    interface: Interface
    sock: socket.socket
    sent: int = 0
    followups: set[bytes] = field(default_factory=set)


def discover_segment(
    methods: Sequence[Method],
    interfaces: Sequence[Interface],
    in_scope: Callable[[str], bool],
    *,
    window: float = 3.0,
    repeats: int = 3,
    gap: float = 0.3,
    cap: int = 4096,
    per_source: int = 64,
) -> SegmentResult:
    """Run every method on every interface for `window` seconds; nothing is sent when either list is empty."""
    if not methods or not interfaces:
        return SegmentResult((), (), ())
    collector = _Collector(in_scope, cap, per_source)
    errors: list[str] = []
    channels = [c for m in methods for i in interfaces if (c := _open(m, i, errors)) is not None]
    started = time.monotonic()
    try:
        with selectors.DefaultSelector() as selector:
            for channel in channels:
                selector.register(channel.sock, selectors.EVENT_READ, channel)
            for round_number in range(repeats):
                for channel in channels:
                    _send_probes(channel, errors)
                _drain(selector, collector, started, min(started + window, started + (round_number + 1) * gap))
            _drain(selector, collector, started, started + window)
    finally:
        for channel in channels:
            channel.sock.close()
    if collector.refused_devices:
        errors.append(f"more than {cap} devices answered; {collector.refused_devices} further replies were not kept")
    return SegmentResult(
        rejected=collector.rejected.facts(),
        found=collector.all(),
        timings=tuple(collector.timing(m.name, sum(c.sent for c in channels if c.method is m)) for m in methods),
        interfaces=tuple(dict.fromkeys(i.name for i in interfaces)),
        errors=tuple(dict.fromkeys(errors)),
    )


def _open(method: Method, interface: Interface, errors: list[str]) -> _Channel | None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)  # never beyond the first router
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface.address))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        if method.broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        _try(sock, socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)  # smaller only means more loss
        sock.bind((interface.address, 0))
    except OSError as exc:
        sock.close()
        errors.append(f"{method.name} on {interface.name}: {exc.strerror or exc}")
        return None
    return _Channel(method, interface, sock)


def _try(sock: socket.socket, level: int, option: int, value: int) -> None:
    try:
        sock.setsockopt(level, option, value)
    except OSError:
        pass


def _send_probes(channel: _Channel, errors: list[str]) -> None:
    method = channel.method
    targets = [method.group] + ([channel.interface.broadcast] if method.broadcast else [])
    for message in method.messages():
        for target in targets:
            _send(channel, message, target, errors)


def _send(channel: _Channel, message: bytes, target: str, errors: list[str]) -> None:
    try:
        channel.sock.sendto(message, (target, channel.method.port))
        channel.sent += 1
    except OSError as exc:  # e.g. no route on this interface: the other interfaces and methods go on
        errors.append(f"{channel.method.name} to {target} on {channel.interface.name}: {exc.strerror or exc}")


def _drain(selector: selectors.BaseSelector, collector: _Collector, started: float, deadline: float) -> None:
    while (left := deadline - time.monotonic()) > 0:
        for key, _ in selector.select(left):
            _read_all(key.data, collector, started)


def _read_all(channel: _Channel, collector: _Collector, started: float) -> None:
    for _ in range(READ_BURST):  # a flood cannot keep us here past the window: the caller checks the clock
        try:
            data, source = channel.sock.recvfrom(MAX_DATAGRAM)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return  # an ICMP error reported on the socket: nothing to read
        address = str(source[0])
        if IPv4Address(address) not in channel.interface.network:
            continue  # not from this segment: a reply can only come from a neighbour
        for found in collector.feed(channel.method, data, address, time.monotonic() - started):
            _follow_up(channel, found)


def _follow_up(channel: _Channel, found: Found) -> None:
    try:
        messages = channel.method.followups(found)
    except Exception:  # noqa: BLE001 - a reply whose follow-up cannot be built gets none; the window goes on
        return
    for message in messages:
        if message not in channel.followups and len(channel.followups) < MAX_FOLLOWUPS:
            channel.followups.add(message)
            _send(channel, message, channel.method.group, [])


class Rejections:
    """Replies a method could not use, per (method, address): a few distinct reasons each, as `rejected` facts.

    A device that answers discovery with garbage is worth a line in its report; its garbage is not.
    """

    def __init__(self) -> None:
        self._reasons: dict[tuple[str, str], list[str]] = {}

    def add(self, method: str, address: str, reason: str) -> None:
        kept = self._reasons.setdefault((method, address), [])
        text = "".join(ch if ch.isprintable() else "?" for ch in reason)[:MAX_REASON]
        if text not in kept and len(kept) < MAX_REASONS:
            kept.append(text)

    def facts(self) -> tuple[Found, ...]:
        return tuple(
            Found(method, address, REJECTED, tuple((REJECTED, reason) for reason in reasons))
            for (method, address), reasons in self._reasons.items()
        )


class _Collector:
    """Accepts in-scope replies, one per (method, address, key), within the device and datagram caps."""

    def __init__(self, in_scope: Callable[[str], bool], cap: int, per_source: int) -> None:
        self._in_scope, self._cap, self._per_source = in_scope, cap, per_source
        self._datagrams: dict[str, int] = {}
        self._found: dict[tuple[str, str, str], Found] = {}
        self._keys: dict[tuple[str, str], int] = {}  # (method, address) -> devices it claimed
        self._addresses: set[str] = set()
        self._times: dict[str, list[float]] = {}
        self.rejected = Rejections()
        self.refused_devices = 0  # replies from addresses beyond the cap

    def feed(self, method: Method, data: bytes, address: str, at: float) -> list[Found]:
        if not self._in_scope(address):
            return []
        if self._datagrams.get(address, 0) >= self._per_source:
            self.rejected.add(method.name, address, f"more than {self._per_source} datagrams; the rest were ignored")
            return []
        if address not in self._addresses and len(self._addresses) >= self._cap:
            self.refused_devices += 1
            return []
        self._datagrams[address] = self._datagrams.get(address, 0) + 1
        try:
            answers = method.read(data, address)
        except ParseError as exc:
            self.rejected.add(method.name, address, str(exc))  # a broken reply is no reply, but it is news
            return []
        except Exception as exc:  # noqa: BLE001 - each datagram on its own: none may end the discovery
            self.rejected.add(method.name, address, f"an unreadable reply ({type(exc).__name__})")
            return []
        new = [f for f in answers if (f.method, f.address, f.key) not in self._found and self._room(f)]
        for found in new:
            self._found[(found.method, found.address, found.key)] = found
            self._addresses.add(found.address)
        if answers:
            self._times.setdefault(method.name, []).append(at)
        return new

    def _room(self, found: Found) -> bool:
        """Whether one address may claim one more device for this method (MAX_CLAIMS at most)."""
        count = self._keys.get((found.method, found.address), 0)
        if count >= MAX_CLAIMS:
            self.rejected.add(found.method, found.address, f"claims more than {MAX_CLAIMS} devices; the rest ignored")
            return False
        self._keys[(found.method, found.address)] = count + 1
        return True

    def all(self) -> tuple[Found, ...]:
        return tuple(self._found.values())

    def timing(self, name: str, sent: int) -> MethodTiming:
        times = self._times.get(name, [])
        devices = len({f.address for f in self._found.values() if f.method == name})
        first = round(min(times), 4) if times else None
        last = round(max(times), 4) if times else None
        return MethodTiming(name, sent, len(times), devices, first, last)
