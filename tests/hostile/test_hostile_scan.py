"""Done when: the hostile corpus and the normal personas in one scan. The scan finishes within its budget (it is not
partial), every normal persona is judged exactly as when scanned alone, and each hostile one says what went wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.lab import Lab
from scanner.model import ScanResult
from scanner.pipeline.rounds import MAX_XADDRS
from scanner.pipeline.scan import run_scan
from scanner.report.json_report import render
from tests.doubles.hostile import HostileLab, scan_personas
from tests.doubles.words import english

pytestmark = pytest.mark.lab
NETWORK = "127.77.61.0/24"
# Short timeouts keep the suite quick: drips meet their hard limit (4 x 1.5 s) within seconds.
BOUNDS = {"request_timeout": 1.5, "device_budget": 12.0}
FIELDS = ("vendor", "model", "is_camera", "face_analytics")


@pytest.fixture(scope="module")
def labs():
    with Lab(network=NETWORK) as normal, HostileLab(NETWORK, personas=scan_personas()) as hostile:
        yield normal, hostile


@pytest.fixture(scope="module")
def credentials(labs, tmp_path_factory) -> Path:
    normal, hostile = labs
    path = tmp_path_factory.mktemp("creds") / "labs.toml"
    path.write_text(normal.credentials_toml() + "\n" + hostile.credentials_toml(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def alone(labs, credentials) -> ScanResult:
    normal, _ = labs
    targets = tuple(d.address for d in normal.devices)  # the same devices, without a hostile one in scope
    return run_scan(ScanConfig(targets=targets, credentials=load_credentials(credentials), **BOUNDS))


@pytest.fixture(scope="module")
def together(labs, credentials, alone) -> ScanResult:
    return run_scan(ScanConfig(targets=(NETWORK,), credentials=load_credentials(credentials), **BOUNDS))


def _judged(result: ScanResult, address: str) -> dict[str, object]:
    report = next(d for d in result.devices if d.address == address)
    return {"vendor": report.identity.vendor, "model": report.identity.model, "is_camera": report.is_camera,
            "face_analytics": report.face_analytics}  # fmt: skip


def test_the_scan_finishes_within_its_budget_and_reports_every_device(labs, together):
    normal, hostile = labs
    assert not together.partial, together.errors  # past a stage budget the result would be partial
    found = {d.address for d in together.devices}
    assert {d.address for d in normal.devices} | {d.address for d in hostile.devices} <= found
    assert json.loads(render(together))["scan"]["partial"] is False


@pytest.mark.parametrize("field", FIELDS)
def test_every_normal_persona_is_judged_as_when_scanned_alone(labs, alone, together, field):
    normal, _ = labs
    for device in normal.devices:
        by_itself, beside_hostile = _judged(alone, device.address), _judged(together, device.address)
        assert beside_hostile[field] == by_itself[field], f"{device.persona.id}: {field}"
        assert by_itself[field] == getattr(device.persona.expect, field), f"{device.persona.id}: {field} (alone)"


def test_each_hostile_persona_is_reported_with_its_reason(labs, together):
    _, hostile = labs
    reports = {d.address: d for d in together.devices}
    missing = []
    for device in hostile.devices:
        notes = reports[device.address].not_checked
        persona = device.persona
        if not persona.check:
            continue
        if not any(re.fullmatch(persona.check, n.check) and re.search(persona.reason, english(n)) for n in notes):
            missing.append(f"{persona.id}: {[(n.check, english(n)) for n in notes]}")
    assert not missing, "\n".join(missing)


def test_no_request_ever_left_the_audited_devices(labs, together):
    _, hostile = labs
    assert hostile.counts["trap:visit"] == 0  # redirects and XAddrs to another host are never followed
    flood = hostile.device("wsd-xaddr-flood").persona.id
    asked = {key.split(" ", 1)[1] for key in hostile.counts if key.startswith(f"{flood}:POST /onvif")}
    assert 1 <= len(asked) <= MAX_XADDRS  # of 300 XAddrs announced, a handful at most are tried


def test_no_secret_or_local_file_reaches_the_report(labs, together):
    text = render(together)
    assert "root:x:0:0" not in text  # the XXE persona's entity is never resolved
    assert "hostile-lab-0" not in text  # the lab's password
