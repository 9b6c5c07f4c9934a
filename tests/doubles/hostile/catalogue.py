"""The hostile corpus: each persona one way a device misbehaves, and what its report must say about it.

`check` (a full-match pattern) names the report's not_checked entry and `reason` a pattern its reason must
contain. Personas without TCP services speak only segment discovery (multicast protocols): the segment tests
read them, a loopback scan cannot reach them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.doubles.hostile import datagrams as udp
from tests.doubles.hostile import payloads, web, wire
from tests.doubles.hostile.context import TcpBehaviour, UdpBehaviour

_SOAP = r"onvif\.device\.(system_date_and_time|services|capabilities)"
_TOO_SLOW = r"took more than|time budget ran out|no answer in time"  # the hard limit, or a read's own timeout


@dataclass(frozen=True)
class HostilePersona:
    """One misbehaving device: what it does wrong, what listens where, and how its report must say so."""

    id: str
    misbehaviour: str
    tcp: tuple[tuple[str, TcpBehaviour], ...] = ()  # (port name: http, https, rtsp), behaviour
    udp: tuple[tuple[str, UdpBehaviour], ...] = ()  # (port name: wsd, sadp, dhip, ssdp, mdns), behaviour
    onvif: bool = False  # announce /onvif/device_service over WS-Discovery (an honest responder)
    check: str = ""  # empty: the persona's misbehaviour leaves nothing unchecked (its report is checked elsewhere)
    reason: str = ""
    found: bool = False  # a segment reply that is usable: what it names breaks a later step (a description)

    @property
    def segment_only(self) -> bool:
        return not self.tcp


def _soap(status: int, body: bytes) -> tuple[tuple[str, TcpBehaviour], ...]:
    return (("http", web.fixed_soap(status, body)),)


def _page() -> tuple[str, TcpBehaviour]:
    return ("http", web.answering(web.page))


HOSTILE: tuple[HostilePersona, ...] = (
    # XML attacks inside ONVIF answers (the device announces ONVIF, then answers every call with the payload)
    HostilePersona(
        "xml-billion-laughs",
        "every SOAP answer is an entity expansion bomb",
        _soap(200, payloads.billion_laughs()),
        onvif=True,
        check=_SOAP,
        reason=r"DOCTYPE is refused",
    ),
    HostilePersona(
        "xml-external-entity",
        "SOAP answers declare an external entity on /etc/passwd (XXE)",
        _soap(200, payloads.external_entity()),
        onvif=True,
        check=_SOAP,
        reason=r"DOCTYPE is refused",
    ),
    HostilePersona(
        "xml-external-dtd",
        "SOAP answers name an external DTD on another host",
        _soap(200, payloads.external_dtd("http://127.0.0.9:9/evil.dtd")),
        onvif=True,
        check=_SOAP,
        reason=r"DOCTYPE is refused",
    ),
    HostilePersona(
        "xml-deep-nesting",
        "SOAP answers nest 50,000 elements deep",
        _soap(200, payloads.deep_nesting()),
        onvif=True,
        check=_SOAP,
        reason=r"not a Get\w+ response",
    ),
    HostilePersona(
        "soap-fault",
        "every SOAP call gets a Receiver fault with HTTP 500",
        _soap(500, payloads.server_fault()),
        onvif=True,
        check=_SOAP,
        reason=r"SOAP fault",
    ),
    HostilePersona(
        "soap-not-xml",
        "SOAP calls get an HTML login page with HTTP 200",
        _soap(200, web.PAGE),
        onvif=True,
        check=_SOAP,
        reason=r"unusable answer: HTTP 200",
    ),
    HostilePersona(
        "soap-invalid-utf8",
        "SOAP answers declared UTF-8 carry bytes that are not",
        _soap(200, payloads.invalid_utf8_envelope()),
        onvif=True,
        check=r"onvif\.device\.services",
        reason=r"not a GetServices response",
    ),
    HostilePersona(
        "soap-wrong-namespaces",
        "ONVIF answers name every service in a namespace no client knows",
        (("http", web.answering(web.wrong_namespaces)),),
        onvif=True,
        check=r"onvif\.media",
        reason=r"no ONVIF media service",
    ),
    # broken HTTP
    HostilePersona(
        "http-endless-body",
        "every answer is a chunked body that never ends",
        (("http", web.endless),),
        check="answer_size",
        reason=r"larger than the cap",
    ),
    HostilePersona(
        "http-oversized",
        "every answer is 50 MB with an honest Content-Length",
        (("http", web.oversized),),
        check="answer_size",
        reason=r"larger than the cap",
    ),
    HostilePersona(
        "http-drip-head",
        "status line and headers at one byte a second",
        (("http", web.drip_head),),
        check=r"http\.root",
        reason=_TOO_SLOW,
    ),
    HostilePersona(
        "http-drip-body",
        "headers at once, then the body at one byte a second",
        (("http", web.drip_body),),
        check=r"http\.root",
        reason=_TOO_SLOW,
    ),
    HostilePersona(
        "http-no-length",
        "no Content-Length, no chunks, the connection held open",
        (("http", web.no_length),),
        check=r"http\.root",
        reason=r"took more than|no answer in time",
    ),
    HostilePersona(
        "http-long-length",
        "Content-Length 5000, 60 bytes, then the connection closes",
        (("http", web.long_length),),
        check=r"http\.root",
        reason=r"not a usable HTTP answer",
    ),
    HostilePersona(
        "http-conflicting-length",
        "two Content-Length headers that disagree",
        (("http", web.conflicting_length),),
        check=r"http\.root",
        reason=r"unusable answer",
    ),
    HostilePersona(
        "http-bad-chunks",
        "a chunked body whose chunk size is not hexadecimal",
        (("http", web.bad_chunks),),
        check=r"http\.root",
        reason=r"not a usable HTTP answer",
    ),
    HostilePersona(
        "http-not-http",
        "an SSH banner and binary noise on the web port",
        (("http", web.garbage_status),),
        check=r"http\.root",
        reason=r"not a usable HTTP answer",
    ),
    HostilePersona(
        "http-huge-headers",
        "a header block of 2000 lines",
        (("http", web.huge_headers),),
        check=r"http\.root",
        reason=r"not a usable HTTP answer",
    ),
    HostilePersona(
        "http-reset",
        "half an answer, then a TCP reset",
        (("http", web.reset_midway),),
        check=r"http\.root",
        reason=r"unusable answer|connection failed",
    ),
    HostilePersona(
        "http-silent",
        "accepts connections and never answers",
        (("http", web.silent),),
        check=r"http\.root",
        reason=r"no answer in time|took more than",
    ),
    HostilePersona(
        "http-close",
        "closes every connection at once",
        (("http", web.close_at_once),),
        check=r"http\.root",
        reason=r"connection failed|closed the connection",
    ),
    HostilePersona(
        "http-digest-loop",
        "a camera that refuses every login with a fresh 'stale' challenge",
        (("http", web.answering(web.digest_loop)),),
        check=r"hikvision\..*",
        reason=r"refused the supplied login",
    ),
    HostilePersona(
        "http-redirect-loop",
        "every page redirects to itself",
        (("http", web.answering(web.redirect_loop)),),
        check=r"http\.root",
        reason=r"redirect",
    ),
    HostilePersona(
        "http-redirect-offsite",
        "redirects to another host, to file:, to a scheme-relative URL",
        (("http", web.answering(web.redirect_offsite)),),
        check=r"http\.root",
        reason=r"redirect",
    ),
    # TLS
    HostilePersona(
        "tls-garbage",
        "answers the TLS ClientHello with random bytes",
        (("https", wire.tls_garbage),),
        check=r"http\.root",
        reason=r"TLS handshake failed",
    ),
    HostilePersona(
        "tls-stall",
        "reads the ClientHello and never answers",
        (("https", wire.tls_stall),),
        check=r"http\.root",
        reason=r"no answer in time|took more than",
    ),
    HostilePersona(
        "tls-drip",
        "a TLS record header, then one byte a second",
        (("https", wire.tls_drip),),
        check=r"http\.root",
        reason=_TOO_SLOW,
    ),
    # RTSP
    HostilePersona(
        "rtsp-endless-header",
        "an RTSP status line, then header lines forever",
        (("rtsp", wire.rtsp_endless_header),),
        check=r"rtsp\.options",
        reason=r"header block too large",
    ),
    HostilePersona(
        "rtsp-drip",
        "RTSP answers at one byte a second",
        (("rtsp", wire.rtsp_drip),),
        check=r"rtsp\.options",
        reason=_TOO_SLOW,
    ),
    HostilePersona(
        "rtsp-bad-sdp",
        "DESCRIBE answers 200 with garbage where the SDP should be",
        (("rtsp", wire.rtsp_bad_sdp),),
        check=r"rtsp\.describe",
        reason=r"not an SDP description",
    ),
    HostilePersona(
        "rtsp-cseq-mismatch",
        "every RTSP answer carries another request's CSeq",
        (("rtsp", wire.rtsp_cseq_mismatch),),
        check=r"rtsp\.options",
        reason=r"CSeq",
    ),
    HostilePersona(
        "rtsp-huge-length",
        "an RTSP Content-Length of almost a gigabyte",
        (("rtsp", wire.rtsp_huge_length),),
        check=r"rtsp\.options",
        reason=r"larger than",
    ),
    HostilePersona(
        "rtsp-not-rtsp",
        "binary noise on the RTSP port",
        (("rtsp", wire.rtsp_garbage),),
        check=r"rtsp\.options",
        reason=r"not a usable RTSP answer",
    ),
    # WS-Discovery (unicast, so the loopback scan reaches it; each also serves a plain web page)
    HostilePersona(
        "wsd-garbage",
        "answers every Probe with random bytes",
        (_page(),),
        (("wsd", udp.responder(udp.wsd_garbage)),),
        check="ws-discovery",
        reason=r"not usable XML",
    ),
    HostilePersona(
        "wsd-truncated",
        "answers with the first half of a ProbeMatches",
        (_page(),),
        (("wsd", udp.responder(udp.wsd_truncated)),),
        check="ws-discovery",
        reason=r"not usable XML",
    ),
    HostilePersona(
        "wsd-huge",
        "one 64 KB ProbeMatches of twenty endpoints with fifty scopes each",
        (_page(),),
        (("wsd", udp.responder(udp.wsd_huge)),),
        check="ws-discovery",
        reason=r"more than \d+ endpoints",
    ),
    HostilePersona(
        "wsd-spoofed-relatesto",
        "a well-formed ProbeMatches answering some other Probe",
        (_page(),),
        (("wsd", udp.responder(udp.wsd_spoofed)),),
        check="ws-discovery",
        reason=r"RelatesTo names no Probe",
    ),
    HostilePersona(
        "wsd-entity",
        "a ProbeMatches that declares entities",
        (_page(),),
        (("wsd", udp.responder(udp.wsd_entity)),),
        check="ws-discovery",
        reason=r"not usable XML",
    ),
    HostilePersona(
        "wsd-500-devices",
        "answers every Probe for 500 fake devices",
        (_page(),),
        (("wsd", udp.responder(udp.wsd_fake_devices)),),
        check="ws-discovery",
        reason=r"more than \d+ (datagrams|endpoints)",
    ),
    HostilePersona(
        "wsd-xaddr-flood",
        "lists hundreds of XAddrs, most on other hosts; its ONVIF faults",
        _soap(500, payloads.server_fault()),
        (("wsd", udp.responder(udp.wsd_xaddr_flood)),),
        check=_SOAP,
        reason=r"SOAP fault",
    ),
    # issue 13: harvesting the owner's login, hiding a camera, losing the report
    HostilePersona(
        "rtsp-http-unidentified",
        "answers RTSP and serves a plain web page: a camera of no known maker (no vendor login may reach it)",
        (("http", web.answering(web.page)), ("rtsp", wire.rtsp_camera)),
        check="maker",
        reason=r"could not be identified",
    ),
    HostilePersona(
        "basic-harvester",
        "an unbranded camera asking for HTTP and RTSP Basic (the password in clear) on everything",
        (("http", web.answering(web.basic_everywhere)), ("rtsp", wire.rtsp_basic)),
        check=r"login\.basic",
        reason=r"password in clear .* allow_basic",
    ),
    HostilePersona(
        "onvif-superscript-year",
        "an ONVIF camera whose clock says the year is ², and whose other calls fault",
        (("http", web.answering(web.superscript_clock)),),
        onvif=True,
        check=r"onvif\.device\.(services|capabilities)",
        reason=r"SOAP fault",
    ),
    HostilePersona(
        "rtsp-hostile-sdp",
        "a camera whose SDP media ports are ² and a 5000-digit number",
        (("rtsp", wire.rtsp_hostile_sdp),),
        check="maker",
        reason=r"could not be identified",
    ),
    HostilePersona(
        "rtsp-large-sdp",
        "every DESCRIBE answer is a 200 KiB SDP: RTSP bytes count against the device's allowance",
        (("rtsp", wire.rtsp_large_sdp),),
        check="maker",
        reason=r"could not be identified",
    ),
    HostilePersona(
        "wsd-markup-scope",
        "WS-Discovery scopes that decode to rich markup ([/]) and terminal escapes (ESC ] 0 ; ... BEL)",
        (_page(),),
        (
            (
                "wsd",
                udp.responder(
                    udp.wsd_scopes(
                        "onvif://www.onvif.org/type/video_encoder",
                        "onvif://www.onvif.org/hardware/Cam%5B%2F%5D",
                        "onvif://www.onvif.org/name/%1b%5D0%3Bcamaudit%20owned%07%1b%5B2J",
                    )
                ),  # fmt: skip
            ),
        ),
        check="maker",
        reason=r"could not be identified",
    ),
    HostilePersona(
        "reolink-token-echo",
        "looks like a Reolink, accepts any login, and echoes its session token in every answer and header",
        (("http", web.answering(web.reolink_echo)),),
        # no check: what it does wrong is hidden in every record (its token), not something left unchecked
    ),
    # segment discovery only (multicast protocols: the segment tests send to these)
    HostilePersona(
        "sadp-not-xml",
        "SADP replies that are not XML",
        (),
        (
            (
                "sadp",
                udp.responder(udp.fixed(b"<ProbeMatch><Uuid>x</Uuid><MAC>")),
            ),
        ),
        check="sadp",
        reason=r"not usable XML",
    ),
    HostilePersona(
        "sadp-entity",
        "SADP replies that declare entities",
        (),
        (
            (
                "sadp",
                udp.responder(udp.fixed(b'<!DOCTYPE p [<!ENTITY a "aaaa">]><ProbeMatch><MAC>&a;</MAC></ProbeMatch>')),
            ),
        ),
        check="sadp",
        reason=r"not usable XML",
    ),
    HostilePersona(
        "dhip-wrong-magic",
        "DHIP replies with the wrong magic",
        (),
        (("dhip", udp.responder(udp.fixed(udp.dhip_frame(b"XHIP", b'{"method":"client.notifyDevInfo"}')))),),
        check="dhip",
        reason=r"magic",
    ),
    HostilePersona(
        "dhip-bad-length",
        "a DHIP header claiming 60000 body bytes and carrying 20",
        (),
        (("dhip", udp.responder(udp.fixed(udp.dhip_frame(b"DHIP", b"{" * 20, 60000)))),),
        check="dhip",
        reason=r"says 60000",
    ),
    HostilePersona(
        "ssdp-no-location",
        "SSDP answers without LOCATION or USN",
        (),
        (("ssdp", udp.responder(udp.fixed(b"HTTP/1.1 200 OK\r\nSERVER: hostile\r\nST: upnp:rootdevice\r\n\r\n"))),),
        check="ssdp",
        reason=r"without LOCATION",
    ),
    HostilePersona(
        "ssdp-huge",
        "a 9 KB SSDP answer",
        (),
        (("ssdp", udp.responder(udp.fixed(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 9000 + b"\r\n\r\n"))),),
        check="ssdp",
        reason=r"larger than",
    ),
    HostilePersona(
        "mdns-pointer-loop",
        "an mDNS answer whose name points at itself",
        (),
        (("mdns", udp.responder(udp.fixed(udp.mdns_pointer_loop()))),),
        check="mdns",
        reason=r"not a well-formed mDNS response",
    ),
    HostilePersona(
        "mdns-unencodable-type",
        "an mDNS enumeration naming a service type whose label is 63 bytes of 0xFF (its follow-up cannot be built)",
        (),
        (("mdns", udp.responder(udp.fixed(udp.mdns_unencodable_type()))),),
        check="mdns",
        reason=r"no well-formed service type",
    ),
    HostilePersona(
        "ssdp-location-port",
        "an SSDP answer whose LOCATION names port 99999",
        (),
        (("ssdp", udp.responder(udp.ssdp_location_port)),),
        check="ssdp",
        reason=r"description could not be read: .*not a usable URL",
        found=True,
    ),
)


def scan_personas() -> tuple[HostilePersona, ...]:
    """The personas a loopback scan reaches (those with TCP services)."""
    return tuple(p for p in HOSTILE if not p.segment_only)
