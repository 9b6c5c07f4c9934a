"""The hostile corpus's bytes: XML bombs, external entities, deep nesting, faults, wrong namespaces, broken SDP and
WS-Discovery replies (pure; each function returns what a misbehaving device would send)."""

from __future__ import annotations

import uuid

from scanner.lab.soap import SoapFault, envelope, fault_envelope
from scanner.lab.wsd import MATCHES_ACTION
from scanner.lab.xmlgen import document, el

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def billion_laughs(levels: int = 10) -> bytes:
    """The classic entity expansion: ten entities of ten references each, a SOAP envelope around `&lol9;`."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels)]
    doctype = "<!DOCTYPE Envelope [\n" + "\n".join(entities) + "\n]>\n"
    body = f'<s:Envelope xmlns:s="{SOAP12}"><s:Body><x>&lol{levels - 1};</x></s:Body></s:Envelope>'
    return _DECLARATION + doctype.encode() + body.encode()


def external_entity(target: str = "file:///etc/passwd") -> bytes:
    """An external entity (XXE): a parser that resolves it would put the local file into the answer."""
    doctype = f'<!DOCTYPE Envelope [<!ENTITY xxe SYSTEM "{target}">]>\n'
    body = (
        f'<s:Envelope xmlns:s="{SOAP12}"><s:Body><tds:GetSystemDateAndTimeResponse '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><tds:SystemDateAndTime><tt:TimeZone '
        'xmlns:tt="http://www.onvif.org/ver10/schema"><tt:TZ>&xxe;</tt:TZ></tt:TimeZone></tds:SystemDateAndTime>'
        "</tds:GetSystemDateAndTimeResponse></s:Body></s:Envelope>"
    )
    return _DECLARATION + doctype.encode() + body.encode()


def external_dtd(url: str) -> bytes:
    """A DOCTYPE naming an external DTD at `url`: a parser with network access would fetch it."""
    return _DECLARATION + f'<!DOCTYPE Envelope SYSTEM "{url}">\n<s:Envelope xmlns:s="{SOAP12}"/>'.encode()


def deep_nesting(depth: int = 50_000) -> bytes:
    """A SOAP Body holding `depth` nested elements (libxml2 refuses documents deeper than 256 by default)."""
    inner = b"<a>" * depth + b"x" + b"</a>" * depth
    return _DECLARATION + f'<s:Envelope xmlns:s="{SOAP12}"><s:Body>'.encode() + inner + b"</s:Body></s:Envelope>"


def server_fault() -> bytes:
    """A SOAP 1.2 Receiver fault, whatever was asked (a firmware that crashes on every call)."""
    return fault_envelope(SoapFault("env:Receiver", ("ter:Action",), "Internal error: segmentation fault", 500))


def invalid_utf8_envelope() -> bytes:
    """A GetSystemDateAndTime answer declared UTF-8 whose text holds bytes that are not UTF-8."""
    good = envelope(el("tds:GetSystemDateAndTimeResponse", el("tds:SystemDateAndTime", el("tt:DateTimeType", "NTP"))))
    return good.replace(b">NTP<", b">N\xff\xfe\xc3(T\x80P<")


def wrong_namespace_services(xaddr: str) -> bytes:
    """GetServices listing every service under a namespace no ONVIF client knows (a firmware's typo, or a lie)."""
    services = [
        el(
            "tds:Service",
            el("tds:Namespace", f"http://www.onvif.org/ver10/{name}/wsdI"),
            el("tds:XAddr", xaddr),
            el("tds:Version", el("tt:Major", 2), el("tt:Minor", 60)),
        )  # fmt: skip
        for name in ("device", "media", "events", "analytics")
    ]
    return envelope(el("tds:GetServicesResponse", services))


def wrong_namespace_capabilities() -> bytes:
    """GetCapabilities whose categories are all unknown elements."""
    return envelope(el("tds:GetCapabilitiesResponse", el("tds:Capabilities", el("tt:Bogus", el("tt:XAddr", "x")))))


def clock_answer() -> bytes:
    """A plain, well-formed GetSystemDateAndTime answer (the wrong-namespace device gets this much right)."""
    utc = el("tt:UTCDateTime", el("tt:Time", el("tt:Hour", 12), el("tt:Minute", 0), el("tt:Second", 0)),
             el("tt:Date", el("tt:Year", 2026), el("tt:Month", 1), el("tt:Day", 2)))  # fmt: skip
    return envelope(el("tds:GetSystemDateAndTimeResponse", el("tds:SystemDateAndTime", utc)))


def device_information() -> bytes:
    info = [el("tds:Manufacturer", "Hostile"), el("tds:Model", "WRONG-NS-1"), el("tds:FirmwareVersion", "0.0.1"),
            el("tds:SerialNumber", "HOSTILE0001"), el("tds:HardwareId", "0")]  # fmt: skip
    return envelope(el("tds:GetDeviceInformationResponse", info))


def superscript_clock() -> bytes:
    """A GetSystemDateAndTime answer whose year is `²`: a digit to str.isdigit(), not to int()."""
    utc = el("tt:UTCDateTime", el("tt:Time", el("tt:Hour", 12), el("tt:Minute", 0), el("tt:Second", 0)),
             el("tt:Date", el("tt:Year", "\u00b2"), el("tt:Month", 1), el("tt:Day", 2)))  # fmt: skip
    return envelope(el("tds:GetSystemDateAndTimeResponse", el("tds:SystemDateAndTime", utc)))


def sdp_video() -> bytes:
    """An ordinary SDP description of one H.264 video track."""
    return b"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=Media\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"


def hostile_sdp() -> bytes:
    """SDP media lines whose ports pass str.isdigit() and break int(): `²`, and 5000 digits."""
    lines = ["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=Media", "t=0 0", "m=video \u00b2 RTP/AVP 96", "a=rtpmap:96 H264/90000",
             f"m=audio {'9' * 5000} RTP/AVP 0"]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode()


def garbage_sdp() -> bytes:
    """What a broken DESCRIBE carries: neither SDP lines nor anything else usable."""
    return b"\x00\x01garbage\r\n<html>not sdp</html>\r\n" + bytes(range(256)) * 4


def probe_matches(relates_to: str, endpoint: str, xaddrs: list[str], scopes: list[str], count: int = 1) -> bytes:
    """A WS-Discovery ProbeMatches answering `relates_to`, with `count` ProbeMatch entries (endpoint-1, -2...)."""
    matches = [
        el(
            "d:ProbeMatch",
            el("wsadis:EndpointReference", el("wsadis:Address", f"{endpoint}-{n}" if count > 1 else endpoint)),
            el("d:Types", "dn:NetworkVideoTransmitter"),
            el("d:Scopes", " ".join(scopes)),
            el("d:XAddrs", " ".join(xaddrs)),
            el("d:MetadataVersion", 1),
        )  # fmt: skip
        for n in range(count)
    ]
    header = el("env:Header", el("wsadis:MessageID", f"uuid:{uuid.uuid4()}"), el("wsadis:RelatesTo", relates_to),
                el("wsadis:Action", MATCHES_ACTION))  # fmt: skip
    return document("env:Envelope", ("env", "wsadis", "d", "dn"), header, el("env:Body", el("d:ProbeMatches", matches)))


def entity_probe_matches(relates_to: str) -> bytes:
    """A ProbeMatches that declares entities (the start of every XML entity attack)."""
    clean = probe_matches(relates_to, "urn:uuid:hostile-entity", [], [])
    head, _, rest = clean.partition(b"?>")
    return head + b'?>\n<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' + rest
