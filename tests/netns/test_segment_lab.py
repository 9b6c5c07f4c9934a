"""The namespace lab: one `camaudit scan` inside a scanner namespace finds every camera of a real L2 segment.

The scanner always runs as a subprocess inside its own namespace (no interface to the host's network); the
devices run inside theirs. This test process only starts processes: it sends nothing itself. Where network
namespaces cannot be made, these tests skip and say why (tests.doubles.segment.netns.support()).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.lab import load_personas
from tests.doubles.segment.netns import NETWORK, SegmentLab, support

pytestmark = pytest.mark.lab  # network namespaces and a real segment: not part of the quick unit loop
CAMAUDIT = str(Path(sys.executable).with_name("camaudit"))
IDS = ("hik-sadp", "dahua-fr", "axis-mdns", "onvif-m-face", "rtsp-8554", "amcrest-oem")
PERSONAS = {p.id: p for p in load_personas()}
DISCOVER = """
import json, time
from scanner.config import ScanConfig
from scanner.discovery.discover import discover_hosts
from scanner.scope import expand_targets

config = ScanConfig(targets=("198.51.100.0/24",))
started = time.monotonic()
found = discover_hosts(expand_targets(config.targets), config)
print(json.dumps({"total": round(time.monotonic() - started, 3), "steps": dict(found.timings),
                  "methods": {m.method: m.__dict__ for m in found.methods}, "interfaces": found.interfaces,
                  "hosts": {h.address: list(h.discovered_by) for h in found.hosts}}))
"""


def _lab(ids, **options) -> SegmentLab:
    reason = support()
    if reason is not None:
        pytest.skip(f"the namespace lab cannot be built here: {reason}")
    return SegmentLab([PERSONAS[i] for i in ids], rootless=os.geteuid() != 0, **options)


@pytest.fixture(scope="module")
def lab():
    with _lab(IDS) as running:
        yield running


def _scan(lab: SegmentLab, tmp_path: Path, credentials: bool) -> dict:
    command = [CAMAUDIT, "scan", str(NETWORK), "--format", "json", "--no-progress", "--no-history"]
    if credentials:
        creds = tmp_path / "lab-credentials.toml"
        creds.write_text(lab.credentials_toml(), encoding="utf-8")
        command += ["--credentials", str(creds)]
    done = lab.scanner(command)
    assert done.returncode in (0, 1), done.stderr
    return {d["address"]: d for d in json.loads(done.stdout)["devices"]}


@pytest.fixture(scope="module")
def with_credentials(lab, tmp_path_factory):
    return _scan(lab, tmp_path_factory.mktemp("netns"), credentials=True)


@pytest.fixture(scope="module")
def without_credentials(lab, tmp_path_factory):
    return _scan(lab, tmp_path_factory.mktemp("netns"), credentials=False)


def _device(report: dict, lab: SegmentLab, persona_id: str) -> dict:
    address = next(d.address for d in lab.devices if d.persona.id == persona_id)
    return report[address]


def test_every_device_found_once_with_its_answer_key_and_its_mac(lab, with_credentials):
    assert sorted(with_credentials) == sorted(d.address for d in lab.devices)
    for device in lab.devices:
        got, expect = with_credentials[device.address], device.persona.expect
        assert (got["vendor"], got["model"], got["is_camera"], got["face_analytics"]) == (
            expect.vendor, expect.model, expect.is_camera, expect.face_analytics), device.persona.id  # fmt: skip
        assert got["mac"] == device.persona.mac and "arp" in got["discovered_by"], device.persona.id


def test_hikvision_with_onvif_off_is_found_through_sadp(lab, with_credentials, without_credentials):
    for report in (with_credentials, without_credentials):
        hik = _device(report, lab, "hik-sadp")
        assert "sadp" in hik["discovered_by"] and "ws-discovery" not in hik["discovered_by"]
    # Without a login no web API answers and ONVIF is off: model, serial and firmware come from SADP alone.
    hik, persona = _device(without_credentials, lab, "hik-sadp"), PERSONAS["hik-sadp"]
    assert (hik["vendor"], hik["model"], hik["serial"]) == ("Hikvision", persona.model, persona.serial)
    assert hik["discovery"]["sadp"]["http_port"] == "80" and hik["discovery"]["sadp"]["activated"] == "true"


def test_dahua_is_found_through_dhip(lab, without_credentials):
    dahua, persona = _device(without_credentials, lab, "dahua-fr"), PERSONAS["dahua-fr"]
    assert "dhip" in dahua["discovered_by"]
    assert dahua["discovery"]["dhip"]["serial"] == persona.serial and dahua["serial"] == persona.serial
    assert dahua["discovery"]["dhip"]["model"] == persona.model


def test_axis_is_found_through_mdns_and_ssdp(lab, without_credentials):
    axis = _device(without_credentials, lab, "axis-mdns")
    assert {"mdns", "ssdp"} <= set(axis["discovered_by"]) and axis["vendor"] == "Axis"
    assert axis["model"] == "M3045-V" and axis["serial"] == "ACCC8E7B1C1A"
    assert axis["discovery"]["ssdp"]["model"] == "M3045-V" and axis["discovery"]["mdns"]["model"] == "M3045-V"
    assert "_axis-video._tcp" in axis["discovery"]["mdns"]["service_type"]


def test_onvif_on_a_non_standard_xaddr_path(lab, with_credentials):
    onvif = _device(with_credentials, lab, "onvif-m-face")
    assert "ws-discovery" in onvif["discovered_by"]
    assert onvif["discovery"]["ws-discovery"]["xaddrs"] == f"http://{onvif['address']}:8899/onvif/device"
    assert {"port": 8899, "protocol": "onvif"} in onvif["services"] and onvif["face_analytics"] == "configured"


def test_a_camera_answering_only_rtsp_on_8554(lab, with_credentials):
    rtsp = _device(with_credentials, lab, "rtsp-8554")
    assert rtsp["services"] == [{"port": 8554, "protocol": "rtsp"}] and rtsp["is_camera"]
    assert rtsp["discovered_by"] == ["nmap", "arp"]


def test_an_oem_keeps_its_brand_and_shows_its_mac_vendor(lab, with_credentials):
    oem = _device(with_credentials, lab, "amcrest-oem")
    assert oem["vendor"] == "Amcrest" and oem["discovery"]["arp"]["mac_vendor"] == "Zhejiang Dahua Technology"
    assert "dhip" in oem["discovered_by"]


def test_discovery_of_the_slash_24_takes_under_ten_seconds(lab, capsys):
    done = lab.scanner([sys.executable, "-c", DISCOVER])
    assert done.returncode == 0, done.stderr
    timing = json.loads(done.stdout)
    with capsys.disabled():
        print(f"\nnamespace lab discovery: {json.dumps(timing['steps'])} total {timing['total']} s")
        for name, method in timing["methods"].items():
            first, last = method["first_reply"], method["last_reply"]
            print(f"  {name}: {method['devices']} devices, first reply {first} s, last {last} s")
    assert timing["total"] < 10 and timing["interfaces"] == ["eth0"]
    assert len(timing["hosts"]) == len(IDS)


def test_the_scanner_namespace_has_no_way_out(lab):
    routes = lab.scanner(["ip", "-4", "route"]).stdout.split("\n")
    assert [r.split()[0] for r in routes if r] == [str(NETWORK)]
    assert lab.scanner(["ip", "route", "get", "192.0.2.1"]).returncode != 0  # the host's uplink: unreachable


def test_with_one_wsd_reply_in_three_lost_the_device_is_still_found():
    with _lab(("onvif-m-face", "dahua-fr"), lossy_wsd=("onvif-m-face", "dahua-fr")) as lossy:
        done = lossy.scanner([sys.executable, "-c", DISCOVER])
    assert done.returncode == 0, done.stderr
    timing = json.loads(done.stdout)
    assert timing["methods"]["ws-discovery"]["devices"] == 2  # heard by multicast, not only the unicast fallback
    for device in lossy.devices:
        assert "ws-discovery" in timing["hosts"][device.address]
        sent, dropped = (int(part.split("=")[1]) for part in lossy.counters[device.persona.id].split()[2:4])
        assert sent >= 3 and dropped == sent // 3, lossy.counters


def test_a_segment_device_refuses_the_hosts_namespace():
    # Run where this test runs (the host's namespace): it must refuse before opening any socket.
    inode = os.stat("/proc/self/ns/net").st_ino
    done = subprocess.run(
        [sys.executable, "-m", "tests.doubles.segment.device", "hik-sadp", "198.51.100.11", str(NETWORK), str(inode)],
        capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1 and "refusing" in done.stderr
