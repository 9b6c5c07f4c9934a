"""Replay (issue 12): the demo premises scanned, their evidence bundle served again on another loopback network
(`camaudit lab --replay`), and scanned through the whole pipeline: every device gets the verdict, identity, findings,
notes and coverage of the original scan, whether the replay runs on the recorded ports or the lab's high ports."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.lab import Lab, load_personas
from scanner.matching.loader import load_signatures
from scanner.model import DeviceReport, ScanResult
from scanner.net.redact import secrets_of
from scanner.pipeline.scan import run_scan
from scanner.replay.host import Replay
from scanner.replay.load import load_recordings
from scanner.report.bundle.params import bundle_params
from scanner.report.bundle.write import write_bundle

pytestmark = pytest.mark.lab
NETWORK = "127.77.201.0/24"  # the demo premises
REPLAY_NETWORK = "127.77.202.0/24"  # their replay


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScanResult]:
    """The demo premises scanned with their logins, and the evidence bundle of that scan."""
    place = tmp_path_factory.mktemp("replay")
    with Lab(network=NETWORK, personas=load_personas()) as lab:
        creds = place / "creds.toml"
        creds.write_text(lab.credentials_toml(), encoding="utf-8")
        credentials = load_credentials(creds)
        result = run_scan(ScanConfig(targets=(lab.network,), credentials=credentials, use_nmap=False))
    directory = place / "bundle"
    params = bundle_params((NETWORK,), (80, 554), result, load_signatures().digest)
    write_bundle(result, params, directory, secrets=secrets_of(e.credential for e in credentials.entries))
    return directory, result


def _scan(network: str, place: Path, credentials_toml: str) -> ScanResult:
    creds = place / f"creds-{network.split('/')[0]}.toml"
    creds.write_text(credentials_toml, encoding="utf-8")
    return run_scan(ScanConfig(targets=(network,), credentials=load_credentials(creds), use_nmap=False))


def judged(result: ScanResult) -> dict[str, dict[str, object]]:
    """Per host number, everything the judgement of a device concluded."""

    def one(d: DeviceReport) -> dict[str, object]:
        return {
            "identity": (d.identity.vendor, d.identity.model, d.identity.serial, d.identity.firmware),
            "role": d.role,
            "face_analytics": d.face_analytics,
            "rules": sorted(f.rule for f in d.findings),
            "not_checked": sorted((n.check, n.reason) for n in d.not_checked),
            "coverage": d.coverage,
            "channels": [(c.id, c.name, c.model) for c in d.channels],
        }

    return {d.address.rsplit(".", 1)[1]: one(d) for d in result.devices}


@pytest.mark.parametrize("standard_ports", [None, False], ids=["recorded-ports-as-root", "high-ports"])
def test_a_replay_of_the_demo_bundle_is_judged_as_the_demo_was(demo, tmp_path, standard_ports):
    directory, original = demo
    with Replay(load_recordings(directory), network=REPLAY_NETWORK, standard_ports=standard_ports) as replay:
        assert {p.address.rsplit(".", 1)[1] for p in replay.devices} == {d.address.rsplit(".", 1)[1]
                                                                         for d in original.devices}  # fmt: skip
        replayed = _scan(replay.network, tmp_path, replay.credentials_toml())
    assert judged(replayed) == judged(original)
    assert {d.face_analytics for d in original.devices} >= {"active", "configured", "capable", "not_found", "unknown"}


def test_without_a_login_the_replay_asks_for_one_where_the_devices_did(demo):
    """Scanned without credentials, the replay gives what the lab's answer key says the devices give then."""
    directory, _ = demo
    key = {str(11 + i): p.expect.face_analytics_without_credentials for i, p in enumerate(load_personas())}
    with Replay(load_recordings(directory), network=REPLAY_NETWORK) as replay:
        result = run_scan(ScanConfig(targets=(replay.network,), use_nmap=False))
    assert {d.address.rsplit(".", 1)[1]: d.face_analytics for d in result.devices} == key


def test_camaudit_lab_replay_serves_the_bundle_until_stopped(demo, tmp_path):
    directory, original = demo
    command = [sys.executable, "-m", "scanner", "lab", "--replay", str(directory), "--network", REPLAY_NETWORK]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        assert "The replay accepts any login" in text, text
        creds = next(line.split(": ", 1)[1].strip() for line in lines if "Credentials file:" in line)
        result = run_scan(ScanConfig(targets=(REPLAY_NETWORK,), credentials=load_credentials(Path(creds)),
                                     use_nmap=False))  # fmt: skip
        assert judged(result) == judged(original)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "replay stopped" in err
