"""End to end on the emulated premises: bundle, verify, no leaked login, re-rendering, history and diff."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.net.redact import secrets_of
from scanner.report.bundle.params import bundle_params
from scanner.report.bundle.verify import verify_bundle
from scanner.report.bundle.write import write_bundle
from scanner.report.csv_report import render_csv
from scanner.report.html import render_html
from scanner.report.i18n import load_catalog
from scanner.report.json_report import parse, render
from scanner.store.diff import diff
from scanner.store.history import History
from scanner.vocabulary import Reason

lab_module = pytest.importorskip("scanner.lab", reason="the emulated premises (scanner.lab) are not available")
pipeline = pytest.importorskip("scanner.pipeline.scan", reason="the scan pipeline is not available")
pytestmark = pytest.mark.lab
NETWORK = "127.77.151.0/24"  # its own network: other lab tests may run at the same time


def _scan(personas, tmp_path: Path, name: str):
    with lab_module.Lab(network=NETWORK, personas=personas) as lab:
        creds_path = tmp_path / f"{name}-credentials.toml"
        creds_path.write_text(lab.credentials_toml(), encoding="utf-8")
        credentials = load_credentials(creds_path)
        result = pipeline.run_scan(ScanConfig(targets=(lab.network,), credentials=credentials))
    return result, credentials


def _secrets(credentials) -> tuple[str, ...]:
    return secrets_of(e.credential for e in credentials.entries)


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    return _scan(lab_module.load_personas(), tmp_path_factory.mktemp("lab"), "first")


def test_a_lab_scan_bundle_verifies_and_any_changed_byte_is_named(first, tmp_path):
    result, credentials = first
    directory = tmp_path / "bundle"
    params = bundle_params((NETWORK,), (80, 554), result, "lab-signatures")
    write_bundle(result, params, directory, secrets=_secrets(credentials))
    assert verify_bundle(directory).ok
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert len(files) > 10, "every observation of every emulated device is in the bundle"
    for path in files:
        original = path.read_bytes()
        path.write_bytes(bytes([original[0] ^ 0x20]) + original[1:])
        assert verify_bundle(directory).changed == (path.relative_to(directory).as_posix(),)
        path.write_bytes(original)
    assert verify_bundle(directory).ok


def test_no_password_of_the_credentials_file_is_in_the_bundle(first, tmp_path):
    result, credentials = first
    directory = tmp_path / "bundle"
    write_bundle(result, bundle_params((NETWORK,), (80,), result, "x"), directory, secrets=_secrets(credentials))
    passwords = [e.credential.password for e in credentials.entries if e.credential.password]
    assert passwords, "the lab has logins"
    for path in (p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for password in passwords:
            assert password.encode() not in data, f"a lab password leaked into {path.relative_to(directory)}"


def test_the_stored_report_re_renders_in_both_languages(first, tmp_path):
    result, credentials = first
    directory = tmp_path / "bundle"
    write_bundle(result, bundle_params((NETWORK,), (80,), result, "x"), directory, secrets=_secrets(credentials))
    report = parse((directory / "report.json").read_text(encoding="utf-8"))
    for lang in ("en", "zh"):
        html = render_html(report, load_catalog(lang))
        assert html.count('class="device-card') == len(result.devices)
        assert len(render_csv(report, load_catalog(lang)).splitlines()) == 1 + len(result.devices)


def test_two_lab_scans_with_a_persona_changed_give_the_right_diff(first, tmp_path):
    before, _ = first
    personas = list(lab_module.load_personas())
    ids = [p.id for p in personas]
    dahua = ids.index("dahua-fr")
    cgi = personas[dahua].cgi
    assert cgi is not None
    # The operator switches face recognition off on the Dahua camera...
    personas[dahua] = dataclasses.replace(
        personas[dahua],
        cgi=dataclasses.replace(
            cgi, scene="Normal", rules=tuple(dataclasses.replace(r, enable=False) for r in cgi.rules)
        ),
    )
    # ...swaps the two Hikvision cameras' network ports (so each moves to the other's address), and unplugs the
    # last device.
    personas[0], personas[1] = personas[1], personas[0]
    removed = personas.pop()
    after, _ = _scan(personas, tmp_path, "second")

    with History(tmp_path / "history.db") as history:
        a, b = history.add(before), history.add(after)
        result = diff(history.load_scan(a), history.load_scan(b))

    by_address = {d.address: d for d in before.devices}
    gone = [d.address for d in before.devices][-1]
    assert [r.address for r in result.removed] == [gone], f"{removed.id} was unplugged"
    assert not result.added
    hik = [before.devices[0], before.devices[1]]
    assert sorted((m.before.address, m.after.address, m.key) for m in result.moved) == sorted(
        [(hik[0].address, hik[1].address, "serial"), (hik[1].address, hik[0].address, "serial")]
    )
    changed = [(v.before.address, v.before.face_analytics, v.after.face_analytics) for v in result.verdict_changed]
    dahua_address = before.devices[dahua].address
    assert [c[0] for c in changed] == [dahua_address]
    assert changed[0][1] == by_address[dahua_address].face_analytics != changed[0][2]


def test_a_chinese_report_of_the_lab_puts_every_reason_into_chinese_words(first, tmp_path):
    result, _ = first
    notes = [n for d in result.devices for n in d.not_checked]
    assert notes, "the lab has devices whose checks could not all run"
    assert all(n.reason != Reason.OTHER for n in notes), "every reason the pipeline gives has a code"
    html = render_html(parse(render(result)), load_catalog("zh"))
    zh = load_catalog("zh")
    for note in notes:
        words = max(zh.t(f"reason.{note.reason}").split("{detail}"), key=len)
        assert words and words in html, note
    assert "（原文）" not in html  # no reason fell back to its English text
