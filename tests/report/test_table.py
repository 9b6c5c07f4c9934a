"""The console table: device strings are shown as text, never as rich markup or terminal escapes."""

from __future__ import annotations

import io

from rich.console import Console

from scanner.report.table import print_table
from tests.report.sample import device, sample_scan, scan_with

# What a WS-Discovery scope percent-decodes to (`Cam%5B%2F%5D`, `%1b%5D0%3B...%07`): markup, and a terminal escape.
MARKUP, ESCAPE = "Cam[/]", "\x1b]0;camaudit owned\x07\x1b[2J"


def _printed(result) -> str:
    out = io.StringIO()
    print_table(result, Console(file=out, width=200, highlight=False, color_system=None))
    return out.getvalue()


def test_the_sample_scan_prints():
    assert "Devices found" in _printed(sample_scan())


def test_device_strings_are_never_markup_nor_terminal_escapes():
    hostile = device("127.77.0.9", vendor="Hikvision", model=MARKUP + ESCAPE, firmware="[bold]x", serial="[/]",
                     face_analytics="unknown")  # fmt: skip
    hostile["not_checked"] = [{"check": "[/]", "code": "no_answer", "detail": "[red]" + ESCAPE, "reason": ""}]
    result = scan_with(hostile)
    printed = _printed(result)  # rich raised MarkupError on `[/]`: no report, no bundle, exit 1 (issue 13)
    assert "Cam[/]" in printed and "[red]" in printed
    assert "\x1b" not in printed and "\x07" not in printed


def test_the_console_counts_where_face_data_goes():
    from scanner.report.i18n import load_catalog
    from scanner.report.table import destinations_line
    from tests.report.sample import flow_scan, sample_scan

    line = destinations_line(flow_scan())
    assert line is not None and line.startswith("Face data leaves 2 device(s)")
    assert "on the premises: 3" in line and "the internet: 1" in line and "the maker's cloud: 1" in line
    assert "a host name, not looked up: 1" in line
    assert "场所内：3" in (destinations_line(flow_scan(), load_catalog("zh")) or "")
    assert destinations_line(sample_scan()) is None
