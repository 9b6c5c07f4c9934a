"""WS-Discovery as a segment method: the three Probes, RelatesTo matching, XAddrs that must point at the sender."""

from __future__ import annotations

import defusedxml.ElementTree as SafeET
import pytest

from scanner.discovery.wsd_multicast import WsdMethod, wsd_facts
from scanner.errors import ParseError

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"


def message_ids(method: WsdMethod) -> list[str]:
    return [SafeET.fromstring(m).findtext(f".//{{{WSA}}}MessageID") for m in method.messages()]


def reply(relates: str, xaddrs: str, epr: str = "urn:uuid:cam-1") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{SOAP12}" xmlns:a="{WSA}" xmlns:d="{WSD}"><s:Header><a:RelatesTo>{relates}</a:RelatesTo>'
        f"</s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>{epr}</a:Address>"
        f"</a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>"
        f"onvif://www.onvif.org/hardware/MS-C5376-FPE onvif://www.onvif.org/Profile/M</d:Scopes>"
        f"<d:XAddrs>{xaddrs}</d:XAddrs></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>"
    ).encode()


def test_three_probes_nvt_device_and_any_with_the_prefix_declared_on_types():
    method = WsdMethod()
    types = []
    for message in method.messages():
        node = SafeET.fromstring(message).find(f".//{{{WSD}}}Types")
        types.append(node.text or "")
    assert types == ["dn:NetworkVideoTransmitter", "tds:Device", ""]
    assert b'xmlns:dn="http://www.onvif.org/ver10/network/wsdl"' in method.messages()[0]
    assert len(set(message_ids(method))) == 3


def test_replies_to_other_messages_are_ignored():
    method = WsdMethod()
    assert method.read(reply("urn:uuid:someone-else", "http://198.51.100.14:8899/onvif/device"), "198.51.100.14") == ()
    with pytest.raises(ParseError):
        method.read(b"<not-soap/>", "198.51.100.14")


def test_xaddrs_are_kept_only_on_the_sender():
    method = WsdMethod()
    mid = message_ids(method)[0]
    xaddrs = "http://198.51.100.14:8899/onvif/device http://192.0.2.50/onvif/device_service http://0.0.0.0:8000/onvif/x"
    (found,) = method.read(reply(mid, xaddrs), "198.51.100.14")
    assert found.wsd is not None
    assert found.wsd.xaddrs == ("http://198.51.100.14:8899/onvif/device", "http://198.51.100.14:8000/onvif/x")
    assert found.key == "urn:uuid:cam-1"
    facts = dict(wsd_facts(found.wsd))
    assert facts["model"] == "MS-C5376-FPE" and facts["profiles"] == "M" and facts["endpoint"] == "urn:uuid:cam-1"
