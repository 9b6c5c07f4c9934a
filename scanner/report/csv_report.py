"""The CSV report: one row per device for spreadsheets, headers in the reader's language, no formula injection."""

from __future__ import annotations

import csv
import io

from scanner.model import DeviceReport, ScanResult
from scanner.report.i18n import Catalog

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


def render_csv(result: ScanResult, catalog: Catalog, bom: bool = False) -> str:
    """The CSV text: a header row in `catalog`'s language, then one row per device in report order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([catalog.t(f"csv.{c}") for c in COLUMNS])
    for device in result.devices:
        writer.writerow([safe_cell(v) for v in _row(device, catalog, result.started_at)])
    return (BOM if bom else "") + out.getvalue()


def _row(device: DeviceReport, catalog: Catalog, started: str) -> list[object]:
    sep = "; "
    ident, verdict = device.identity, device.face_analytics.value
    # "Not a camera" only for a device that is not one: an unidentified one (or one cut short) keeps its unknown
    shown = device.is_camera or device.face_analytics == "unknown"
    word = _word(catalog, "verdict", verdict, ".word") if shown else catalog.t("verdict.none.word")
    features = sorted(
        {f"{_word(catalog, 'feature', f.feature)} ({_word(catalog, 'level', f.level)})" for f in device.findings}
    )
    return [
        device.address,
        ident.mac,
        ident.vendor,
        ident.model,
        ident.firmware,
        ident.serial,
        catalog.t("value.yes" if device.is_camera else "value.no"),
        sep.join(f"{s.protocol}/{s.port}" for s in device.services),
        word,
        verdict,
        sep.join(features),
        sep.join(sorted({f.rule for f in device.findings})),
        sep.join(f"{n.check}: {catalog.reason(n.reason, n.detail)}" for n in device.not_checked),
        sep.join(device.discovered_by),
        started,
    ]


def _word(catalog: Catalog, prefix: str, value: str, suffix: str = "") -> str:
    """The translation of a known token, or the token itself."""
    key = f"{prefix}.{value}{suffix}"
    return catalog.t(key) if catalog.has(key) else str(value)
