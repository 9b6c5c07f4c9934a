"""Hikvision SADP: the inquiry we send and the ProbeMatch parser on recorded-format, malformed and random bytes."""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.discovery.sadp import MAX_MESSAGE, SadpMethod, SadpReply, build_probe, parse_probe_match, sadp_facts
from scanner.errors import ParseError

FIXTURE = (Path(__file__).parent / "fixtures" / "sadp_probe_match.xml").read_bytes()


def test_inquiry_is_the_sadptool_form():
    data = build_probe("1c4a8b1e-0f3d-4e44-9c5b-6a2d1e7f9b30")
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?><Probe>')
    root = SafeET.fromstring(data)
    assert root.tag == "Probe" and [c.tag for c in root] == ["Uuid", "Types"]
    assert root.findtext("Uuid") == "1C4A8B1E-0F3D-4E44-9C5B-6A2D1E7F9B30"
    assert root.findtext("Types") == "inquiry"


def test_method_sends_inquiry_and_v32_to_group_and_broadcast():
    method = SadpMethod()
    assert (method.group, method.port, method.broadcast) == ("239.255.255.250", 37020, True)
    types = [SafeET.fromstring(m).findtext("Types") for m in method.messages()]
    assert types == ["inquiry", "inquiry_v32"]


def test_probe_match_fields():
    reply = parse_probe_match(FIXTURE)
    assert reply == SadpReply(
        uuid="1C4A8B1E-0F3D-4E44-9C5B-6A2D1E7F9B30",
        device_type="139",
        model="DS-2CD2142FWD-I",
        serial="DS-2CD2142FWD-I20170728AAWR760394132",
        mac="bc-ad-28-5e-0a-71",
        ipv4="192.0.2.64",
        firmware="V5.5.0build 170725",
        http_port="80",
        command_port="8000",
        activated="true",
        oem="",
    )
    facts = dict(sadp_facts(reply))
    assert facts["vendor"] == "Hikvision" and facts["model"] == "DS-2CD2142FWD-I"
    assert "oem" not in facts  # empty fields are not facts


def test_method_reads_one_device_keyed_by_mac():
    (found,) = SadpMethod().read(FIXTURE, "198.51.100.11")
    assert (found.method, found.address, found.key) == ("sadp", "198.51.100.11", "bc-ad-28-5e-0a-71")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        FIXTURE[: len(FIXTURE) // 2],  # truncated datagram
        b'<?xml version="1.0"?><Probe><Uuid>X</Uuid><Types>inquiry</Types></Probe>',  # another scanner's inquiry
        b"<ProbeMatch><DeviceType>139</DeviceType></ProbeMatch>",  # neither MAC nor serial
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><ProbeMatch><MAC>&a;</MAC></ProbeMatch>',  # entities: refused
        b"<ProbeMatch><MAC>" + b"a" * MAX_MESSAGE + b"</MAC></ProbeMatch>",  # oversized
        b"\xff\xfe<\x00P\x00",
    ],
)
def test_malformed_is_a_parse_error(data):
    with pytest.raises(ParseError):
        parse_probe_match(data)


def test_fields_are_capped_and_printable():
    model = ("X\u200b\t" * 100).encode()  # zero-width spaces and tabs: valid XML, not printable
    data = b"<ProbeMatch><MAC>aa-bb-cc-dd-ee-ff</MAC><DeviceDescription>" + model + b"</DeviceDescription></ProbeMatch>"
    reply = parse_probe_match(data)
    assert reply.model == "X" * 100


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_give_a_reply_or_a_parse_error(data):
    try:
        assert isinstance(parse_probe_match(data), SadpReply)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(FIXTURE)), st.binary(max_size=16))
def test_cut_or_spliced_replies_give_a_reply_or_a_parse_error(cut, noise):
    try:
        assert isinstance(parse_probe_match(FIXTURE[:cut] + noise), SadpReply)
    except ParseError:
        pass
