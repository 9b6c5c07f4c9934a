"""`camaudit rejudge`: an evidence bundle of the demo premises judged again, with no network traffic: no change
under the same signatures, exactly the devices a changed rule affects otherwise, a tampered bundle refused, the
bundle never modified, and what today's signatures would ask but the bundle lacks said, never guessed."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path

import pytest

from scanner.cli.main import main
from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.lab import Lab, load_personas
from scanner.matching.loader import default_directory, load_signatures
from scanner.net.redact import secrets_of
from scanner.pipeline.scan import run_scan
from scanner.report.bundle.params import bundle_params
from scanner.report.bundle.write import write_bundle

pytestmark = pytest.mark.lab
NETWORK = "127.77.171.0/24"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, object]]]:
    """A bundle of the demo premises, and its report's devices by address."""
    place = tmp_path_factory.mktemp("rejudge")
    with Lab(network=NETWORK, personas=load_personas()) as lab:
        creds = place / "creds.toml"
        creds.write_text(lab.credentials_toml(), encoding="utf-8")
        credentials = load_credentials(creds)
        result = run_scan(ScanConfig(targets=(lab.network,), credentials=credentials, use_nmap=False))
    directory = place / "bundle"
    params = bundle_params((NETWORK,), (80, 554), result, load_signatures().digest)
    write_bundle(result, params, directory, secrets=secrets_of(e.credential for e in credentials.entries))
    report = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    return directory, {d["address"]: d for d in report["devices"]}


def _fingerprint(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.rglob("*")
            if p.is_file()}  # fmt: skip


def _rejudge(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["rejudge", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_same_signatures_change_nothing_and_send_nothing(bundle, capsys, monkeypatch):
    directory, before = bundle
    untouched = _fingerprint(directory)
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("rejudge must not touch the network"))
    code, report = _rejudge(capsys, str(directory))
    assert report["rejudge"]["changes"] == []
    assert report["rejudge"]["original_signatures"] == report["rejudge"]["signatures"]
    assert {d["address"]: d["face_analytics"] for d in report["devices"]} == {
        a: d["face_analytics"] for a, d in before.items()
    }
    assert code == 1  # face analytics found, as for `scan`
    assert _fingerprint(directory) == untouched


def test_a_changed_rule_changes_exactly_the_devices_it_affects(bundle, capsys, tmp_path):
    directory, before = bundle
    signatures = tmp_path / "signatures"
    shutil.copytree(default_directory(), signatures)
    hik = signatures / "hikvision.toml"
    text = hik.read_text(encoding="utf-8")
    rule = 'id = "hikvision.switch.face_detect"'
    start = text.index(rule)
    end = text.index("[[rule]]", start)
    hik.write_text(text[:start] + text[start:end].replace('level = "configured"', 'level = "capable"') + text[end:])
    switched = "hikvision.switch.face_detect"
    # The devices whose verdict rests on that switch alone (the DeepinMind recorder's enrolled faces keep it active).
    affected = {
        a
        for a, d in before.items()
        if any(f["rule"] == switched for f in d["findings"])
        and not any(f["rule"] != switched and f["level"] in ("configured", "active") for f in d["findings"])
    }
    assert affected, "the demo premises have a camera whose face detection switch is on"
    _, report = _rejudge(capsys, str(directory), "--signatures", str(signatures))
    changes = report["rejudge"]["changes"]
    assert {c["address"] for c in changes} == affected
    assert all(c["before"] == "configured" and c["after"] == "capable" for c in changes)
    assert report["rejudge"]["original_signatures"] != report["rejudge"]["signatures"]


def test_what_the_bundle_did_not_record_is_not_checked_never_guessed(bundle, capsys, tmp_path):
    directory, before = bundle
    signatures = tmp_path / "signatures"
    shutil.copytree(default_directory(), signatures)
    hik = signatures / "hikvision.toml"
    new = '\n[[request]]\nid = "hikvision.isapi.new_face_switch"\npath = "/ISAPI/Smart/NewFace"\n'
    rule = (
        '\n[[rule]]\nid = "hikvision.new.face_switch"\nname = "n"\nfeature = "face_detection"\nlevel = "capable"\n'
        'confidence = "low"\nprobe = "hikvision.isapi.new_face_switch"\nsources = ["https://example.org/doc"]\n'
        'matchers = [{ kind = "xml", path = "NewFace/on", equals = "true" }]\n'
        'cases = [{ expect = true, body = "<NewFace><on>true</on></NewFace>" }, { expect = false, body = "<x/>" }]\n'
    )
    hik.write_text(hik.read_text(encoding="utf-8") + new + rule, encoding="utf-8")
    _, report = _rejudge(capsys, str(directory), "--signatures", str(signatures))
    devices = {d["address"]: d for d in report["devices"]}
    # Hikvision cameras cleared before (a fingerprint terminal is no camera: its verdict rests on no face check).
    cleared = [
        a
        for a, d in before.items()
        if d["vendor"] == "Hikvision" and d["is_camera"] and d["face_analytics"] == "not_found"
    ]
    assert cleared
    for address in cleared:  # a Hikvision camera cleared before is now unknown: the new check was not recorded
        device = devices[address]
        assert device["face_analytics"] == "unknown"
        notes = {n["check"]: n["code"] for n in device["not_checked"]}
        assert notes.get("hikvision.isapi.new_face_switch") == "not_recorded"


def test_a_tampered_bundle_is_refused_with_the_file_named(bundle, tmp_path, capsys):
    directory, _ = bundle
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    victim = sorted((copy / "evidence").rglob("*.txt"))[0]
    victim.write_bytes(victim.read_bytes().replace(b"probe:", b"probe;", 1))
    assert main(["rejudge", str(copy)]) == 2
    assert str(victim.relative_to(copy)) in capsys.readouterr().err
