"""ONVIF without a SOAP client library: each hand-built request is the one zeep builds from the WSDLs, the token is
the OASIS digest, and one device's calls share one connection with its other HTTP requests."""

from __future__ import annotations

import base64
import hashlib
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from scanner.model import Credential
from scanner.probes import onvif as onvif_module
from scanner.probes import onvif_xml as ox
from scanner.probes.onvif import onvif_probe
from scanner.probes.onvif_calls import Call
from tests.probes.fake_onvif import FakeOnvif
from tests.probes.servers import http_server
from tests.probes.test_onvif import SECRET, USER

PATH = "/onvif/device_service"
TOKEN = "Profile 1"


def _calls() -> list[Call]:
    """Every query the probe sends with parameters or without, built by the probe's own helpers."""
    config = [onvif_module._configuration_call(p, op, TOKEN) for p, op in onvif_module._PER_CONFIGURATION]
    plain = [("onvif.device.system_date_and_time", ox.NS_DEVICE, "GetSystemDateAndTime"),
             ("onvif.device.information", ox.NS_DEVICE, "GetDeviceInformation"),
             ("onvif.media.profiles", ox.NS_MEDIA, "GetProfiles"),
             ("onvif.media.analytics_configurations", ox.NS_MEDIA, "GetVideoAnalyticsConfigurations"),
             ("onvif.analytics.capabilities", ox.NS_ANALYTICS, "GetServiceCapabilities")]  # fmt: skip
    return [Call(*p) for p in plain] + [onvif_module._stream_uri(TOKEN), *config]


_ZEEP = {  # operation -> (WSDL file, binding, zeep keyword arguments) for the oracle
    "GetSystemDateAndTime": ("devicemgmt.wsdl", "DeviceBinding", {}),
    "GetDeviceInformation": ("devicemgmt.wsdl", "DeviceBinding", {}),
    "GetProfiles": ("media.wsdl", "MediaBinding", {}),
    "GetVideoAnalyticsConfigurations": ("media.wsdl", "MediaBinding", {}),
    "GetServiceCapabilities": ("analytics.wsdl", "AnalyticsEngineBinding", {}),
    "GetStreamUri": ("media.wsdl", "MediaBinding", {
        "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}, "ProfileToken": TOKEN}),
    "GetSupportedRules": ("analytics.wsdl", "RuleEngineBinding", {"ConfigurationToken": TOKEN}),
    "GetRules": ("analytics.wsdl", "RuleEngineBinding", {"ConfigurationToken": TOKEN}),
    "GetSupportedAnalyticsModules": ("analytics.wsdl", "AnalyticsEngineBinding", {"ConfigurationToken": TOKEN}),
    "GetAnalyticsModules": ("analytics.wsdl", "AnalyticsEngineBinding", {"ConfigurationToken": TOKEN}),
}  # fmt: skip


@pytest.mark.parametrize("call", _calls(), ids=lambda c: c.operation)
def test_each_request_body_is_the_one_the_wsdl_defines(call: Call) -> None:
    zeep = pytest.importorskip("zeep")  # the oracle: a real SOAP client reading onvif-zeep's WSDLs (test only)
    onvif = pytest.importorskip("onvif")
    wsdl_dir = Path(onvif.__file__).resolve().parent.parent / "wsdl"
    wsdl, binding, kwargs = _ZEEP[call.operation]
    namespace = {"devicemgmt.wsdl": ox.NS_DEVICE, "media.wsdl": ox.NS_MEDIA}.get(wsdl, ox.NS_ANALYTICS)
    client = zeep.Client(str(wsdl_dir / wsdl))
    service = client.create_service(f"{{{namespace}}}{binding}", "http://127.0.0.1/onvif")
    theirs = client.create_message(service, call.operation, **kwargs).find(f"{{{ox.SOAP12}}}Body")[0]
    ours = ox.soap_request(etree.QName(call.namespace, call.operation), call.fields).find(f"{{{ox.SOAP12}}}Body")[0]
    assert _same(ours, theirs)
    assert call.action == f"{namespace}/{call.operation}"


def _same(a: etree._Element, b: etree._Element) -> bool:
    """Same qualified names, text and children, in order (prefixes and namespace declarations aside)."""
    if a.tag != b.tag or (a.text or "").strip() != (b.text or "").strip() or len(a) != len(b):
        return False
    return all(_same(x, y) for x, y in zip(a, b, strict=True))


def test_the_username_token_is_the_oasis_password_digest() -> None:
    envelope = ox.soap_request(etree.QName(ox.NS_DEVICE, "GetDeviceInformation"))
    nonce, created = b"0123456789abcdef", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ox.add_username_token(envelope, USER, SECRET, created, nonce)
    token = envelope.find(f".//{{{ox.WSSE}}}UsernameToken")
    assert token is not None
    fields = {etree.QName(e).localname: e for e in token}
    expected = base64.b64encode(hashlib.sha1(nonce + b"2026-01-02T03:04:05Z" + SECRET.encode()).digest()).decode()
    assert fields["Username"].text == USER and fields["Password"].text == expected
    assert fields["Password"].get("Type", "").endswith("#PasswordDigest")
    assert base64.b64decode(fields["Nonce"].text or "") == nonce and fields["Created"].text == "2026-01-02T03:04:05Z"
    assert SECRET not in etree.tostring(envelope).decode()


def test_anonymous_and_authenticated_calls_reuse_one_connection(monkeypatch):
    connects: list[object] = []
    real_connect = socket.socket.connect  # the loopback guard's wrapper: still checked

    def counting_connect(self, address):
        connects.append(address)
        return real_connect(self, address)

    device = FakeOnvif(user=USER, password=SECRET, http_digest=True)
    with http_server(device.respond) as server:
        device.base = server.base
        monkeypatch.setattr(socket.socket, "connect", counting_connect)
        result = onvif_probe("127.0.0.1", server.base + PATH, Credential(USER, SECRET), 3.0)
    probes = [o.probe for o in result.observations]
    assert "onvif.device.system_date_and_time" in probes and "onvif.events.properties" in probes
    assert all(o.outcome == "ok" for o in result.observations), [(o.probe, o.detail) for o in result.observations]
    assert len(connects) == 1
    digests = [o for o in result.observations if o.sent is not None and o.sent.login == "digest"]
    assert digests, "the HTTP Digest login is recorded for the replay"
