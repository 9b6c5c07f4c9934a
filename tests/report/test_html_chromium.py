"""The HTML report in a real browser: Debian's headless Chromium renders it, takes a screenshot, and dumps its DOM."""

from __future__ import annotations

import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scanner.report.html import render_html
from scanner.report.i18n import load_catalog
from tests.report.sample import sample_scan

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt install chromium)"),
    pytest.mark.lab,  # a browser: not part of the quick unit loop
]
WIDTH, HEIGHT = 1280, 2000


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # No network at all: the page is a local file and must need nothing else.
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


class _Count(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cards = self.summaries = self.scripts = 0

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.cards += "device-card" in (found.get("class") or "").split()
        self.summaries += found.get("id") == "summary"
        self.scripts += tag == "script"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chromium_renders_the_summary_and_one_card_per_device(tmp_path, lang):
    report = sample_scan()
    page = tmp_path / f"report-{lang}.html"
    page.write_text(render_html(report, load_catalog(lang)), encoding="utf-8")

    shot = tmp_path / "shot.png"
    _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT)
    assert len(data) > 60_000, "the screenshot is nearly blank: the page did not render"

    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    counts = _Count()
    counts.feed(dom)
    assert counts.summaries == 1
    assert counts.cards == len(report.devices)
    assert counts.scripts == 0, "a device's <script> became a real element"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chromium_renders_the_declared_versus_found_section(tmp_path, lang):
    from tests.report.test_html_declared import _reconciliation

    page = tmp_path / f"declared-{lang}.html"
    html = render_html(sample_scan(), load_catalog(lang), reconciliation=_reconciliation())
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", page.as_uri())
    assert len(shot.read_bytes()) > 60_000, "the screenshot is nearly blank: the page did not render"
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert dom.count('id="declared"') == 1 and dom.count('class="declared-table"') >= 4
    assert dom.index('id="summary"') < dom.index('id="declared"') < dom.index('class="devices"')
    assert "<script" not in dom


class _Flow(HTMLParser):
    """The flow diagram's nodes as the browser's DOM holds them: `data-node` of each source and destination."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs = 0
        self.sources: list[str] = []
        self.destinations: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        self.svgs += tag == "svg" and "flow" in classes
        if "flow-node" in classes:
            (self.sources if "source" in classes else self.destinations).append(found.get("data-node") or "")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chromium_draws_one_node_per_sending_device_and_one_per_destination(tmp_path, lang):
    from tests.report.sample import HOSTILE, flow_scan

    report = flow_scan()
    page = tmp_path / f"flow-{lang}.html"
    page.write_text(render_html(report, load_catalog(lang)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", page.as_uri())
    assert len(shot.read_bytes()) > 60_000, "the screenshot is nearly blank: the page did not render"
    flow = _Flow()
    flow.feed(_chromium(tmp_path, "--dump-dom", page.as_uri()).stdout)
    sending = [d for d in report.devices if d.destinations]
    distinct = {(x.kind, x.host, x.port, x.service) for d in sending for x in d.destinations}
    assert flow.svgs == 1
    assert sorted(flow.sources) == sorted(f"device:{d.address}" for d in sending) and len(sending) == 2
    assert len(flow.destinations) == len(set(flow.destinations)) == len(distinct) == 5
    assert any(HOSTILE in n for n in flow.destinations), "the hostile host name is a node's text, not markup"
