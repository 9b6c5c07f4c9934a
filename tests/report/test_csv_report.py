"""The CSV report: one row per device, translated headers, and no formula injection from device data."""

from __future__ import annotations

import csv
import io

import pytest

from scanner.report.csv_report import BOM, COLUMNS, render_csv, safe_cell
from scanner.report.formats import RenderContext, format_named
from scanner.report.i18n import load_catalog
from scanner.report.json_report import write_atomic
from tests.report.sample import device, sample_scan, scan_with


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_header_and_one_row_per_device(lang):
    report = sample_scan()
    rows = _rows(render_csv(report, load_catalog(lang)))
    assert len(rows) == 1 + len(report.devices)
    assert all(len(row) == len(COLUMNS) for row in rows)
    assert [r[0] for r in rows[1:]] == [d.address for d in report.devices]


def test_headers_and_words_are_in_the_readers_language():
    rows = _rows(render_csv(sample_scan(), load_catalog("zh")))
    assert rows[0][:3] == ["网络地址", "硬件地址", "厂商"]
    hik = rows[1]
    assert hik[COLUMNS.index("verdict")] == "正在使用"
    assert hik[COLUMNS.index("verdict_code")] == "active"  # the machine-readable verdict stays as is
    assert "人脸库 (正在使用)" in hik[COLUMNS.index("features")]  # the level words are the verdict words
    unknown = rows[5]
    assert "需要登录：未为该地址提供登录凭据" in unknown[COLUMNS.index("not_checked")]
    printer = rows[6]
    assert printer[COLUMNS.index("verdict")] == "非摄像头" and printer[COLUMNS.index("is_camera")] == "否"


def test_an_unidentified_device_is_not_checked_never_not_a_camera():
    """Role unknown: nothing it answered says what it is, so the row says "Not checked", not "Not a camera"."""
    note = {"check": "device", "code": "device_unknown", "detail": "", "reason": ""}
    unidentified = device("127.77.0.40", is_camera=False, role="unknown", face_analytics="unknown", not_checked=[note])
    other = device("127.77.0.41", is_camera=False, role="other", face_analytics="not_found")
    catalog = load_catalog("en")
    rows = _rows(render_csv(scan_with(unidentified, other), catalog))
    column = COLUMNS.index("verdict")
    assert [r[column] for r in rows[1:]] == [catalog.t("verdict.unknown.word"), catalog.t("verdict.none.word")]
    assert catalog.reason("device_unknown") in rows[1][COLUMNS.index("not_checked")]


def test_device_text_cannot_become_a_spreadsheet_formula():
    rows = _rows(render_csv(sample_scan(), load_catalog("en")))
    printer = rows[6]
    assert printer[COLUMNS.index("vendor")] == '\'=HYPERLINK("http://198.51.100.1","click")'
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_are_neutralised(value):
    assert safe_cell(value) == "'" + value


def test_ordinary_values_are_untouched():
    assert safe_cell("Hikvision") == "Hikvision" and safe_cell(None) == "" and safe_cell(80) == "80"


def test_written_file_opens_in_spreadsheets_with_chinese(tmp_path):
    path = tmp_path / "report.csv"
    write_atomic(path, format_named("csv").render(sample_scan(), RenderContext(load_catalog("zh"))))
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert _rows(data.decode("utf-8-sig"))[0][0] == "网络地址"
