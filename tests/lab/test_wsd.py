"""WS-Discovery unicast: Probe to UDP 3702 of a device, ProbeMatches back to the sender."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from scanner.lab import Lab
from scanner.lab.wsd import Probe, WsdResponder
from tests.lab.clients import base_url, device, probe_xml, udp_exchange

pytestmark = pytest.mark.lab
NETWORK = "127.77.15.0/24"
ENV = "{http://www.w3.org/2003/05/soap-envelope}"
WSA = "{http://schemas.xmlsoap.org/ws/2004/08/addressing}"
D = "{http://schemas.xmlsoap.org/ws/2005/04/discovery}"
QUIET = 0.3  # seconds to wait for a reply that must not come


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK) as running:
        yield running


def test_probe_match(lab):
    d = device(lab, "onvif-m-face")
    message_id = f"uuid:{uuid.uuid4()}"
    reply = udp_exchange(d.address, d.ports["wsd"], probe_xml(message_id))
    assert reply is not None
    data, sender = reply
    assert sender[0] == d.address
    root = ET.fromstring(data)
    header, match = root.find(f"{ENV}Header"), root.find(f"{ENV}Body/{D}ProbeMatches/{D}ProbeMatch")
    assert header.findtext(f"{WSA}Action") == "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches"
    assert header.findtext(f"{WSA}RelatesTo") == message_id
    assert match.findtext(f"{WSA}EndpointReference/{WSA}Address").startswith("urn:uuid:")
    assert match.findtext(f"{D}Types") == "dn:NetworkVideoTransmitter tds:Device"
    scopes = match.findtext(f"{D}Scopes").split()
    assert "onvif://www.onvif.org/Profile/M" in scopes
    assert any(s.startswith("onvif://www.onvif.org/hardware/") for s in scopes)
    assert any(s.startswith("onvif://www.onvif.org/name/") for s in scopes)
    assert match.findtext(f"{D}XAddrs") == base_url(d, "onvif") + "/onvif/device"
    assert match.findtext(f"{D}MetadataVersion")


@pytest.mark.parametrize("types", ["", "tds:Device", "odd:Device", "dn:NetworkVideoTransmitter tds:Device"])
def test_types_answered_whatever_prefix(lab, types):
    d = device(lab, "hik-face")
    extra = 'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:odd="http://www.onvif.org/ver10/device/wsdl"'
    reply = udp_exchange(d.address, 3702, probe_xml("uuid:1", types=types, extra_ns=extra))
    assert reply is not None and b"ProbeMatches" in reply[0]


def test_unrelated_type_and_unmatched_scope_are_ignored(lab):
    d = device(lab, "hik-face")
    assert udp_exchange(d.address, 3702, probe_xml("uuid:2", types="dn:Printer"), wait=QUIET) is None
    profile_m = "onvif://www.onvif.org/Profile/M"
    assert udp_exchange(d.address, 3702, probe_xml("uuid:3", scopes=profile_m), wait=QUIET) is None
    m = device(lab, "onvif-m-face")
    assert udp_exchange(m.address, 3702, probe_xml("uuid:4", scopes=profile_m)) is not None


@pytest.mark.parametrize(
    "payload",
    [
        b"\x00\x01garbage",
        b"<not-xml",
        probe_xml("")[:-20],
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        probe_xml("uuid:5").replace(b"/Probe<", b"/Hello<"),
    ],
)
def test_malformed_probes_are_ignored_and_the_responder_survives(lab, payload):
    d = device(lab, "dahua-fr")
    assert udp_exchange(d.address, 3702, payload, wait=QUIET) is None
    assert udp_exchange(d.address, 3702, probe_xml("uuid:6")) is not None


def test_devices_without_onvif_do_not_answer(lab):
    for persona_id in ("hik-trap", "rtsp-only", "web-server"):
        d = device(lab, persona_id)
        assert "wsd" not in d.ports
        assert udp_exchange(d.address, 3702, probe_xml("uuid:7"), wait=QUIET) is None


@pytest.mark.parametrize("message_id", ["urn:uuid:1", "a&b<c>\"'é", "x\ry\tz", "]]>", "lab-number@@ lab-message-id@@"])
def test_the_kept_answer_is_the_one_built_element_by_element(message_id):
    responder = WsdResponder(
        "urn:uuid:abc", ("onvif://www.onvif.org/name/A&B",), "http://127.0.0.1/onvif/device_service"
    )
    first, second = (responder.probe_matches(Probe(message_id, (), ())) for _ in range(2))
    for answer, number in ((first, "1"), (second, "2")):
        sent_id = ET.fromstring(answer).find(f"{ENV}Header/{WSA}MessageID").text  # noqa: S314 - our own bytes
        assert answer == responder.built(sent_id, message_id, number)
        assert ET.fromstring(answer).find(f"{ENV}Header/{WSA}RelatesTo").text == message_id  # noqa: S314
    assert (
        ET.fromstring(first).find(f"{ENV}Header/{WSA}MessageID").text
        != ET.fromstring(second)
        .find(  # noqa: S314
            f"{ENV}Header/{WSA}MessageID"
        )
        .text
    )
