"""Every discovery parser, on hostile bytes, returns its record or raises ParseError, nothing else."""

from __future__ import annotations

import json

from hypothesis import given

from scanner.discovery import dhip, mdns, sadp, ssdp, wsd_messages
from scanner.model import WsdReply
from tests.discovery.test_mdns import response
from tests.fuzz.strategies import FUZZ, files, hostile, record_or_parse_error

SADP = files("tests/discovery/fixtures/sadp_*.xml") + [sadp.build_probe("0b9b2f4e-1b2c-4d5e-8f90-a1b2c3d4e5f6")]
_INFO = {"DeviceType": "DH-IPC-HFW5442E", "SerialNo": "7B0ABCDEF", "Version": "2.800", "HttpPort": 80,
         "IPv4Address": {"IPAddress": "127.0.0.5"}}  # fmt: skip
DHIP = [
    dhip.build_search(),
    dhip.frame(
        json.dumps(
            {"method": "client.notifyDevInfo", "mac": "3c:ef:8c:00:00:01", "params": {"deviceInfo": _INFO}}
        ).encode()
    ),  # fmt: skip
]
WSD = files("tests/discovery/fixtures/wsd_*.xml") + [wsd_messages.build_probe("urn:uuid:1")]
SSDP = files("tests/discovery/fixtures/ssdp_*.txt")
UPNP = files("tests/discovery/fixtures/upnp_*.xml")
MDNS = [response(), response(enumerate_only=True), mdns.build_query((mdns.ENUMERATION, *mdns.CAMERA_TYPES), 7)]


@FUZZ
@given(hostile(SADP))
def test_sadp(data: bytes) -> None:
    reply = record_or_parse_error(sadp.parse_probe_match, data, kind=sadp.SadpReply)
    if reply is not None:
        assert all(len(value) <= sadp.MAX_FIELD for value in vars(reply).values())
        assert sadp.SadpMethod().read(data, "127.0.0.5")


@FUZZ
@given(hostile(DHIP))
def test_dhip(data: bytes) -> None:
    record_or_parse_error(dhip.parse_frame, data, kind=dict)
    reply = record_or_parse_error(dhip.parse_notify, data, kind=dhip.DhipReply)
    if reply is not None:
        assert all(len(value) <= dhip.MAX_FIELD for value in vars(reply).values())


@FUZZ
@given(hostile(WSD))
def test_ws_discovery(data: bytes) -> None:
    matches = record_or_parse_error(wsd_messages.parse_probe_matches, data, "127.0.0.5", kind=tuple)
    for match in matches or ():
        assert isinstance(match, WsdReply) and len(match.scopes) <= wsd_messages.MAX_ITEMS
        assert isinstance(wsd_messages.scopes_info(match.scopes), dict)
    record_or_parse_error(wsd_messages.relates_to, data, kind=(str, type(None)))


@FUZZ
@given(hostile(SSDP))
def test_ssdp_search_response(data: bytes) -> None:
    record_or_parse_error(ssdp.parse_search_response, data, kind=ssdp.SsdpReply)


@FUZZ
@given(hostile(UPNP))
def test_upnp_description(data: bytes) -> None:
    device = record_or_parse_error(ssdp.parse_description, data, kind=ssdp.UpnpDevice)
    if device is not None:
        assert isinstance(ssdp.description_facts(device), tuple)


@FUZZ
@given(hostile(MDNS))
def test_mdns(data: bytes) -> None:
    reply = record_or_parse_error(mdns.parse_response, data, kind=mdns.MdnsReply)
    if reply is not None:
        assert isinstance(mdns.mdns_facts(reply), tuple)
