"""The JSON report (schema_version 1): a stable contract for other tools, written atomically, free of secrets."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner import TOOL_NAME, __version__
from scanner.model import DeviceReport, Finding, NotChecked, ScanResult
from scanner.report.i18n import cached_catalog
from scanner.vocabulary import Reason

SCHEMA_VERSION = 1


def to_dict(result: ScanResult) -> dict[str, Any]:
    """The report as plain data, in the documented field names."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "scan": {
            "started_at": result.started_at,
            "finished_at": result.finished_at,
            "targets": list(result.targets),
            "partial": result.partial,
        },
        "devices": [_device(d) for d in result.devices],
        "errors": [{"stage": e.stage, "message": e.message} for e in result.errors],
    }


def _device(device: DeviceReport) -> dict[str, Any]:
    ident = device.identity
    return {
        "address": device.address,
        "mac": ident.mac,
        "vendor": ident.vendor,
        "model": ident.model,
        "firmware": ident.firmware,
        "serial": ident.serial,
        "is_camera": device.is_camera,
        "services": [{"port": s.port, "protocol": s.protocol} for s in device.services],
        "face_analytics": device.face_analytics,
        "findings": [_finding(f) for f in device.findings],
        "not_checked": [_not_checked(n) for n in device.not_checked],
        "discovered_by": list(device.discovered_by),
        # What each discovery method revealed: {"sadp": {"model": ..., "serial": ...}, "arp": {"mac_vendor": ...}}
        "discovery": {fact.method: _facts(fact.facts) for fact in device.discovery},
    }


def _not_checked(note: NotChecked) -> dict[str, str]:
    """`code` and `detail` for programs, `reason` in English words for people."""
    text = cached_catalog("en").reason(note.reason, note.detail)
    return {"check": note.check, "code": note.reason.value, "detail": note.detail, "reason": text}


def reason_of(entry: Mapping[str, Any]) -> tuple[Reason, str]:
    """(code, detail) of a report's not_checked entry; an entry from before reason codes keeps its text as detail."""
    try:
        return Reason(str(entry.get("code"))), str(entry.get("detail") or "")
    except ValueError:
        return Reason.OTHER, str(entry.get("reason") or "")


def _facts(pairs: tuple[tuple[str, str], ...]) -> dict[str, str | list[str]]:
    """Facts as an object; a name given more than once (mDNS services) becomes a list."""
    merged: dict[str, str | list[str]] = {}
    for name, value in pairs:
        before = merged.get(name)
        merged[name] = value if before is None else [*([before] if isinstance(before, str) else before), value]
    return merged


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "feature": finding.feature,
        "level": finding.level,
        "confidence": finding.confidence,
        "evidence": [
            {"probe": e.probe, "request": e.request, "excerpt": e.excerpt, "sha256": e.sha256, "at": e.at}
            for e in finding.evidence
        ],
    }


def render(result: ScanResult) -> str:
    """Deterministic JSON text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(to_dict(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same directory, fsync, then rename: readers never see half a report."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
