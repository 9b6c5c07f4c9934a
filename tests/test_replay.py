"""Replay and shareable recordings (issue 12): the demo premises scanned, their evidence bundle served again on
another loopback network (`camaudit lab --replay`) and scanned through the whole pipeline: every device gets the
verdict, identity, findings, notes and coverage of the original scan, on the recorded ports or the lab's high ports.
A shareable recording of the bundle (`camaudit share`) holds none of the demo's serials, MACs or addresses, and its
replay is judged the same."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.cli.main import main
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
from scanner.report.bundle.share import share_bundle
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


def _spellings(mac: str) -> set[str]:
    digits = mac.replace(":", "").replace("-", "").lower()
    pairs = [digits[i : i + 2] for i in range(0, 12, 2)]
    found = {sep.join(pairs) for sep in (":", "-", "")}
    return found | {s.upper() for s in found}


def test_a_shareable_recording_of_the_demo_keeps_none_of_its_serials_macs_addresses_or_names(demo, tmp_path, capsys):
    directory, original = demo
    shared = tmp_path / "shared"
    assert main(["share", str(directory), "-o", str(shared)]) == 0
    assert "Shareable recording written" in capsys.readouterr().err
    personas = load_personas()
    secrets = {p.serial for p in personas} | {s for p in personas for s in _spellings(p.mac)}
    secrets |= {d.address for d in original.devices} | {NETWORK.split("/")[0].rsplit(".", 1)[0] + "."}
    secrets |= {d.identity.serial for d in original.devices if d.identity.serial}
    secrets |= {p.device_name for p in personas if " " in p.device_name}  # the names owners gave (Lobby Entrance)
    everything = b"".join(p.read_bytes() for p in sorted(shared.rglob("*")) if p.is_file())
    assert [s for s in sorted(secrets) if s and s.encode() in everything] == []
    assert not any(p.name for p in shared.rglob("*") if "127.77." in str(p))
    assert main(["verify", str(shared)]) == 0
    manifest = json.loads((shared / "manifest.json").read_text(encoding="utf-8"))
    original_hash = hashlib.sha256((directory / "manifest.json").read_bytes()).hexdigest()
    assert manifest["derived_from"]["manifest_sha256"] == original_hash
    assert manifest["params"]["host"] == "not shared"


def test_a_shareable_recording_replays_to_the_same_verdicts(demo, tmp_path):
    """Only identifiers changed: a replay of the shareable recording is judged as the demo was."""
    directory, original = demo
    shared = tmp_path / "shared"
    share_bundle(directory, shared)
    with Replay(load_recordings(shared), network=REPLAY_NETWORK) as replay:
        replayed = _scan(replay.network, tmp_path, replay.credentials_toml())

    def summary(result: ScanResult) -> list[tuple[object, ...]]:
        return sorted(
            (d.identity.vendor or "", d.identity.model or "", d.role, d.face_analytics,
             tuple(sorted(f.rule for f in d.findings)), tuple(sorted((n.check, n.reason) for n in d.not_checked)))
            for d in result.devices
        )  # fmt: skip

    assert summary(replayed) == summary(original)


def test_a_tampered_bundle_is_neither_shared_nor_replayed(demo, tmp_path, capsys):
    directory, _ = demo
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    victim = sorted((copy / "evidence").rglob("*.txt"))[0]
    victim.write_bytes(victim.read_bytes().replace(b"probe:", b"probe;", 1))
    assert main(["share", str(copy), "-o", str(tmp_path / "out")]) == 2
    assert main(["lab", "--replay", str(copy), "--network", REPLAY_NETWORK]) == 2
    err = capsys.readouterr().err
    assert err.count(str(victim.relative_to(copy))) == 2
    assert not (tmp_path / "out").exists()
