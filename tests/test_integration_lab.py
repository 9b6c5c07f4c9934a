"""End to end: camaudit scans the emulated premises over the real protocols and judges every persona exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.config import Credentials, ScanConfig, load_credentials
from scanner.lab import Lab
from scanner.model import ScanResult
from scanner.pipeline import run_scan
from scanner.report.json_report import to_dict

pytestmark = pytest.mark.lab
NETWORK = "127.77.9.0/24"


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK) as running:
        yield running


@pytest.fixture(scope="module")
def creds_file(lab, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("creds") / "lab.toml"
    path.write_text(lab.credentials_toml(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def with_creds(lab, creds_file) -> ScanResult:
    return run_scan(ScanConfig(targets=(lab.network,), credentials=load_credentials(creds_file)))


@pytest.fixture(scope="module")
def without_creds(lab) -> ScanResult:
    return run_scan(ScanConfig(targets=(lab.network,), credentials=Credentials()))


def _by_address(result: ScanResult):
    return {d.address: d for d in result.devices}


def test_every_persona_is_found_once(lab, with_creds):
    found = _by_address(with_creds)
    assert sorted(found) == sorted(d.address for d in lab.devices)


@pytest.mark.parametrize("field", ["vendor", "model", "is_camera", "face_analytics"])
def test_each_persona_judged_exactly_with_credentials(lab, with_creds, field):
    found = _by_address(with_creds)
    for device in lab.devices:
        report = found[device.address]
        got = {
            "vendor": report.identity.vendor,
            "model": report.identity.model,
            "is_camera": report.is_camera,
            "face_analytics": report.face_analytics,
        }[field]
        assert got == getattr(device.persona.expect, field), f"{device.persona.id}: {field}"


def test_without_credentials_face_evidence_is_unknown_with_a_reason(lab, without_creds):
    found = _by_address(without_creds)
    for device in lab.devices:
        report = found[device.address]
        expected = device.persona.expect.face_analytics_without_credentials
        assert report.face_analytics == expected, device.persona.id
        if expected == "unknown":
            assert report.not_checked, f"{device.persona.id}: unknown without saying why"
        assert report.face_analytics != "not_found" or not report.is_camera or expected == "not_found"


def test_findings_carry_evidence_tied_to_the_bytes(with_creds):
    findings = [f for d in with_creds.devices for f in d.findings]
    assert findings, "the lab has face personas: some finding is expected"
    for finding in findings:
        assert finding.evidence
        for evidence in finding.evidence:
            assert len(evidence.sha256) == 64 and evidence.excerpt and evidence.at.endswith("Z")


def test_json_contract(with_creds):
    data = json.loads(json.dumps(to_dict(with_creds)))
    assert data["schema_version"] == 1
    assert data["tool"]["name"] == "camaudit"
    assert data["scan"]["started_at"].endswith("Z") and data["scan"]["finished_at"].endswith("Z")
    keys = {"address", "mac", "vendor", "model", "firmware", "serial", "is_camera", "services",
            "face_analytics", "findings", "not_checked"}
    for device in data["devices"]:
        assert keys <= set(device)
        assert device["face_analytics"] in ("active", "configured", "capable", "not_found", "unknown")
        for service in device["services"]:
            assert set(service) == {"port", "protocol"}
        for finding in device["findings"]:
            assert {"rule", "feature", "level", "confidence", "evidence"} <= set(finding)


def test_cli_scan_json_exit_code_and_no_secrets(lab, creds_file, tmp_path, capsys):
    out = tmp_path / "report.json"
    code = main(["scan", lab.network, "--credentials", str(creds_file), "--format", "json", "-o", str(out),
                 "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1  # the lab has face analytics
    printed = json.loads(captured.out)
    assert json.loads(out.read_text()) == printed
    for password in load_credentials(creds_file).secrets():
        assert password not in captured.out + captured.err + out.read_text()


def test_scan_without_nmap_uses_connect_scan_and_says_so_once(lab, creds_file, capsys):
    config = ScanConfig(targets=(lab.network,), credentials=load_credentials(creds_file),
                        nmap_path="/nonexistent/nmap")
    result = run_scan(config)
    assert sorted(d.address for d in result.devices) == sorted(d.address for d in lab.devices)
    notes = [e for e in result.errors if e.stage == "discover"]
    assert len(notes) == 1 and "connect scan" in notes[0].message
    assert capsys.readouterr().err.count("note:") == 1
    assert {d.address: d.face_analytics for d in result.devices} == {
        d.address: d.persona.expect.face_analytics for d in lab.devices
    }
