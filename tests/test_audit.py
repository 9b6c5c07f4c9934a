"""The per-device audit flow against the lab: limits hold, parallel lines change nothing, each request sent once."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.config import RTSP_PORTS, ScanConfig
from scanner.credentials import load_credentials
from scanner.errors import UsageError
from scanner.lab import Lab
from scanner.matching.loader import load_signatures
from scanner.model import Host
from scanner.net import pace as pace_module
from scanner.pipeline import device as audit_module
from scanner.pipeline import trace as trace_module
from scanner.pipeline import vendor as vendor_module
from scanner.pipeline.context import DeviceAudit
from scanner.pipeline.device import TRACE_LOGGER
from scanner.pipeline.scan import run_scan
from scanner.pipeline.trace import Part
from scanner.probes.http import HttpClient
from scanner.vocabulary import Reason

pytestmark = pytest.mark.lab
NETWORK = "127.77.42.0/24"


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK) as running:
        yield running


@pytest.fixture(scope="module")
def config(lab, tmp_path_factory) -> ScanConfig:
    path: Path = tmp_path_factory.mktemp("creds") / "lab.toml"
    path.write_text(lab.credentials_toml(), encoding="utf-8")
    # A short timeout: a device the tests stall must not keep them waiting 4 s.
    return ScanConfig(targets=(lab.network,), credentials=load_credentials(path), request_timeout=1.0)


def _seen(result) -> dict[str, list[tuple]]:
    """Every request of every device as (probe, request line, outcome, status), in report order."""
    return {d.address: [(o.probe, o.request, o.outcome, o.status) for o in d.observations] for d in result.devices}


def _verdicts(result) -> dict[str, tuple]:
    return {d.address: (d.identity, d.is_camera, d.face_analytics, d.services, d.not_checked) for d in result.devices}


class _CountingHostPace(pace_module.HostPace):
    """A HostPace that records the most requests it ever had in flight at once."""

    def __init__(self, pace=None, per_host: int = 0) -> None:
        super().__init__(pace, per_host)
        self.inside, self.most, self._lock = 0, 0, threading.Lock()

    def __enter__(self):
        super().__enter__()
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self.inside -= 1
        super().__exit__(*exc)


@pytest.fixture
def counted(monkeypatch) -> list[tuple[str, _CountingHostPace]]:
    made: list[tuple[str, _CountingHostPace]] = []
    real_host = pace_module.Pace.host

    def host(self, address):
        found = real_host(self, address)
        made.append((address, found))
        return found

    monkeypatch.setattr(pace_module, "HostPace", _CountingHostPace)
    monkeypatch.setattr(pace_module.Pace, "host", host)
    return made


def test_a_device_never_has_more_than_its_cap_in_flight_and_uses_it(lab, config, counted):
    result = run_scan(config)
    assert {d.address for d in result.devices} == {d.address for d in lab.devices}
    most = {address: max(p.most for a, p in counted if a == address) for address, _ in counted}
    assert most and max(most.values()) == 2
    # The Hikvision cameras: GET / on the web and control ports, and ONVIF's queries of one phase, go over both
    # lines. Whether each one overlaps depends on scheduling under load, so one of them reaching the cap is
    # what is asserted.
    hikvision = [d.address for d in lab.devices if 8000 in d.ports.values()]
    assert hikvision and any(most[address] == 2 for address in hikvision)


def test_one_line_per_device_sends_the_same_requests_and_concludes_the_same(config, counted):
    parallel = run_scan(config)
    serial = run_scan(replace(config, per_host_concurrency=1, concurrency=1))
    assert max(p.most for _, p in counted) == 2  # counted over both scans: the parallel one overlapped
    assert _seen(serial) == _seen(parallel)
    assert _verdicts(serial) == _verdicts(parallel)


def test_two_signature_requests_for_the_same_resource_are_one_request(config, monkeypatch):
    sigset = load_signatures()
    original = next(spec for spec in sigset.requests if spec.id == "hikvision.isapi.capabilities")
    twin = replace(original, id="hikvision.isapi.capabilities_again")
    sigset = replace(sigset, requests=(*sigset.requests, twin))
    sent: list[tuple[str, str]] = []
    real_run = HttpClient.run_request

    def counting_run(self, port, tls, spec, **options):
        sent.append((repr(self), spec.path))
        return real_run(self, port, tls, spec, **options)

    monkeypatch.setattr(HttpClient, "run_request", counting_run)
    result = run_scan(config, sigset=sigset)
    assert len(sent) == len(set(sent))  # no device was asked for the same resource twice
    for device in result.devices:
        by_probe = {o.probe: o for o in device.observations}
        if original.id in by_probe:
            twin_obs, first = by_probe[twin.id], by_probe[original.id]
            assert (twin_obs.request, twin_obs.outcome, twin_obs.body) == (first.request, first.outcome, first.body)
    assert any(o.probe == twin.id and o.outcome == "ok" for d in result.devices for o in d.observations)


def test_each_device_logs_its_critical_path_when_asked(config, caplog):
    with caplog.at_level(logging.DEBUG, logger=TRACE_LOGGER):
        result = run_scan(config)
    traces = {r.trace["address"]: r.trace for r in caplog.records if hasattr(r, "trace")}
    assert set(traces) == {d.address for d in result.devices}
    for device in result.devices:
        trace = traces[device.address]
        sent = [o for o in device.observations if o.request.split(" ", 1)[0] in ("GET", "POST", "OPTIONS", "DESCRIBE")]
        assert trace["requests"] > 0 or not sent  # requests sent: a guessed ONVIF path's are counted, not kept
        assert 0 < trace["critical_requests"] <= trace["requests"] or trace["requests"] == 0
        assert trace["critical_s"] <= trace["wall_s"] + 0.01
    onvif_cameras = [t for t in traces.values() if any(step.startswith("onvif.") for step in t["chain"])]
    assert onvif_cameras and all(t["chain"][-1].startswith("vendor") or t["chain"][-1] == "rtsp" for t in onvif_cameras)


def test_the_vendor_round_begins_on_the_web_pages_maker_beside_onvif(config, monkeypatch):
    began: dict[str, tuple[str, ...]] = {}
    real = audit_module.vendor_round

    def noted(device, web_ports, found, asked=(), after=vendor_module.AFTER, **options):
        began.setdefault(device.host.address, after)
        return real(device, web_ports, found, asked, after, **options)

    monkeypatch.setattr(audit_module, "vendor_round", noted)
    result = run_scan(config)
    hikvision = [d for d in result.devices if d.identity.vendor == "Hikvision" and d.findings]
    assert hikvision
    for device in hikvision:
        assert began[device.address] == ("http.root",)  # chosen by the web page, not waiting for ONVIF
        asked = [(o.probe, o.channel) for o in device.observations if o.probe.startswith("hikvision.")]
        assert asked and len(asked) == len(set(asked))  # each asked once (per channel)


def test_when_onvif_names_another_maker_the_early_answers_are_read_again_and_its_requests_asked(
    lab, config, monkeypatch, caplog
):
    target = next(d for d in lab.devices if d.persona.id == "hik-face")
    scoped = replace(config, targets=(target.address,))
    alone = run_scan(scoped).devices[0]
    real = audit_module._early_vendor_round

    def misread(device, web, named):  # the web page seemed to name another maker than ONVIF will
        return real(device, web, replace(named, vendors=("Dahua",)))

    monkeypatch.setattr(audit_module, "_early_vendor_round", misread)
    with caplog.at_level(logging.DEBUG, logger=TRACE_LOGGER):
        mixed = run_scan(scoped).devices[0]

    def judged(device):
        return device.face_analytics, device.role, sorted((f.rule, f.level, f.channel or "") for f in device.findings)

    assert judged(mixed) == judged(alone) and alone.findings
    probes = [o.probe for o in mixed.observations]
    assert any(p.startswith("dahua.") for p in probes)  # the early round's requests are kept as evidence

    def hikvision(device):
        return sorted((o.probe, o.channel or "") for o in device.observations if o.probe.startswith("hikvision."))

    assert hikvision(mixed) == hikvision(alone)  # every one asked, none twice
    trace = next(r.trace for r in caplog.records if hasattr(r, "trace"))
    assert trace["requests"] > len(alone.observations)


def test_rtsp_options_go_out_once_on_a_line_left_idle_and_describe_follows_them(lab, config, monkeypatch):
    steps: dict[str, list] = {}
    real_log = trace_module.Trace.log

    def kept(self, logger, address, retried=0):
        steps[address] = list(self.steps)
        return real_log(self, logger, address, retried)

    monkeypatch.setattr(trace_module.Trace, "log", kept)
    result = run_scan(config)
    emulated, checked, early = {d.address: d for d in lab.devices}, 0, 0
    for device in result.devices:
        ports = [port for port in emulated[device.address].ports.values() if port in RTSP_PORTS]
        options = [o for o in device.observations if o.probe == "rtsp.options"]
        assert len(options) == len(set(ports)), device.address  # once per port, whichever line sent it
        if not options:
            continue
        by_name = {s.name: s for s in steps[device.address]}
        described = [o for o in device.observations if o.probe == "rtsp.describe"]
        sent = by_name.get("rtsp.options")  # a step of its own on a line left idle, or none: sent before DESCRIBE
        if sent is not None and sent.requests:
            assert sent.after == () and sent.end <= by_name["rtsp"].start  # DESCRIBE only after OPTIONS' answers
            assert by_name["rtsp"].requests >= len(described) > 0
            early += 1
        else:
            assert by_name["rtsp"].requests >= len(options) + len(described)
        if "ws-discovery" not in device.discovered_by:  # no ONVIF address announced: `GET /` alone at first
            assert sent is not None and sent.requests, device.address  # beside it, long before DESCRIBE
        checked += 1
    assert checked >= 5 and early >= 3


def test_a_spare_step_runs_once_on_the_first_line_left_idle(config):
    sigset = load_signatures()
    with audit_module.AuditKit(config, devices=1) as kit:
        device = DeviceAudit(Host("127.0.0.1", ()), config, sigset, kit)
        ran: list[str] = []
        device.spare.append(("spare", lambda: (ran.append(threading.current_thread().name), Part())[-1]))
        device.idle_line()
        device.idle_line()  # nothing left to run
        device.close()
    assert len(ran) == 1 and ran[0] != threading.current_thread().name  # beside the caller
    assert [s.name for s in device.trace.steps] == ["spare"]


def test_a_failure_beside_the_main_line_becomes_a_not_checked_entry(config, monkeypatch):
    def broken(self, port, tls, **options):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(HttpClient, "fetch_root", broken)
    result = run_scan(config)
    web = [d for d in result.devices if any(s.port in (80, 8080) for s in d.services)]
    assert web and all(d.not_checked[0].check == "audit" for d in web)
    assert all(d.not_checked[0].reason == Reason.AUDIT_FAILED for d in web)
    assert all("RuntimeError" in d.not_checked[0].detail for d in web)


def test_a_device_that_answered_as_a_camera_stays_one_when_its_audit_breaks(lab, config, monkeypatch):
    # Issue 13: a ValueError deep in a parser used to make a face camera "unidentified (not a camera)", exit 0.
    def broken(*args, **kwargs):
        raise ValueError("simulated hostile answer")

    monkeypatch.setattr(audit_module, "vendor_round", broken)
    result = run_scan(config)
    expected = {d.address: d.persona.expect for d in lab.devices}
    cameras = [d for d in result.devices if d.address in expected and expected[d.address].is_camera]
    assert cameras
    for report in cameras:
        assert report.is_camera, report.address
        assert report.face_analytics == "unknown" and report.findings == ()
        assert [(n.check, n.reason, n.detail) for n in report.not_checked] == [("audit", "audit_failed", "ValueError")]
        assert report.observations  # what the device answered before the failure is kept


def test_the_audit_flow_runs_without_helpers_when_one_line_is_allowed(config):
    kit = audit_module.AuditKit(replace(config, per_host_concurrency=1), devices=4)
    done = kit.beside(lambda: threading.current_thread().name)
    assert done.result() == threading.current_thread().name  # run at once, in the caller
    kit.close()


@pytest.mark.parametrize("changes", [{"concurrency": 0}, {"per_host_concurrency": 0}, {"rate": 0.0}, {"rate": -1.0}])
def test_politeness_settings_must_make_sense(changes):
    with pytest.raises(UsageError):
        ScanConfig(targets=("127.0.0.1",), **changes)
