"""The reconciliation as JSON (`camaudit reconcile --format json`, reconciliation.json in a bundle), and a
declaration as plain data for the history and back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner import TOOL_NAME, __version__
from scanner.declared.records import (
    Ambiguous,
    Declaration,
    DeclaredRow,
    FaceUse,
    InventoryError,
    Match,
    NotFound,
    Reconciliation,
)
from scanner.model import DeviceReport, Finding, ScanResult

SCHEMA_VERSION = 1
RECONCILIATION = "reconciliation.json"  # in an evidence bundle, beside the operator's file, kept as it came:
INVENTORY_COPY = "declared-inventory.{kind}"
ROW_FIELDS = ("address", "mac", "serial", "maker", "model", "location")


def reconciliation_dict(rec: Reconciliation, result: ScanResult) -> dict[str, Any]:
    """The documented keys: `undeclared_devices` (cameras), `undeclared_other_devices`, `undeclared_face`,
    `declared_not_found`, `unconfirmed`; then `ambiguous`, every `matched` row and the `unmapped_face_use` texts."""
    declaration = rec.declaration
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "scan": {
            "started_at": result.started_at,
            "finished_at": result.finished_at,
            "targets": list(result.targets),
            "partial": result.partial,
        },
        "declared": {
            "source": declaration.source,
            "sha256": declaration.sha256,
            "format": declaration.kind,
            "read_as": declaration.detail,
            "rows": len(declaration.rows),
        },
        "involves_faces": rec.involves_faces,
        "undeclared_devices": [_device(d) for d in rec.undeclared_cameras],
        "undeclared_other_devices": [_device(d) for d in rec.undeclared_other],
        "undeclared_face": [_match(m) for m in rec.undeclared_face],
        "declared_not_found": [_not_found(n) for n in rec.not_found],
        "unconfirmed": [_match(m) for m in rec.unconfirmed],
        "ambiguous": [_ambiguous(a) for a in rec.ambiguous],
        "matched": [_match(m) for m in rec.matched],
        "unmapped_face_use": [
            {"row": r.row, "column": declaration.face_column, "text": r.face_text} for r in rec.unmapped
        ],
    }


def render_reconciliation(rec: Reconciliation, result: ScanResult) -> str:
    """Deterministic JSON text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(reconciliation_dict(rec, result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _row(row: DeclaredRow) -> dict[str, Any]:
    face = row.face_use.value if row.face_use is not None else None
    return {"row": row.row, **{k: getattr(row, k) for k in ROW_FIELDS}, "face_use": face, "face_text": row.face_text}


def _device(device: DeviceReport) -> dict[str, Any]:
    """A scanned device and the evidence of its verdict: its findings, or why its checks could not conclude."""
    ident = device.identity
    return {
        "address": device.address,
        "mac": ident.mac,
        "serial": ident.serial,
        "vendor": ident.vendor,
        "model": ident.model,
        "is_camera": device.is_camera,
        "role": device.role.value,
        "face_analytics": device.face_analytics.value,
        "findings": [_finding(f) for f in device.findings],
        "not_checked": [{"check": n.check, "code": n.reason.value, "detail": n.detail} for n in device.not_checked],
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "feature": finding.feature.value,
        "level": finding.level.value,
        "channel": finding.channel,
        "evidence": [
            {"probe": e.probe, "request": e.request, "excerpt": e.excerpt, "sha256": e.sha256, "at": e.at}
            for e in finding.evidence
        ],
    }


def _match(match: Match) -> dict[str, Any]:
    declared = match.row.face_use.value if match.row.face_use is not None else None
    return {
        "row": match.row.row,
        "address": match.device.address,
        "matched_by": match.key.value,
        "moved_from": match.row.address if match.moved else None,
        "model_differs": match.model_differs,
        "declared_face_use": declared,
        "found_face_use": match.found.value,
        "declared": _row(match.row),
        "device": _device(match.device),
    }


def _not_found(entry: NotFound) -> dict[str, Any]:
    return {
        "row": entry.row.row,
        "address": None,
        "declared_address": entry.row.address,
        "why": entry.why.value,
        "device_at_address": _device(entry.at_address) if entry.at_address else None,
        "declared": _row(entry.row),
    }


def _ambiguous(entry: Ambiguous) -> dict[str, Any]:
    return {
        "row": entry.row.row,
        "address": None,
        "by": entry.key.value,
        "candidates": [d.address for d in entry.candidates],
        "declared": _row(entry.row),
    }


# ---- a declaration kept in the history


def declaration_dict(declaration: Declaration) -> dict[str, Any]:
    """Everything but the file's bytes (the history keeps those beside it)."""
    return {
        "source": declaration.source,
        "sha256": declaration.sha256,
        "kind": declaration.kind,
        "detail": declaration.detail,
        "face_column": declaration.face_column,
        "rows": [_row(r) for r in declaration.rows],
    }


def declaration_of(data: object, original: bytes = b"") -> Declaration:
    """The inverse of `declaration_dict`; InventoryError when the data is not one."""
    try:
        if not isinstance(data, Mapping):
            raise TypeError("not a table")
        rows = tuple(_row_of(r) for r in data["rows"])
        return Declaration(
            source=str(data["source"]),
            sha256=str(data["sha256"]),
            kind=str(data["kind"]),
            detail=str(data["detail"]),
            face_column=str(data["face_column"]),
            rows=rows,
            original=original,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InventoryError(f"a stored declaration is malformed ({type(exc).__name__}: {exc})") from None


def _row_of(data: Mapping[str, Any]) -> DeclaredRow:
    def text(key: str) -> str | None:
        value = data.get(key)
        return None if value is None else str(value)

    face = data.get("face_use")
    return DeclaredRow(
        row=int(data["row"]),
        **{k: text(k) for k in ROW_FIELDS},
        face_use=None if face is None else FaceUse(str(face)),
        face_text=str(data.get("face_text") or ""),
    )
