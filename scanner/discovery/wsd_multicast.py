"""WS-Discovery as a segment method: multicast Probes for NVT, Device and any type; replies matched by RelatesTo.

The Probes are built by `wsd_messages.build_probe` with lxml (an XML library, not string building), with the
type prefix declared on the Types element. The `wsdiscovery` package was considered and not used: it sends
on every interface and on IPv6 ff02::c whatever it is told, sleeps a random delay before each send, skips
loopback, and drops replies whose Action or wrapper is non-standard (ipycam's), see research/lab.md.
"""

from __future__ import annotations

import uuid
from ipaddress import ip_address
from urllib.parse import urlsplit

from scanner.discovery.multicast import Found
from scanner.discovery.wsd_messages import build_probe, parse_envelope, probe_matches_of, relates_to_of, scopes_info
from scanner.model import WsdReply

METHOD = "ws-discovery"
GROUP, PORT = "239.255.255.250", 3702
ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - what a device announces when it means "my address", not a bind
PROBE_TYPES = ("dn:NetworkVideoTransmitter", "tds:Device", "")  # "" = an empty Types element: any device


class WsdMethod:
    """One scan's Probes: a MessageID per type, kept on retransmission so a device may answer once."""

    name = METHOD
    group = GROUP
    port = PORT
    broadcast = False

    def __init__(self) -> None:
        self._probes = {f"urn:uuid:{uuid.uuid4()}": types for types in PROBE_TYPES}
        self._messages = tuple(build_probe(mid, types) for mid, types in self._probes.items())

    def messages(self) -> tuple[bytes, ...]:
        return self._messages

    def read(self, data: bytes, source: str) -> tuple[Found, ...]:
        """The ProbeMatches of a reply to one of our Probes (others are ignored); ParseError for bad XML."""
        envelope = parse_envelope(data)
        if relates_to_of(envelope) not in self._probes:
            return ()
        found = []
        for match in probe_matches_of(envelope, source):
            reply = _own_xaddrs(match, source)
            key = reply.epr or " ".join(reply.xaddrs) or source  # no EPR: tell endpoints apart by XAddrs
            found.append(Found(METHOD, source, key, wsd_facts(reply), reply))
        return tuple(found)

    def followups(self, found: Found) -> tuple[bytes, ...]:
        return ()


def wsd_facts(reply: WsdReply) -> tuple[tuple[str, str], ...]:
    """What a ProbeMatch reveals: model (hardware scope), name, MAC scope, profiles, types, XAddrs."""
    info = scopes_info(reply.scopes)
    facts = [("endpoint", reply.epr)] if reply.epr else []
    facts += [("name", info["name"] or ""), ("model", info["hardware"] or ""), ("mac", info["mac"] or "")]
    if info["profiles"]:
        facts.append(("profiles", " ".join(info["profiles"])))
    facts += [("types", " ".join(reply.types)), ("xaddrs", " ".join(reply.xaddrs))]
    return tuple((k, v) for k, v in facts if v)


def _own_xaddrs(reply: WsdReply, source: str) -> WsdReply:
    """Keep XAddrs that point at the sender itself: the audit must never follow a reply to another host.

    `0.0.0.0` (some firmwares announce it) is read as the sender's address, as go2rtc does.
    """
    kept = []
    for xaddr in reply.xaddrs:
        host = _host(xaddr)
        if host == source:
            kept.append(xaddr)
        elif host == ANY_ADDRESS:
            kept.append(xaddr.replace(ANY_ADDRESS, source, 1))
    return WsdReply(reply.address, reply.epr, reply.types, reply.scopes, tuple(kept))


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
        return str(ip_address(host)) if host else None
    except ValueError:
        return None
