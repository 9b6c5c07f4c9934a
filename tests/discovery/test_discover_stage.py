"""The discovery stage on the loopback lab (no multicast there): sweep, unicast WS-Discovery, merge, report field."""

from __future__ import annotations

import json

import pytest

from scanner.cli.main import main
from scanner.config import ScanConfig
from scanner.discovery.discover import discover_hosts, segment_methods
from scanner.pipeline.scan import run_scan
from scanner.report.json_report import to_dict
from scanner.scope import expand_targets
from tests.doubles.chosen_lab import chosen_lab

pytestmark = pytest.mark.lab
NETWORK = "127.77.83.0/24"  # this module's own loopback network
IDS = ("onvif-m-face", "rtsp-8554", "hik-sadp")


@pytest.fixture(scope="module")
def lab():
    with chosen_lab(NETWORK, IDS) as running:
        yield running


def test_loopback_targets_get_unicast_discovery_only(lab):
    config = ScanConfig(targets=(lab.network,), discovery_window=0.5)
    found = discover_hosts(expand_targets(config.targets), config)
    assert found.interfaces == () and found.methods == ()  # no interface holds 127.77.83.0/24: no multicast
    hosts = {h.address: h for h in found.hosts}
    assert sorted(hosts) == sorted(d.address for d in lab.devices)
    onvif, rtsp, hik = (hosts[d.address] for d in lab.devices)
    assert onvif.discovered_by == ("nmap", "ws-discovery") and onvif.wsd[0].xaddrs[0].endswith(":8899/onvif/device")
    assert rtsp.open_ports == (8554,) and rtsp.discovered_by == ("nmap",)
    assert "ws-discovery" not in hik.discovered_by  # ONVIF off
    steps = dict(found.timings)
    assert {"port sweep", "segment window", "unicast ws-discovery"} <= set(steps)
    assert steps["segment window"] < 0.1  # nothing to listen for


def test_the_report_says_what_each_method_revealed(lab):
    result = run_scan(ScanConfig(targets=(lab.network,), discovery_window=0.5))
    device = next(d for d in to_dict(result)["devices"] if d["address"] == lab.devices[0].address)
    assert device["discovered_by"] == ["nmap", "ws-discovery"]
    assert device["discovery"]["ws-discovery"]["xaddrs"].endswith(":8899/onvif/device")
    assert device["discovery"]["nmap"]["open_ports"].endswith(" 8899")  # RTSP is 554 as root, 8554 otherwise
    json.dumps(to_dict(result))  # plain data


def test_each_scan_gets_fresh_methods_with_their_own_ids():
    first, second = segment_methods(), segment_methods()
    assert [m.name for m in first] == ["ws-discovery", "sadp", "dhip", "ssdp", "mdns"]
    assert first[0].messages() != second[0].messages()  # new MessageIDs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--interface", "no-such-if0"], "no such interface"),
        (["--interface", "lo"], "loopback interface"),
        (["--discovery-window", "0"], "between 0.2 and 60"),
        (["--discovery-window", "soon"], "not a number"),
    ],
)
def test_cli_refuses_a_bad_interface_or_window_before_any_traffic(args, message, capsys):
    try:
        code = main(["scan", "127.0.0.1", "--no-progress", "--no-history", *args])
    except SystemExit as exc:  # argparse's own refusals exit from inside the parser
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err
