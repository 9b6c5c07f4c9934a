"""The bounds, one by one, against hostile devices: hard deadlines on drips (HTTP, TLS, UPnP descriptions), no
redirect off the device, a stop that ends exchanges in flight, the device's time and evidence budgets, the stage
budgets, and the segment discovery's caps and rejections."""

from __future__ import annotations

import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from scanner.config import ScanConfig
from scanner.discovery import dhip, mdns, sadp, ssdp
from scanner.discovery.discover import _descriptions
from scanner.discovery.merge import Sightings, merge
from scanner.discovery.multicast import discover_segment
from scanner.discovery.oui import OuiTable
from scanner.errors import ProbeError
from scanner.matching.loader import load_signatures
from scanner.model import FAILED, REJECTED
from scanner.net.pace import DEVICE_BYTES, LEAN_BODY, Pace
from scanner.pipeline.device import audit_host
from scanner.pipeline.scan import run_scan
from scanner.probes.http import HttpClient
from scanner.probes.rtsp import rtsp_probe
from scanner.vocabulary import Reason
from tests.discovery.test_multicast import LOOP
from tests.discovery.udp_lab import serve_udp
from tests.doubles.hostile import HOSTILE, HostileLab
from tests.doubles.hostile.datagrams import Flood
from tests.doubles.words import english

pytestmark = pytest.mark.lab
NETWORK = "127.77.64.0/24"
SEGMENT = {"sadp": sadp.SadpMethod, "dhip": dhip.DhipMethod, "ssdp": ssdp.SsdpMethod, "mdns": mdns.MdnsMethod}


@pytest.fixture(scope="module")
def lab():
    with HostileLab(NETWORK) as running:
        yield running


def _root(lab: HostileLab, persona: str, timeout: float, pace: Pace | None = None):
    device = lab.device(persona)
    port, tls = (device.ports["https"], True) if "https" in device.ports else (device.ports["http"], False)
    host_pace = (pace or Pace()).host(device.address)
    return HttpClient(device.address, timeout, None, host_pace).fetch_root(port, tls)


def _description(lab: HostileLab, persona: str) -> str:
    device = lab.device(persona)
    try:
        ssdp.fetch_description(f"http://{device.address}:{device.ports['http']}/desc.xml", device.address, 1.5)
    except ProbeError as exc:
        return str(exc)
    return "read"


def test_drips_meet_the_hard_limit_whatever_the_read_timeout(lab):
    # A byte a second never trips a 1.5 s read timeout: only the exchange's hard limit (4 x 1.5 s) ends these.
    with ThreadPoolExecutor(4) as pool:
        head, body = pool.submit(_root, lab, "http-drip-head", 1.5), pool.submit(_root, lab, "http-drip-body", 1.5)
        description = pool.submit(_description, lab, "http-drip-head")
        tls = pool.submit(_root, lab, "tls-drip", 1.5)
        for obs in (head.result(), body.result()):
            assert obs.outcome == FAILED and obs.detail == "the device took more than 6 s to answer"
        assert "no complete answer within 3 s" in description.result()
        # Python bounds a whole TLS handshake by the socket timeout; the hard limit is there should it not.
        assert tls.result().outcome == FAILED and tls.result().detail in ("no answer in time", "TLS handshake failed")


def test_redirects_off_the_device_are_recorded_never_followed(lab):
    for _ in range(3):  # the trap, file:, and a scheme-relative URL to the trap
        obs = _root(lab, "http-redirect-offsite", 2.0)
        assert obs.status == 302 and "not followed" in obs.detail
    assert lab.counts["trap:visit"] == 0


def test_a_stop_ends_an_exchange_in_flight_and_refuses_the_next(lab):
    pace = Pace(per_host=2)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(_root(lab, "http-silent", 60.0, pace)))
    worker.start()
    threading.Event().wait(0.5)
    pace.stop("the scan was interrupted")
    worker.join(10)  # a bound, far below the request's own 60 s timeout
    assert not worker.is_alive() and result[0].detail == "the scan was interrupted"
    assert _root(lab, "http-silent", 60.0, pace).detail == "not sent: the scan was interrupted"


def test_the_device_budget_ends_its_last_exchange_and_refuses_more(lab):
    pace = Pace(per_host=2)
    pace.host(lab.device("http-silent").address).limit(1.0)
    first = _root(lab, "http-silent", 60.0, pace)
    assert first.detail == "the device's time budget ran out during this exchange"
    assert _root(lab, "http-silent", 60.0, pace).detail == "not sent: the device's time budget ran out"


def test_a_device_that_sent_a_lot_gets_a_lean_cap(lab):
    pace = Pace(per_host=2)
    host_pace = pace.host(lab.device("http-endless-body").address)
    assert host_pace.body_cap() == 1 << 20
    host_pace.spend(DEVICE_BYTES)
    obs = _root(lab, "http-endless-body", 5.0, pace)
    assert len(obs.body) == LEAN_BODY and f"body cut at {LEAN_BODY} bytes" in obs.detail


def test_rtsp_answers_count_against_the_device_allowance_too(lab):
    # Issue 13: RTSP answers were neither capped by nor counted in the device's allowance.
    device = lab.device("rtsp-large-sdp")
    fresh = Pace(per_host=2).host(device.address)
    _, describe = rtsp_probe(device.address, device.ports["rtsp"], None, [], 5.0, fresh)
    assert describe.outcome == "ok" and fresh.spent > 200 << 10
    spent = Pace(per_host=2).host(device.address)
    spent.spend(DEVICE_BYTES)
    _, describe = rtsp_probe(device.address, device.ports["rtsp"], None, [], 5.0, spent)
    assert describe.outcome == "failed" and f"larger than {LEAN_BODY} bytes" in describe.detail


def test_stage_budgets_end_the_scan_with_a_partial_report(lab):
    silent = lab.device("http-silent").address
    over = run_scan(ScanConfig(targets=(silent,), use_nmap=False, request_timeout=30.0, audit_budget=1.0))
    assert over.partial and any(e.stage == "audit" and "ran out of its 1 s" in e.message for e in over.errors)
    (report,) = over.devices
    assert any(n.reason == Reason.STAGE_BUDGET for n in report.not_checked)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as quiet:  # WS-Discovery heard there, never answered:
        quiet.bind((silent, 3702))  # discovery waits its whole 1 s for an answer
        early = run_scan(ScanConfig(targets=(silent,), use_nmap=False, discovery_budget=0.2))
    assert early.partial and early.devices == () and "discovery ran out" in early.errors[0].message


def _segment_method(lab: HostileLab, persona_id: str):
    device = lab.device(persona_id)
    ((protocol, _),) = device.persona.udp
    method = SEGMENT[protocol]()
    method.group, method.port, method.broadcast = device.address, device.ports[protocol], False  # type: ignore[misc]
    return device, method


@pytest.mark.parametrize("persona", [p for p in HOSTILE if p.segment_only and not p.found], ids=lambda p: p.id)
def test_garbage_segment_replies_are_refused_and_reported(lab, persona):
    device, method = _segment_method(lab, persona.id)
    result = discover_segment([method], [LOOP], {device.address}.__contains__, window=0.4, repeats=1)
    assert result.found == ()
    (rejected,) = result.rejected
    assert rejected.address == device.address and any(re.search(persona.reason, v) for _, v in rejected.facts)
    # Through merge and audit: the device is reported with the reason, although it answered nothing usable.
    (host,) = merge(Sightings(found=list(result.rejected)), {device.address}.__contains__, OuiTable({}))
    report = audit_host(host, ScanConfig(targets=(device.address,)), load_signatures())
    assert any(n.check == persona.check and re.search(persona.reason, english(n)) for n in report.not_checked)


@pytest.mark.parametrize("persona", [p for p in HOSTILE if p.found], ids=lambda p: p.id)
def test_a_usable_reply_naming_something_broken_is_reported_and_discovery_goes_on(lab, persona):
    # Issue 13: SSDP `LOCATION: http://<device>:99999/` raised ValueError out of discovery and ended the scan.
    device, method = _segment_method(lab, persona.id)
    result = discover_segment([method], [LOOP], {device.address}.__contains__, window=0.4, repeats=1)
    (found,) = result.found
    described = _descriptions(result.found)  # each description on its own; this one says why it was not read
    assert [f.key for f in described] == [REJECTED]
    (host,) = merge(Sightings(found=[found, *described]), {device.address}.__contains__, OuiTable({}))
    report = audit_host(host, ScanConfig(targets=(device.address,)), load_signatures())
    assert any(n.check == persona.check and re.search(persona.reason, english(n)) for n in report.not_checked)


def test_a_flood_of_fake_devices_is_capped():
    senders = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(300)]
    addresses = [f"127.78.{1 + n // 250}.{1 + n % 250}" for n in range(300)]
    try:
        for sock, address in zip(senders, addresses, strict=True):
            sock.bind((address, 0))
        reply = lambda n: f"<ProbeMatch><MAC>02-00-00-00-{n >> 8:02x}-{n & 255:02x}</MAC></ProbeMatch>".encode()  # noqa: E731
        with serve_udp("127.0.0.1", lambda: Flood(senders, reply)) as port:
            method = sadp.SadpMethod()
            method.group, method.port, method.broadcast = "127.0.0.1", port, False  # type: ignore[misc]
            result = discover_segment([method], [LOOP], set(addresses).__contains__, window=1.0, repeats=1, cap=100)
    finally:
        for sock in senders:
            sock.close()
    assert 50 <= len({f.address for f in result.found}) <= 100  # loopback drops a few; the cap holds
    assert any("more than 100 devices answered" in e for e in result.errors)
    assert all(f.key != REJECTED for f in result.found)
