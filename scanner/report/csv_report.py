"""The CSV report: one row per device for spreadsheets, headers in the reader's language, no formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.report.i18n import Catalog
from scanner.report.json_report import reason_of, write_atomic

COLUMNS = (
    "address",
    "mac",
    "vendor",
    "model",
    "firmware",
    "serial",
    "is_camera",
    "services",
    "verdict",
    "verdict_code",
    "features",
    "rules",
    "not_checked",
    "discovered_by",
    "scan_started",
)
# A cell starting with one of these is a formula to Excel/LibreOffice; devices choose their own names.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"  # so that Excel opens UTF-8 (Chinese) text correctly


def safe_cell(value: object) -> str:
    """The value as text; one that a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(report: Mapping[str, Any], catalog: Catalog, bom: bool = False) -> str:
    """The CSV text: a header row in `catalog`'s language, then one row per device in report order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([catalog.t(f"csv.{c}") for c in COLUMNS])
    started = (report.get("scan") or {}).get("started_at")
    for device in report.get("devices") or ():
        writer.writerow([safe_cell(v) for v in _row(device, catalog, started)])
    return (BOM if bom else "") + out.getvalue()


def write_csv(path: Path, report: Mapping[str, Any], catalog: Catalog) -> None:
    """Write the CSV atomically, with a byte-order mark so spreadsheets read the Chinese headers right."""
    write_atomic(path, render_csv(report, catalog, bom=True))


def _row(device: Mapping[str, Any], catalog: Catalog, started: object) -> list[object]:
    sep = "; "
    verdict = device.get("face_analytics")
    word = catalog.t(f"verdict.{verdict}.word") if catalog.has(f"verdict.{verdict}.word") else verdict
    if not device.get("is_camera"):
        word = catalog.t("verdict.none.word")
    findings = device.get("findings") or ()
    features = sorted(
        {f"{_word(catalog, 'feature', f.get('feature'))} ({_word(catalog, 'level', f.get('level'))})" for f in findings}
    )
    return [
        device.get("address"),
        device.get("mac"),
        device.get("vendor"),
        device.get("model"),
        device.get("firmware"),
        device.get("serial"),
        catalog.t("value.yes" if device.get("is_camera") else "value.no"),
        sep.join(f"{s.get('protocol')}/{s.get('port')}" for s in device.get("services") or ()),
        word,
        verdict,
        sep.join(features),
        sep.join(sorted({str(f.get("rule")) for f in findings})),
        sep.join(f"{n.get('check')}: {catalog.reason(*reason_of(n))}" for n in device.get("not_checked") or ()),
        sep.join(str(m) for m in device.get("discovered_by") or ()),
        started,
    ]


def _word(catalog: Catalog, prefix: str, value: object) -> str:
    key = f"{prefix}.{value}"
    return catalog.t(key) if catalog.has(key) else str(value)
