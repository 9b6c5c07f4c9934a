"""Tests for the WS-Discovery messages: the Probe we build and the ProbeMatches devices send (recorded bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from scanner.discovery.ws_discovery import build_probe, parse_probe_matches, relates_to, scopes_info
from scanner.discovery.wsd_messages import MAX_DATAGRAM, MAX_ITEMS, MAX_MATCHES
from scanner.errors import ParseError
from scanner.model import WsdReply

FIXTURES = Path(__file__).parent / "fixtures"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
DN = "http://www.onvif.org/ver10/network/wsdl"
TDS = "http://www.onvif.org/ver10/device/wsdl"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def reply_with_body(body: str, relates: str = "urn:uuid:1") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{SOAP12}" xmlns:a="{WSA}" xmlns:d="{WSD}">'
        f"<s:Header><a:RelatesTo>{relates}</a:RelatesTo></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def match(epr: str, scopes: str = "", xaddrs: str = "") -> str:
    return (
        f"<d:ProbeMatch><a:EndpointReference><a:Address>{epr}</a:Address></a:EndpointReference>"
        f"<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>{scopes}</d:Scopes>"
        f"<d:XAddrs>{xaddrs}</d:XAddrs></d:ProbeMatch>"
    )


# --- the Probe we send ---


def test_probe_is_a_soap12_ws_discovery_probe() -> None:
    data = build_probe("urn:uuid:6a1c0b4e-0000-4000-8000-000000000001")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(data)
    assert root.tag == f"{{{SOAP12}}}Envelope"
    header = root.find(f"{{{SOAP12}}}Header")
    assert header.findtext(f"{{{WSA}}}MessageID") == "urn:uuid:6a1c0b4e-0000-4000-8000-000000000001"
    assert header.findtext(f"{{{WSA}}}Action") == f"{WSD}/Probe"
    assert header.findtext(f"{{{WSA}}}To") == "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
    assert header.findtext(f"{{{WSA}}}ReplyTo/{{{WSA}}}Address") == f"{WSA}/role/anonymous"
    types = root.find(f"{{{SOAP12}}}Body/{{{WSD}}}Probe/{{{WSD}}}Types")
    assert types.text == "dn:NetworkVideoTransmitter"
    assert types.nsmap["dn"] == DN


def test_probe_declares_the_type_namespace_on_the_types_element_itself() -> None:
    data = build_probe("urn:uuid:1")
    assert f'<d:Types xmlns:dn="{DN}">dn:NetworkVideoTransmitter</d:Types>'.encode() in data
    root = etree.fromstring(data)
    assert "dn" not in root.nsmap  # not (only) on the Envelope, where some cameras do not look


def test_device_probe_declares_tds() -> None:
    types = etree.fromstring(build_probe("urn:uuid:2", "tds:Device")).find(f".//{{{WSD}}}Types")
    assert types.text == "tds:Device" and types.nsmap["tds"] == TDS


def test_empty_types_probe_has_an_empty_types_element() -> None:
    types = etree.fromstring(build_probe("urn:uuid:3", "")).find(f".//{{{WSD}}}Types")
    assert types is not None and types.text is None and len(types) == 0


def test_message_id_is_escaped_not_spliced() -> None:
    root = etree.fromstring(build_probe("urn:uuid:<x>&"))
    assert root.findtext(f".//{{{WSA}}}MessageID") == "urn:uuid:<x>&"


def test_unknown_type_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="probe type"):
        build_probe("urn:uuid:4", "foo:Printer")


def test_our_probe_is_readable_by_our_own_parser() -> None:
    data = build_probe("urn:uuid:5")
    assert relates_to(data) is None
    assert parse_probe_matches(data, "127.0.0.1") == ()


# --- ProbeMatches from real devices ---


def test_agsh_fixture_probe_matches() -> None:
    replies = parse_probe_matches(fixture("wsd_agsh_probe_matches.xml"), "127.66.0.5")
    assert replies == (
        WsdReply(
            address="127.66.0.5",
            epr="uuid:c9790c3a-701b-464d-a189-0060351c8ada",
            types=("dn:NetworkVideoTransmitter", "tds:Device"),
            scopes=(
                "onvif://www.onvif.org/Profile/Streaming",
                "onvif://www.onvif.org/type/video_encoder",
                "onvif://www.onvif.org/type/audio_encoder",
                "onvif://www.onvif.org/type/ptz",
                "onvif://www.onvif.org/hardware/HD_PREDATOR",
                "onvif://www.onvif.org/name/PREDATOR",
                "onvif://www.onvif.org/location/",
            ),
            xaddrs=("SERVICE_URI",),
        ),
    )
    assert relates_to(fixture("wsd_agsh_probe_matches.xml")) == "urn:uuid:01234567-dead-beef-baad-abcdeffedcba"


def test_axis_m2036le_scopes_span_lines() -> None:
    (reply,) = parse_probe_matches(fixture("wsd_axis_m2036le.xml"), "127.66.0.6")
    assert reply.epr == "urn:uuid:e83a0086-3fdc-4d87-b8c4-83c0a16ad9f4"
    assert reply.types == ("tds:Device", "dn:NetworkVideoTransmitter")
    assert len(reply.scopes) == 7
    assert "onvif://www.onvif.org/Profile/M" in reply.scopes
    assert reply.xaddrs == (
        "http://192.168.0.90/onvif/device_service",
        "https://192.168.0.90/onvif/device_service",
        "http://169.254.209.66/onvif/device_service",
        "https://169.254.209.66/onvif/device_service",
    )
    assert scopes_info(reply.scopes) == {
        "name": "AXIS M2036-LE",
        "hardware": "M2036-LE",
        "mac": None,
        "profiles": ("Streaming", "G", "M", "T"),
    }


def test_ipycam_probe_match_without_probe_matches_wrapper() -> None:
    (reply,) = parse_probe_matches(fixture("wsd_ipycam_probe_match.xml"), "127.66.0.7")
    assert reply.epr == "urn:uuid:7d3c1e52-6b0a-4f7e-a1c9-3e5b2d8f0a64"  # d:EndpointReference, not wsa:
    assert reply.xaddrs == ("http://198.51.100.11:8080/onvif/device_service",)
    assert scopes_info(reply.scopes) == {"name": "Lobby-Cam", "hardware": None, "mac": None, "profiles": ("Streaming",)}
    assert relates_to(fixture("wsd_ipycam_probe_match.xml")) == "urn:uuid:0b6f5d2a-9a0e-4c3b-8f5e-2d9a1c7e4b10"


def test_several_matches_in_one_message() -> None:
    data = reply_with_body("<d:ProbeMatches>" + match("urn:uuid:a") + match("urn:uuid:b") + "</d:ProbeMatches>")
    assert [r.epr for r in parse_probe_matches(data, "127.0.0.1")] == ["urn:uuid:a", "urn:uuid:b"]


def test_match_without_xaddrs_or_epr_is_kept_with_empty_fields() -> None:
    data = reply_with_body("<d:ProbeMatches><d:ProbeMatch><d:Types>x:Printer</d:Types></d:ProbeMatch></d:ProbeMatches>")
    assert parse_probe_matches(data, "127.0.0.1") == (
        WsdReply(address="127.0.0.1", epr="", types=("x:Printer",), scopes=(), xaddrs=()),
    )


def test_messages_without_matches_give_nothing() -> None:
    assert parse_probe_matches(reply_with_body("<d:Hello/>"), "127.0.0.1") == ()
    no_body = f'<s:Envelope xmlns:s="{SOAP12}"><s:Header/></s:Envelope>'.encode()
    assert parse_probe_matches(no_body, "127.0.0.1") == ()
    assert relates_to(no_body) is None


def test_wrong_relates_to_is_reported_as_sent() -> None:
    data = reply_with_body("<d:ProbeMatches>" + match("urn:uuid:a") + "</d:ProbeMatches>", relates="urn:uuid:other")
    assert relates_to(data) == "urn:uuid:other"


# --- caps and hostile input ---


def test_match_count_is_capped() -> None:
    body = "<d:ProbeMatches>" + "".join(match(f"urn:uuid:{n}") for n in range(MAX_MATCHES + 10)) + "</d:ProbeMatches>"
    assert len(parse_probe_matches(reply_with_body(body), "127.0.0.1")) == MAX_MATCHES


def test_item_count_and_length_are_capped() -> None:
    scopes = " ".join(f"onvif://www.onvif.org/name/n{n}" for n in range(MAX_ITEMS * 3))
    long_xaddr = "http://127.0.0.1/" + "a" * 5000
    data = reply_with_body(match("urn:uuid:" + "e" * 5000, scopes, f"{long_xaddr} http://127.0.0.1/ok"))
    (reply,) = parse_probe_matches(data, "127.0.0.1")
    assert len(reply.scopes) == MAX_ITEMS
    assert reply.xaddrs == ("http://127.0.0.1/ok",)  # the overlong one is dropped, not cut
    assert reply.epr == ""


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff garbage",
        b"HTTP/1.1 200 OK\r\n\r\n",
        b"<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'><s:Body>",  # truncated
        b"<Envelope><Body></Envelope>",  # mismatched tags
        b"<a:Envelope><a:Body/></a:Envelope>",  # unbound prefix
        b'<?xml version="1.0" encoding="bogus"?><Envelope/>',  # unknown encoding
        b'<?xml version="1.0" encoding="utf-16"?><Envelope/>',  # declared encoding does not match
        b"<a>" * 20000,  # deep nesting, unclosed
    ],
)
def test_non_xml_raises_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_probe_matches(data, "127.0.0.1")


def test_truncated_recorded_reply_raises_parse_error() -> None:
    data = fixture("wsd_axis_m2036le.xml")
    with pytest.raises(ParseError):
        parse_probe_matches(data[: len(data) // 2], "127.0.0.1")


def test_xml_that_is_not_an_envelope_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="not a SOAP envelope"):
        parse_probe_matches(b"<ProbeMatch/>", "127.0.0.1")


def test_entity_expansion_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><s>&b;</s>'
    with pytest.raises(ParseError):
        parse_probe_matches(bomb, "127.0.0.1")


def test_external_entity_is_refused() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><s>&x;</s>'
    with pytest.raises(ParseError):
        relates_to(xxe)


def test_oversized_message_is_refused_before_parsing() -> None:
    data = reply_with_body(match("urn:uuid:a", "x" * MAX_DATAGRAM))
    with pytest.raises(ParseError, match="larger than"):
        parse_probe_matches(data, "127.0.0.1")


# --- scopes ---


def test_scopes_info_decodes_and_takes_the_first_of_each() -> None:
    scopes = (
        "onvif://www.onvif.org/type/video_encoder",
        "onvif://www.onvif.org/MAC/68:6d:bc:5c:b1:5d",
        "onvif://www.onvif.org/hardware/DS-2CD2143G2-I",
        "onvif://www.onvif.org/name/Caf%C3%A9%20Door",
        "onvif://www.onvif.org/name/second",
        "onvif://www.onvif.org/Profile/Streaming",
        "onvif://www.onvif.org/Profile/Q/Operational",
        "onvif://www.onvif.org/Profile/Streaming",
        "onvif://www.onvif.org/location/country/china",
        "http:123",
    )
    assert scopes_info(scopes) == {
        "name": "Café Door",
        "hardware": "DS-2CD2143G2-I",
        "mac": "68:6d:bc:5c:b1:5d",
        "profiles": ("Streaming", "Q/Operational"),
    }


def test_scopes_info_of_nothing() -> None:
    assert scopes_info(()) == {"name": None, "hardware": None, "mac": None, "profiles": ()}


# --- property: any bytes give a tuple or ParseError, nothing else ---


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_give_a_tuple_or_parse_error(data: bytes) -> None:
    try:
        result = parse_probe_matches(data, "127.0.0.1")
    except ParseError:
        return
    assert isinstance(result, tuple)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            b"",
            b'<?xml version="1.0" encoding="',
            b"<?xml version='1.0'?><!DOCTYPE x [",
            b"<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'>",
        ]
    ),
    st.binary(max_size=512),
)
def test_xml_looking_bytes_give_a_tuple_or_parse_error(prefix: bytes, rest: bytes) -> None:
    try:
        result = parse_probe_matches(prefix + rest, "127.0.0.1")
    except ParseError:
        return
    assert isinstance(result, tuple)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_damaged_recorded_replies_give_a_tuple_or_parse_error(data: st.DataObject) -> None:
    original = bytearray(
        fixture(
            data.draw(
                st.sampled_from(["wsd_agsh_probe_matches.xml", "wsd_axis_m2036le.xml", "wsd_ipycam_probe_match.xml"])
            )
        )
    )
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(original) - 1))
        original[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(original)))
    try:
        result = parse_probe_matches(bytes(original[:cut]), "127.0.0.1")
        relates = relates_to(bytes(original[:cut]))
    except ParseError:
        return
    assert isinstance(result, tuple) and all(isinstance(r, WsdReply) for r in result)
    assert relates is None or isinstance(relates, str)
