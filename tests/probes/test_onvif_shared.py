"""One WsdlCache serves every device of a scan (each WSDL parsed once); one device's calls share one connection."""

from __future__ import annotations

import socket

from scanner.model import Credential
from scanner.probes import onvif_zeep as onvif_module
from scanner.probes.onvif import WsdlCache, onvif_probe
from tests.probes.fake_onvif import FakeOnvif
from tests.probes.servers import http_server
from tests.probes.test_onvif import SECRET, USER

PATH = "/onvif/device_service"


def _facts(result, base: str) -> list[tuple]:
    """What each call concluded, with the server's own address and the clock reading taken out."""
    facts = []
    for o in result.observations:
        values = tuple((k, tuple(v.replace(base, "BASE") for v in items)) for k, items in o.values if k != "utc")
        facts.append((o.probe, o.outcome, o.status, values))
    return facts


def test_devices_sharing_a_cache_parse_each_wsdl_once_and_answer_as_if_alone(monkeypatch):
    parsed: list[str] = []
    real_document = onvif_module.Document

    def counting_document(location, transport, **kwargs):
        parsed.append(location.rsplit("/", 1)[-1])
        return real_document(location, transport, **kwargs)

    monkeypatch.setattr(onvif_module, "Document", counting_document)
    cache = WsdlCache()
    results = []
    for _ in range(3):
        device = FakeOnvif(user=USER, password=SECRET)
        with http_server(device.respond) as server:
            device.base = server.base
            result = onvif_probe("127.0.0.1", server.base + PATH, Credential(USER, SECRET), 3.0, wsdls=cache)
            results.append(_facts(result, server.base))
    assert sorted(parsed) == ["analytics.wsdl", "devicemgmt.wsdl", "events.wsdl", "media.wsdl"]
    parsed.clear()
    device = FakeOnvif(user=USER, password=SECRET)
    with http_server(device.respond) as server:
        device.base = server.base
        alone = onvif_probe("127.0.0.1", server.base + PATH, Credential(USER, SECRET), 3.0)  # a cache of its own
        expected = _facts(alone, server.base)
    assert len(parsed) == 4
    assert results == [expected] * 3
    assert all(o.outcome == "ok" for o in alone.observations) and len(expected) >= 10


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


def test_loading_onvif_zeep_leaves_the_root_logger_as_it_was():
    import subprocess
    import sys

    code = (
        "import logging; root = logging.getLogger(); before = (list(root.handlers), root.level)\n"
        "from scanner.probes.onvif_zeep import onvif_zeep, wsdl_dir; onvif_zeep(); assert wsdl_dir().is_dir()\n"
        "assert (list(root.handlers), root.level) == before, (root.handlers, root.level)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
