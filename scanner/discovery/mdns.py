"""mDNS / DNS-SD (UDP 5353): PTR queries and answers through zeroconf's DNS codec (pure), and the segment method.

zeroconf's DNSOutgoing builds the queries and its DNSIncoming parses the answers; sockets are the shared
engine's, so the query leaves only on the chosen interface with TTL 1. A query from a port other than 5353
is a "legacy unicast" query (RFC 6762 §6.7): responders answer the sender directly. Asked: the services
enumeration, `_axis-video._tcp` (Axis), `_CGI._tcp` (Hikvision), `_rtsp._tcp`, then each service type the
enumeration names. Instance names such as `AXIS M3045-V - ACCC8E7B1C13` carry brand, model and serial.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from zeroconf import DNSIncoming, DNSOutgoing, DNSPointer, DNSQuestion, DNSService, DNSText

from scanner.discovery.multicast import Found
from scanner.errors import ParseError

METHOD = "mdns"
GROUP, PORT = "224.0.0.251", 5353
ENUMERATION = "_services._dns-sd._udp.local."
CAMERA_TYPES = ("_axis-video._tcp.local.", "_CGI._tcp.local.", "_rtsp._tcp.local.")
MAX_MESSAGE = 9000  # RFC 6762 §17: a multicast DNS message fits a jumbo frame
MAX_FIELD = 128
MAX_RECORDS = 64
_TYPE_PTR, _CLASS_IN, _FLAGS_QR_QUERY = 12, 1, 0x0000  # RFC 1035 values (zeroconf keeps its own private)
_SERVICE_TYPE = re.compile(r"_[A-Za-z0-9](?:[A-Za-z0-9-]{0,14})\._(?:tcp|udp)")  # RFC 6763 §7: 15 characters at most
_INSTANCE = re.compile(r"^(?P<brand>[A-Za-z][\w.&-]*) (?P<model>\S.*?) - (?P<serial>[0-9A-Za-z]{4,40})$")


@dataclass(frozen=True)
class MdnsService:
    """One service instance a device announced: type, instance label, port, and TXT key/values."""

    type: str  # e.g. _axis-video._tcp.local.
    instance: str  # the instance label, e.g. "AXIS M3045-V - ACCC8E7B1C13"
    port: int | None
    txt: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MdnsReply:
    """What one mDNS response carried: the service types enumerated and the instances described."""

    service_types: tuple[str, ...]
    services: tuple[MdnsService, ...]


def build_query(names: tuple[str, ...], query_id: int) -> bytes:
    """One DNS query with a PTR question per name (a legacy-unicast query carries a non-zero id)."""
    out = DNSOutgoing(_FLAGS_QR_QUERY, False, query_id)
    for name in names:
        out.add_question(DNSQuestion(name, _TYPE_PTR, _CLASS_IN))
    return b"".join(out.packets())


def parse_response(data: bytes) -> MdnsReply:
    """A DNS response -> MdnsReply; ParseError for queries, malformed or oversized messages."""
    if len(data) > MAX_MESSAGE:
        raise ParseError(f"mDNS message of {len(data)} bytes is larger than {MAX_MESSAGE}")
    try:
        message = DNSIncoming(data)
    except Exception as exc:  # noqa: BLE001 - zeroconf's own errors, whatever the bytes make it raise
        raise ParseError(f"not a well-formed mDNS response ({type(exc).__name__})") from None
    if not message.valid or not message.is_response():
        raise ParseError("not a well-formed mDNS response")
    records = message.answers()[:MAX_RECORDS]
    named = [r.alias for r in records if isinstance(r, DNSPointer) and r.name.lower() == ENUMERATION]
    types = [t for t in named if _SERVICE_TYPE.fullmatch(t.removesuffix(".local."))]  # nor asked in a follow-up
    srv = {r.name.lower(): r for r in records if isinstance(r, DNSService)}
    txt = {r.name.lower(): r for r in records if isinstance(r, DNSText)}
    services = []
    for pointer in records:
        if not isinstance(pointer, DNSPointer) or pointer.name.lower() == ENUMERATION:
            continue
        key = pointer.alias.lower()
        found_srv, found_txt = srv.get(key), txt.get(key)
        services.append(
            MdnsService(
                type=pointer.name,
                instance=_clean(_label(pointer.alias, pointer.name)),
                port=found_srv.port if found_srv is not None else None,
                txt=_txt(found_txt.text) if found_txt is not None else (),
            )
        )
    if not types and not services:
        raise ParseError("mDNS response naming no well-formed service type" if named else
                         "mDNS response without service pointers")  # fmt: skip
    return MdnsReply(tuple(dict.fromkeys(types)), tuple(services))


def mdns_facts(reply: MdnsReply) -> tuple[tuple[str, str], ...]:
    """Service types and instances; brand, model and serial from an instance label of the usual camera form."""
    facts = [("service", f"{s.instance} ({s.type.removesuffix('.local.')})") for s in reply.services]
    facts += [("service_type", t.removesuffix(".local.")) for t in reply.service_types]
    for service in sorted(reply.services, key=lambda s: s.type not in CAMERA_TYPES):
        match = _INSTANCE.match(service.instance)
        if match:
            facts += [("vendor", match["brand"]), ("model", match["model"]), ("serial", match["serial"])]
        facts += [("mac", value) for key, value in service.txt if key.lower() in ("macaddress", "mac")]
    return tuple(facts)


class MdnsMethod:
    """One scan's mDNS queries; each service type the enumeration reveals is asked in turn."""

    name = METHOD
    group = GROUP
    port = PORT
    broadcast = False

    def __init__(self, rng: random.Random | None = None) -> None:
        self._id = (rng or random.Random()).randrange(1, 0xFFFF)

    def messages(self) -> tuple[bytes, ...]:
        return (build_query((ENUMERATION, *CAMERA_TYPES), self._id),)

    def read(self, data: bytes, source: str) -> tuple[Found, ...]:
        reply = parse_response(data)
        key = " ".join(sorted([*reply.service_types, *(s.type + s.instance for s in reply.services)]))
        return (Found(METHOD, source, key, mdns_facts(reply)),)

    def followups(self, found: Found) -> tuple[bytes, ...]:
        asked = {t.removesuffix(".local.") for t in CAMERA_TYPES}
        wanted = [v for k, v in found.facts if k == "service_type" and v not in asked]
        # Only well-formed service types are asked: a label of 63 bytes 0xFF decodes to one zeroconf cannot encode.
        return tuple(build_query((f"{t}.local.",), self._id) for t in wanted if _SERVICE_TYPE.fullmatch(t))


def _label(instance: str, service_type: str) -> str:
    """`AXIS M3045-V - ACCC8E7B1C13._axis-video._tcp.local.` -> `AXIS M3045-V - ACCC8E7B1C13`."""
    suffix = "." + service_type
    return instance[: -len(suffix)] if instance.lower().endswith(suffix.lower()) else instance


def _txt(raw: bytes) -> tuple[tuple[str, str], ...]:
    """TXT strings (each a length byte, then `key=value`) as pairs, at most 32."""
    pairs: list[tuple[str, str]] = []
    index = 0
    while index < len(raw) and len(pairs) < 32:
        length = raw[index]
        entry = raw[index + 1 : index + 1 + length].decode("utf-8", errors="replace")
        index += 1 + length
        key, _, value = entry.partition("=")
        if key:
            pairs.append((_clean(key), _clean(value)))
    return tuple(pairs)


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable()).strip()[:MAX_FIELD].strip()
