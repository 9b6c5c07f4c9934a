"""Dahua DHIP: the search frame we send and the notifyDevInfo parser on constructed, malformed and random frames."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.discovery.dhip import DhipMethod, DhipReply, build_search, frame, parse_frame, parse_notify
from scanner.errors import ParseError

NOTIFY = {
    "mac": "3c:ef:8c:5a:0e:13",
    "method": "client.notifyDevInfo",
    "params": {
        "deviceInfo": {
            "DeviceClass": "IPC",
            "DeviceType": "IPC-HFW5442E-ZE",
            "HttpPort": 80,
            "IPv4Address": {"DefaultGateway": "192.0.2.1", "IPAddress": "192.0.2.13", "SubnetMask": "255.255.255.0"},
            "Port": 37777,
            "SerialNo": "7G0A1B2PAZ3C4D5",
            "Vendor": "General",
            "Version": "2.840.0000000.18.R",
        }
    },
}


def notify_frame(message: object = NOTIFY, trailer: bytes = b"\n") -> bytes:
    return frame(json.dumps(message).encode() + trailer)


def test_search_frame_layout():
    data = build_search()
    size, magic, _, _, length, _, length2, _ = struct.unpack_from("<I4sIIIIII", data)
    assert (size, magic) == (32, b"DHIP") and length == length2 == len(data) - 32
    assert json.loads(data[32:]) == {"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}}
    method = DhipMethod()
    assert (method.group, method.port, method.broadcast) == ("239.255.255.251", 37810, True)


def test_notify_fields():
    reply = parse_notify(notify_frame())
    assert reply == DhipReply(
        model="IPC-HFW5442E-ZE",
        device_class="IPC",
        serial="7G0A1B2PAZ3C4D5",
        mac="3c:ef:8c:5a:0e:13",
        ipv4="192.0.2.13",
        firmware="2.840.0000000.18.R",
        http_port="80",
        sdk_port="37777",
        vendor="General",
    )
    (found,) = DhipMethod().read(notify_frame(trailer=b"\n\x00"), "198.51.100.12")
    assert found.key == "3c:ef:8c:5a:0e:13" and ("vendor", "Dahua") in found.facts


def test_objects_where_text_belongs_are_dropped():
    message = json.loads(json.dumps(NOTIFY))
    message["params"]["deviceInfo"]["DeviceType"] = {"nested": ["x"]}
    assert parse_notify(notify_frame(message)).model == ""


def _with_lengths(data: bytes, first: int, second: int) -> bytes:
    return data[:16] + struct.pack("<I", first) + data[20:24] + struct.pack("<I", second) + data[28:]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"DHIP",
        notify_frame()[:31],  # shorter than the header
        notify_frame()[:60],  # header promises more body than carried
        b"\x20\x00\x00\x00XXXX" + notify_frame()[8:],  # wrong magic
        _with_lengths(notify_frame(), 10, 11),  # inconsistent lengths
        frame(b"not json"),
        frame(b"[1, 2, 3]"),
        frame(b"[" * 5000 + b"]" * 5000),  # deep nesting
        frame(json.dumps({"method": "DHDiscover.search", "params": {}}).encode()),  # another scanner's search
        frame(json.dumps({"method": "client.notifyDevInfo", "params": {"deviceInfo": "x"}}).encode()),
        frame(b"\xff\xfe\x00"),
    ],
)
def test_malformed_is_a_parse_error(data):
    with pytest.raises(ParseError):
        parse_notify(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_any_bytes_give_a_message_or_a_parse_error(data):
    for candidate in (data, frame(data)):
        try:
            assert isinstance(parse_frame(candidate), dict)
            assert isinstance(parse_notify(candidate), DhipReply)
        except ParseError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(notify_frame()) - 2))
def test_truncated_frames_are_parse_errors(cut):
    data = notify_frame()[:cut]
    with pytest.raises(ParseError):
        parse_notify(data)
