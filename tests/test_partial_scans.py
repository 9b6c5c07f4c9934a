"""A scan cut short never clears a device: on the demo premises, a device budget too small and a stop in the middle
of the audit give `unknown` (budget / interrupted) for every device whose checks did not all run, and the console
and the HTML report say at the top that the scan is incomplete."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.lab import Lab, load_personas
from scanner.model import ScanResult, cut_short
from scanner.pipeline.scan import run_scan
from scanner.probes.http import HttpClient
from scanner.report.html import render_html
from scanner.report.i18n import load_catalog
from scanner.report.table import print_table
from scanner.vocabulary import Reason

pytestmark = pytest.mark.lab
NETWORK = "127.77.181.0/24"  # its own network: other lab tests may run at the same time


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK, personas=load_personas()) as running:
        yield running


def _config(lab: Lab, tmp_path: Path) -> ScanConfig:
    creds = tmp_path / "lab-credentials.toml"
    creds.write_text(lab.credentials_toml(), encoding="utf-8")
    return ScanConfig(targets=(lab.network,), credentials=load_credentials(creds), use_nmap=False)


def _never_cleared_when_cut(result: ScanResult, cause: Reason) -> list[str]:
    """Each device's verdict rests on what was read: a not_found only with every check read and nothing cut short;
    a device cut short says why. Returns the addresses of the devices cut short."""
    cut = []
    for device in result.devices:
        if cut_short(device):
            cut.append(device.address)
            assert device.face_analytics != "not_found", device
            assert any(n.reason == cause for n in device.not_checked), device.not_checked
        if device.face_analytics == "not_found" and device.is_camera:
            assert not device.coverage.unread, device
    return cut


def _says_incomplete(result: ScanResult, capsys: pytest.CaptureFixture[str]) -> None:
    print_table(result, Console(width=120, force_terminal=False))
    assert capsys.readouterr().out.startswith("The scan is incomplete")
    for lang, words in (("en", "This scan is incomplete"), ("zh", "本次扫描不完整")):
        page = render_html(result, load_catalog(lang))
        assert words in page and page.index(words) < page.index('id="summary"')


def test_a_device_budget_too_small_gives_unknown_never_none_found(lab, tmp_path, capsys):
    result = run_scan(replace(_config(lab, tmp_path), device_budget=0.3))
    cut = _never_cleared_when_cut(result, Reason.BUDGET_SPENT)
    assert len(cut) >= len(lab.devices) // 2, "most devices need more than 0.3 s"
    _says_incomplete(result, capsys)


def test_a_stop_in_the_middle_of_the_audit_gives_unknown_never_none_found(lab, tmp_path, capsys, monkeypatch):
    stop = threading.Event()
    real = HttpClient.run_request

    def stopping(self: HttpClient, port: int, tls: bool, spec: object, **options: bool) -> object:
        stop.set()  # Ctrl-C as the first vendor request goes out: every device is mid-audit or not begun
        return real(self, port, tls, spec, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(HttpClient, "run_request", stopping)
    result = run_scan(_config(lab, tmp_path), stop=stop)
    assert result.partial
    cut = _never_cleared_when_cut(result, Reason.INTERRUPTED)
    assert cut, "the stop came while devices were being audited"
    _says_incomplete(result, capsys)


def test_the_same_premises_audited_to_the_end_is_complete(lab, tmp_path, capsys):
    result = run_scan(_config(lab, tmp_path))
    assert not result.partial and not any(cut_short(d) for d in result.devices)
    print_table(result, Console(width=120, force_terminal=False))
    assert "incomplete" not in capsys.readouterr().out
    assert "This scan is incomplete" not in render_html(result, load_catalog("en"))
