"""mDNS: queries and responses through zeroconf's codec; instance names read; malformed and random messages."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zeroconf import DNSAddress, DNSIncoming, DNSOutgoing, DNSPointer, DNSService, DNSText
from zeroconf.const import _CLASS_IN, _FLAGS_AA, _FLAGS_QR_RESPONSE, _TYPE_A, _TYPE_PTR, _TYPE_SRV, _TYPE_TXT

from scanner.discovery.mdns import (
    CAMERA_TYPES,
    ENUMERATION,
    MdnsMethod,
    MdnsReply,
    build_query,
    mdns_facts,
    parse_response,
)
from scanner.discovery.multicast import Found
from scanner.errors import ParseError

AXIS = "AXIS M3045-V - ACCC8E7B1C1A"


def response(query_id: int = 7, enumerate_only: bool = False) -> bytes:
    """An Axis-style response built with zeroconf's own writer (PTR, SRV, TXT, A)."""
    out = DNSOutgoing(_FLAGS_QR_RESPONSE | _FLAGS_AA, False, query_id)
    for service in ("_axis-video._tcp.local.", "_http._tcp.local."):
        out.add_answer_at_time(DNSPointer(ENUMERATION, _TYPE_PTR, _CLASS_IN, 4500, service), 0)
    if not enumerate_only:
        name = f"{AXIS}._axis-video._tcp.local."
        out.add_answer_at_time(DNSPointer("_axis-video._tcp.local.", _TYPE_PTR, _CLASS_IN, 4500, name), 0)
        out.add_answer_at_time(DNSService(name, _TYPE_SRV, _CLASS_IN, 120, 0, 0, 80, "axis-accc8e7b1c1a.local."), 0)
        out.add_answer_at_time(DNSText(name, _TYPE_TXT, _CLASS_IN, 4500, b"\x17macaddress=ACCC8E7B1C1A"), 0)
        out.add_answer_at_time(
            DNSAddress("axis-accc8e7b1c1a.local.", _TYPE_A, _CLASS_IN, 120, socket.inet_aton("192.0.2.9")), 0
        )
    return b"".join(out.packets())


def test_query_asks_ptr_of_the_enumeration_and_camera_types():
    message = DNSIncoming(build_query((ENUMERATION, *CAMERA_TYPES), 4242))
    assert message.valid and message.is_query() and message.id == 4242
    assert [(q.name, q.type) for q in message.questions] == [(n, _TYPE_PTR) for n in (ENUMERATION, *CAMERA_TYPES)]


def test_response_instances_and_facts():
    reply = parse_response(response())
    assert reply.service_types == ("_axis-video._tcp.local.", "_http._tcp.local.")
    (service,) = reply.services
    assert (service.instance, service.port, service.txt) == (AXIS, 80, (("macaddress", "ACCC8E7B1C1A"),))
    facts = mdns_facts(reply)
    assert ("vendor", "AXIS") in facts and ("model", "M3045-V") in facts and ("serial", "ACCC8E7B1C1A") in facts
    assert ("mac", "ACCC8E7B1C1A") in facts


def test_followups_ask_the_enumerated_types_not_yet_asked():
    method = MdnsMethod()
    (found,) = method.read(response(enumerate_only=True), "198.51.100.13")
    (query,) = method.followups(found)  # _axis-video was asked already; _http was not
    assert [q.name for q in DNSIncoming(query).questions] == ["_http._tcp.local."]


def test_a_service_type_that_cannot_be_asked_is_neither_kept_nor_followed_up():
    # Issue 13: a label of 63 bytes 0xFF decodes to 189 bytes; building its follow-up raised and ended the scan.
    from tests.doubles.hostile.datagrams import mdns_unencodable_type

    with pytest.raises(ParseError, match="no well-formed service type"):
        parse_response(mdns_unencodable_type())
    method = MdnsMethod()
    found = Found(
        "mdns", "198.51.100.13", "k", (("service_type", "\ufffd" * 63 + "._tcp"), ("service_type", "_x._tcp"))
    )
    (query,) = method.followups(found)
    assert [q.name for q in DNSIncoming(query).questions] == ["_x._tcp.local."]


def test_hikvision_instance_form():
    reply = MdnsReply((), (parse_response(response()).services[0].__class__("_CGI._tcp.local.",
                       "HIKVISION DS-2CD2722FWD-IZS - 733050127", 80, ()),))  # fmt: skip
    assert dict(mdns_facts(reply))["model"] == "DS-2CD2722FWD-IZS"


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00" * 11, response()[:40], build_query((ENUMERATION,), 1), b"\xff" * 64, b"\x00" * 12 + b"\xc0\x0c" * 10],
)
def test_malformed_or_foreign_messages_are_parse_errors(data):
    with pytest.raises(ParseError):
        parse_response(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1024))
def test_any_bytes_give_a_reply_or_a_parse_error(data):
    try:
        assert isinstance(parse_response(data), MdnsReply)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(response())), st.binary(max_size=8))
def test_cut_responses_give_a_reply_or_a_parse_error(cut, noise):
    try:
        assert isinstance(parse_response(response()[:cut] + noise), MdnsReply)
    except ParseError:
        pass
