"""The premises as a user without root sees them: every web server on a high port, and an ONVIF service on a port
of its own that answers 404 to a web page. The vendor requests go to the port that serves the web pages."""

from __future__ import annotations

import pytest

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.lab import Lab
from scanner.lab.answer_key import compare
from scanner.pipeline.rounds import serving_first
from scanner.pipeline.scan import run_scan

NETWORK = "127.77.19.0/24"  # its own network: other lab tests may run at the same time


def test_a_port_that_serves_pages_comes_before_one_that_offers_nothing():
    answered = [(8000, False, 404), (8080, False, 200), (8443, True, 401), (9000, False, 500)]
    assert serving_first(answered) == ((8080, False), (8443, True), (8000, False), (9000, False))


def test_port_order_is_kept_among_equals():
    assert serving_first([(80, False, 302), (443, True, 403), (8000, False, 405)]) == (
        (80, False),
        (443, True),
        (8000, False),
    )


@pytest.mark.lab
def test_the_premises_on_high_ports_are_judged_as_the_answer_key_says(tmp_path):
    with Lab(network=NETWORK, standard_ports=False) as lab:
        assert any(d.ports.get("http") == 8080 for d in lab.devices)
        creds = tmp_path / "lab.toml"
        creds.write_text(lab.credentials_toml(), encoding="utf-8")
        result = run_scan(ScanConfig(targets=(lab.network,), credentials=load_credentials(creds)))
        found = {d.address: d for d in result.devices}
        assert sorted(found) == sorted(d.address for d in lab.devices)
        assert compare(result, lab.devices, with_credentials=True) == []  # destinations naming lab devices too
