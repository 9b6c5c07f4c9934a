"""Every protocol parser, on hostile bytes, returns its record or raises ParseError, nothing else: RTSP replies, SDP,
WWW-Authenticate, HTML titles, XML (safe parsing) and the ONVIF facts read from any XML that parses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.net.urls import in_scope
from scanner.net.xmlsafe import Element, parse_xml
from scanner.probes import onvif_xml as ox
from scanner.probes.authn import Challenge, parse_challenges
from scanner.probes.http import parse_title
from scanner.probes.rtsp import RtspReply, parse_challenge, parse_rtsp_response
from scanner.probes.sdp import SdpMedia, media_labels, parse_sdp
from tests.doubles.hostile import payloads
from tests.fuzz.strategies import FUZZ, files, hostile, record_or_parse_error, text

RTSP = files("tests/probes/fixtures/rtsp/*.bin")
SDP = files("tests/probes/fixtures/rtsp/*.sdp") + [reply.partition(b"\r\n\r\n")[2] for reply in RTSP]
CHALLENGES = files("tests/probes/fixtures/http/www_authenticate.txt") + [
    b'Digest realm="IP Camera(12345)", nonce="abc", qop="auth", algorithm=MD5, stale="FALSE", Basic realm="x"'
]
HTML = files("tests/probes/fixtures/http/*.html")
ONVIF = files("tests/probes/fixtures/onvif/*.xml") + [payloads.billion_laughs(), payloads.external_entity(),
                                                      payloads.deep_nesting(300), payloads.server_fault()]  # fmt: skip
URLS = [b"http://10.0.0.5:8080/onvif/device_service", b"rtsp://admin:pw@[fe80::1%25eth0]:554/Streaming/Channels/101",
        b"https://cam.example/onvif?x=1#frag"]  # fmt: skip


@FUZZ
@given(hostile(RTSP))
def test_rtsp_reply(data: bytes) -> None:
    reply = record_or_parse_error(parse_rtsp_response, data, kind=RtspReply)
    if reply is not None:
        assert 100 <= reply.status <= 999 and isinstance(reply.body, bytes)


@FUZZ
@given(text(SDP))
def test_sdp(document: str) -> None:
    media = record_or_parse_error(parse_sdp, document, kind=tuple)
    if media is not None:
        assert all(isinstance(m, SdpMedia) for m in media)
        assert all(isinstance(label, str) for label in media_labels(media))


@FUZZ
@given(text(CHALLENGES))
def test_www_authenticate(header: str) -> None:
    challenges = record_or_parse_error(parse_challenges, header, kind=tuple)
    assert all(isinstance(c, Challenge) for c in challenges or ())
    record_or_parse_error(parse_challenge, header, kind=Challenge)


@FUZZ
@given(hostile(HTML))
def test_html_title(document: bytes) -> None:
    title = parse_title(document)  # a fingerprint, not a record: never raises, always one printable line
    assert title is None or (isinstance(title, str) and title.isprintable() and 0 < len(title) <= 200)


@FUZZ
@given(hostile(ONVIF), st.sampled_from(sorted(ox._PARSERS)))
def test_onvif_answers(data: bytes, probe: str) -> None:
    root = record_or_parse_error(parse_xml, data, kind=Element)
    if root is None:
        return
    for name, items in ox.values_for(probe, root):  # the facts of every probe, read from any XML that parses
        assert isinstance(name, str) and all(isinstance(item, str) for item in items)
    assert ox.fault_kind(root) in (None, "auth", "unsupported", "other")
    assert isinstance(ox.fault_summary(root), str) and isinstance(ox.topic_paths(root), tuple)
    assert isinstance(ox.service_xaddrs(root), tuple) and isinstance(ox.capability_xaddrs(root), tuple)
    assert isinstance(ox.subscription_reference(root), tuple) and isinstance(ox.withhold_personal(root), bool)
    ox.device_utc(root)


@FUZZ
@given(text(URLS), st.sampled_from(["127.0.0.5", "::1"]))
def test_device_urls_stay_on_the_device(url: str, address: str) -> None:
    rewritten = record_or_parse_error(in_scope, url, address, 80, kind=str)
    if rewritten is not None:
        assert ("[::1]" if address == "::1" else address) in rewritten and "@" not in rewritten.split("/")[2]
