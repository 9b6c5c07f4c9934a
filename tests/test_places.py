"""Where each destination is: premises (in scope, linked to the audited device), private, internet, a maker's cloud,
or a host name left unresolved (no DNS lookup, ever)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from scanner.judge.places import address_place, cloud_of, place_result
from scanner.matching.loader import load_signatures
from scanner.model import Destination, DeviceReport, Evidence, Identity, ScanResult
from scanner.vocabulary import DestinationKind, Place, Verdict

CLOUDS = load_signatures().clouds
EVIDENCE = Evidence("p", "GET /", "<x/>", "0" * 64, "2024-01-01T00:00:00.000Z")


def _device(address: str, *destinations: Destination) -> DeviceReport:
    return DeviceReport(address, Identity(), True, (), Verdict.CAPABLE, (), (), destinations=destinations)


def _to(host: str | None, kind: DestinationKind = DestinationKind.FTP) -> Destination:
    return Destination("t", kind, host, 21, EVIDENCE)


@pytest.mark.parametrize(
    ("host", "place"),
    [
        ("192.168.1.20", Place.PRIVATE),
        ("10.1.2.3", Place.PRIVATE),
        ("100.64.0.9", Place.PRIVATE),
        ("169.254.1.1", Place.PRIVATE),
        ("fd00::5", Place.PRIVATE),
        ("239.255.42.42", Place.PRIVATE),
        ("203.0.113.45", Place.INTERNET),
        ("47.96.1.2", Place.INTERNET),
        ("2001:db8::1", Place.INTERNET),
    ],
)
def test_addresses_outside_the_scope(host: str, place: Place) -> None:
    assert address_place(ipaddress.ip_address(host), ()) == place


def test_cloud_suffixes_match_whole_labels() -> None:
    assert cloud_of("dev.hik-connect.com", CLOUDS) is not None
    assert cloud_of("DEV.HIK-CONNECT.COM.", CLOUDS) is not None
    assert cloud_of("hik-connect.com.example.org", CLOUDS) is None
    assert cloud_of("myhik-connect.com", CLOUDS) is None


def test_a_scan_places_every_destination_and_links_the_audited_device(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lookup(*args: object, **kwargs: object) -> object:
        raise AssertionError("a destination's host name was looked up")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    monkeypatch.setattr(socket, "gethostbyname", no_lookup)
    camera = _device(
        "10.0.0.11",
        _to("10.0.0.18"),
        _to("10.0.0.99"),
        _to("::ffff:10.0.0.18"),
        _to("203.0.113.45", DestinationKind.PLATFORM),
        _to("dev.hik-connect.com", DestinationKind.CLOUD),
        _to("nas.example.lan"),
        _to(None, DestinationKind.CLOUD),
    )
    result = ScanResult("a", "b", ("10.0.0.0/24",), (camera, _device("10.0.0.18")))
    placed = place_result(result, [f"10.0.0.{n}" for n in range(1, 255)], CLOUDS).devices[0].destinations
    assert [(d.place, d.device) for d in placed] == [
        (Place.PREMISES, "10.0.0.18"),
        (Place.PREMISES, None),  # in scope, nothing found there
        (Place.PREMISES, "10.0.0.18"),
        (Place.INTERNET, None),
        (Place.VENDOR_CLOUD, None),
        (Place.UNRESOLVED, None),
        (Place.VENDOR_CLOUD, None),
    ]
    assert placed[4].service == "Hik-Connect / EZVIZ"
