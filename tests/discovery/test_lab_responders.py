"""The scanner's segment methods against the lab's emulated responders on loopback (each side checks the other)."""

from __future__ import annotations

import ipaddress
import random

import pytest
from zeroconf import DNSOutgoing
from zeroconf.const import _FLAGS_AA, _FLAGS_QR_RESPONSE

from scanner.discovery.dhip import DhipMethod
from scanner.discovery.mdns import mdns_facts, parse_response
from scanner.discovery.multicast import discover_segment
from scanner.discovery.sadp import SadpMethod
from scanner.discovery.ssdp import SsdpMethod, description_facts, parse_description
from scanner.discovery.wsd_multicast import WsdMethod
from scanner.lab import load_personas
from scanner.lab.device import endpoint_reference
from scanner.lab.wsd import WsdResponder
from scanner.net.interfaces import Interface
from tests.discovery.udp_lab import serve_udp
from tests.doubles.segment import dhip as lab_dhip
from tests.doubles.segment import sadp as lab_sadp
from tests.doubles.segment import ssdp as lab_ssdp
from tests.doubles.segment.lossy import Lossy
from tests.doubles.segment.mdns import service_infos

ADDRESS = "127.0.0.1"
LOOP = Interface("lo-test", ADDRESS, ipaddress.IPv4Network("127.0.0.0/8"), True, False, True)
PERSONAS = {p.id: p for p in load_personas()}


def run(method, port: int, window: float = 0.5):
    method.group, method.port, method.broadcast = ADDRESS, port, False  # a loopback "group": no multicast in tests
    return discover_segment([method], [LOOP], frozenset([ADDRESS]).__contains__, window=window, repeats=3, gap=0.1)


def facts(result) -> dict[str, str]:
    (found,) = {f.key: f for f in result.found}.values()
    return dict(found.facts)


def test_sadp_responder_and_parser_agree():
    persona = PERSONAS["hik-sadp"]
    with serve_udp(ADDRESS, lambda: lab_sadp.SadpResponder(persona, ADDRESS, 80)) as port:
        got = facts(run(SadpMethod(), port))
    assert (got["model"], got["serial"], got["http_port"]) == (persona.model, persona.serial, "80")
    assert got["mac"] == persona.mac.replace(":", "-") and got["firmware"] == persona.firmware + persona.firmware_date


def test_dhip_responder_and_parser_agree():
    persona = PERSONAS["amcrest-oem"]
    with serve_udp(ADDRESS, lambda: lab_dhip.DhipResponder(persona, ADDRESS, 80)) as port:
        got = facts(run(DhipMethod(), port))
    assert (got["model"], got["serial"], got["mac"], got["sdk_port"]) == (
        persona.model, persona.serial, persona.mac, "37777")  # fmt: skip


def test_ssdp_responder_description_and_parser_agree():
    persona = PERSONAS["axis-mdns"]
    rng = random.Random(1)
    with serve_udp(ADDRESS, lambda: lab_ssdp.SsdpResponder(persona, ADDRESS, 49152, rng)) as port:
        got = facts(run(SsdpMethod(), port, window=0.8))
    assert got["location"] == f"http://{ADDRESS}:49152/rootdesc1.xml"
    device = dict(description_facts(parse_description(lab_ssdp.description(persona, ADDRESS))))
    assert (device["vendor"], device["model"], device["serial"]) == ("AXIS", persona.model, persona.serial)


def test_wsd_responder_answers_every_probe_type_and_the_engine_keeps_one_per_endpoint():
    persona = PERSONAS["onvif-m-face"]
    xaddr = f"http://{ADDRESS}:8899/onvif/device"
    make = lambda: WsdResponder(endpoint_reference(persona), persona.onvif.scopes, xaddr)  # noqa: E731
    with serve_udp(ADDRESS, make) as port:
        result = run(WsdMethod(), port)
    (found,) = result.found
    assert found.wsd is not None and found.wsd.xaddrs == (xaddr,)
    assert result.timings[0].replies == 9  # three Probe types, three times each, all answered


def test_with_one_reply_in_three_lost_the_device_is_still_found():
    persona = PERSONAS["onvif-m-face"]
    xaddr = f"http://{ADDRESS}:8899/onvif/device"
    lossy: list[Lossy] = []

    def make():
        wrapped = Lossy(WsdResponder(endpoint_reference(persona), persona.onvif.scopes, xaddr), random.Random(3))
        lossy.append(wrapped)
        return wrapped

    with serve_udp(ADDRESS, make) as port:
        result = run(WsdMethod(), port)
    assert lossy[0].counts == {"sent": 9, "dropped": 3}
    assert [f.wsd.xaddrs for f in result.found] == [(xaddr,)]


@pytest.mark.parametrize("seed", range(20))
def test_lossy_drops_exactly_one_of_each_three(seed):
    class Sink:
        sent: list[bytes] = []

        def sendto(self, data, addr=None):
            self.sent.append(data)

    sink = Sink()
    sink.sent = []
    lossy = Lossy(WsdResponder("urn:x", (), "http://x/"), random.Random(seed))
    lossy.connection_made(sink)  # type: ignore[arg-type]
    transport = lossy.inner.transport
    for n in range(9):
        transport.sendto(str(n).encode(), ("127.0.0.1", 1))
    assert lossy.counts == {"sent": 9, "dropped": 3}
    kept = [int(d) for d in sink.sent]
    assert all(sum(1 for k in kept if k // 3 == group) == 2 for group in range(3))


def test_mdns_records_of_the_lab_parse_into_the_axis_identity():
    persona = PERSONAS["axis-mdns"]
    out = DNSOutgoing(_FLAGS_QR_RESPONSE | _FLAGS_AA, False, 9)
    for info in service_infos(persona, ADDRESS):
        for record in (info.dns_pointer(), info.dns_service(), info.dns_text(), *info.dns_addresses()):
            out.add_answer_at_time(record, 0)
    got = mdns_facts(parse_response(b"".join(out.packets())))
    assert ("vendor", "AXIS") in got and ("model", persona.model) in got and ("serial", persona.serial) in got
    assert ("mac", persona.mac.replace(":", "").upper()) in got
