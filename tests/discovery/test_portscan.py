"""Tests for port discovery: nmap's recorded output read purely, and both scan methods live on loopback."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import nmap
import pytest

from scanner.discovery import nmap_scan
from scanner.discovery.portscan import PortScan, hosts_from_nmap, scan_ports
from scanner.discovery.tcp_connect import connect_scan, port_open
from scanner.model import Host

FIXTURES = Path(__file__).parent / "fixtures"
LISTEN_ON = ("127.66.0.5", "127.66.0.6")  # ephemeral loopback addresses nobody else uses
SILENT = ("127.66.0.4", "127.66.0.7")  # probed, nothing listens
needs_nmap = pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap not installed: apt-get install nmap")


def analyse(name: str) -> dict:
    """python-nmap's reading of a recorded nmap XML report, as scan() would return it."""
    return nmap.PortScanner().analyse_nmap_xml_scan((FIXTURES / name).read_text()) if shutil.which("nmap") else {}


# --- the pure reading of recorded nmap output ---


@needs_nmap
def test_hosts_from_recorded_loopback_scan() -> None:
    # Recorded: nmap -sT -Pn --open of 127.66.0.4-7 with 127.66.0.5 on 8080+8554 and 127.66.0.6 on 8080.
    assert hosts_from_nmap(analyse("nmap_loopback.xml")) == (
        Host(address="127.66.0.5", open_ports=(8080, 8554), discovered_by=("nmap",)),
        Host(address="127.66.0.6", open_ports=(8080,), discovered_by=("nmap",)),
    )


@needs_nmap
def test_hosts_from_recorded_ipv6_scan() -> None:
    assert hosts_from_nmap(analyse("nmap_loopback_ipv6.xml")) == (
        Host(address="::1", open_ports=(8554,), discovered_by=("nmap",)),
    )


@needs_nmap
def test_mac_and_vendor_are_read_when_nmap_reports_them() -> None:
    # Loopback has no link layer, so the recorded report gets the line nmap writes for a host on the same
    # Ethernet segment (the format seen in the namespace lab, research/lab.md section 6).
    xml = (
        (FIXTURES / "nmap_loopback.xml")
        .read_text()
        .replace(
            '<address addr="127.66.0.5" addrtype="ipv4"/>',
            '<address addr="127.66.0.5" addrtype="ipv4"/>\n'
            '<address addr="00:40:8c:00:00:02" addrtype="mac" vendor="Axis Communications AB"/>',
        )
    )
    result = nmap.PortScanner().analyse_nmap_xml_scan(xml)
    first, second = hosts_from_nmap(result)
    assert first.mac == "00:40:8C:00:00:02" and second.mac is None
    assert nmap_scan.mac_vendors(result) == (("00:40:8C:00:00:02", "Axis Communications AB"),)
    scan = PortScan(hosts=(first, second), method="nmap", mac_vendors=nmap_scan.mac_vendors(result))
    assert scan.vendor_of("00:40:8c:00:00:02") == "Axis Communications AB"
    assert scan.vendor_of(None) is None


def test_hosts_without_open_ports_are_dropped() -> None:
    result = {
        "scan": {
            "127.0.0.3": {
                "addresses": {"ipv4": "127.0.0.3"},
                "tcp": {554: {"state": "closed"}, 80: {"state": "filtered"}},
            },
            "127.0.0.2": {"addresses": {"ipv4": "127.0.0.2"}, "tcp": {554: {"state": "open"}, 80: {"state": "closed"}}},
            "127.0.0.1": {"addresses": {"ipv4": "127.0.0.1"}},
        }
    }
    assert hosts_from_nmap(result) == (Host(address="127.0.0.2", open_ports=(554,), discovered_by=("nmap",)),)
    assert hosts_from_nmap({}) == ()


def test_nmap_arguments_are_safe_and_quiet() -> None:
    args = nmap_scan.nmap_arguments(1.5, 30, "/tmp/t.txt", ipv6=False).split()
    for required in ("-n", "-sT", "-Pn", "--open", "-iL"):
        assert required in args
    assert "-sV" not in args and "-oX" not in args and "-6" not in args
    assert args[args.index("--max-retries") + 1] == "1"
    assert args[args.index("--max-rtt-timeout") + 1] == "1500ms"
    assert "-6" in nmap_scan.nmap_arguments(1.5, 30, "/tmp/t.txt", ipv6=True).split()


# --- live scans of listening sockets on loopback ---


@pytest.fixture
def listeners() -> Iterator[dict[str, tuple[int, ...]]]:
    """127.66.0.5 listens on RTSP and HTTP, 127.66.0.6 on HTTP, ::1 on RTSP; camera ports when free."""
    sockets: list[socket.socket] = []
    try:
        rtsp, http = _bind_all(sockets, rtsp=8554, http=8080)
    except OSError:
        for sock in sockets:
            sock.close()
        sockets = []
        rtsp, http = _bind_all(sockets, rtsp=0, http=0)  # someone holds 8554/8080 here: take free ports
    yield {"127.66.0.5": (rtsp, http), "127.66.0.6": (http,), "::1": (rtsp,)}
    for sock in sockets:
        sock.close()


def _bind_all(sockets: list[socket.socket], rtsp: int, http: int) -> tuple[int, int]:
    rtsp = _listen(sockets, socket.AF_INET, "127.66.0.5", rtsp)
    http = _listen(sockets, socket.AF_INET, "127.66.0.5", http)
    _listen(sockets, socket.AF_INET, "127.66.0.6", http)
    _listen(sockets, socket.AF_INET6, "::1", rtsp)
    return rtsp, http


def _listen(sockets: list[socket.socket], family: int, address: str, port: int) -> int:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sockets.append(sock)
    sock.bind((address, port))
    sock.listen(16)
    return int(sock.getsockname()[1])


def expected_hosts(listening: dict[str, tuple[int, ...]], method: str) -> tuple[Host, ...]:
    return tuple(Host(address=a, open_ports=tuple(sorted(p)), discovered_by=(method,)) for a, p in listening.items())


def _scan(listening: dict[str, tuple[int, ...]], **kwargs: object) -> PortScan:
    ports = sorted({p for found in listening.values() for p in found})
    targets = [*SILENT, *LISTEN_ON, "::1"]
    return scan_ports(targets, ports, timeout=1.0, **kwargs)  # type: ignore[arg-type]


@needs_nmap
def test_nmap_scan_finds_the_listeners(listeners: dict[str, tuple[int, ...]]) -> None:
    result = _scan(listeners)
    assert result.method == "nmap" and result.note is None
    assert result.hosts == expected_hosts(listeners, "nmap")


def test_connect_scan_finds_the_listeners(listeners: dict[str, tuple[int, ...]]) -> None:
    result = _scan(listeners, use_nmap=False)
    assert result.method == "connect" and result.note is None
    assert result.hosts == expected_hosts(listeners, "connect")


@needs_nmap
def test_both_methods_agree(listeners: dict[str, tuple[int, ...]]) -> None:
    by_nmap = _scan(listeners)
    by_connect = _scan(listeners, use_nmap=False)
    assert [(h.address, h.open_ports) for h in by_nmap.hosts] == [(h.address, h.open_ports) for h in by_connect.hosts]


def test_missing_nmap_falls_back_with_a_note(listeners: dict[str, tuple[int, ...]], tmp_path: Path) -> None:
    result = _scan(listeners, nmap_path=str(tmp_path / "no-such-nmap"))
    assert result.method == "connect"
    assert result.note == "nmap not found: used the built-in TCP connect scan"
    assert result.hosts == expected_hosts(listeners, "connect")


def test_broken_nmap_falls_back_with_a_note(listeners: dict[str, tuple[int, ...]], tmp_path: Path) -> None:
    # A program that answers -V like nmap but writes no XML report: python-nmap raises, we fall back.
    fake = tmp_path / "nmap"
    fake.write_text(
        '#!/bin/sh\n[ "$1" = "-V" ] && echo "Nmap version 7.93 ( https://nmap.org )" && exit 0\n'
        'echo "nmap: something went wrong" >&2; exit 1\n'
    )
    fake.chmod(0o755)
    result = _scan(listeners, nmap_path=str(fake))
    assert result.method == "connect"
    assert result.note is not None and "something went wrong" in result.note
    assert result.hosts == expected_hosts(listeners, "connect")


def test_nothing_to_scan() -> None:
    assert scan_ports([], [80]).hosts == ()
    assert scan_ports(["127.0.0.1"], [], use_nmap=False).hosts == ()


def test_connect_scan_respects_concurrency_and_reports_closed_ports_as_absent() -> None:
    with socket.socket() as server:
        server.bind(("127.66.0.8", 0))
        server.listen(8)
        port = server.getsockname()[1]
        hosts = connect_scan(["127.66.0.8", "127.66.0.9"], [port, _free_port()], timeout=1.0, concurrency=1)
    assert hosts == (Host(address="127.66.0.8", open_ports=(port,), discovered_by=("connect",)),)


def test_a_silent_port_times_out_as_not_open() -> None:
    # A listener whose accept queue is full drops further SYNs: the connect hangs, as to a filtering camera.
    with socket.socket() as server:
        server.bind(("127.66.0.9", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = [_try_connect("127.66.0.9", port) for _ in range(3)]
        started = time.monotonic()
        assert asyncio.run(port_open("127.66.0.9", port, 0.4)) is False
        elapsed = time.monotonic() - started
        for sock in fillers:
            sock.close()
    assert 0.35 <= elapsed < 2.0


def _try_connect(address: str, port: int) -> socket.socket:
    sock = socket.socket()
    sock.settimeout(0.2)
    try:
        sock.connect((address, port))
    except OSError:
        pass
    return sock


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.66.0.8", 0))
        return int(probe.getsockname()[1])
