"""The JSON report (schema_version 3): a stable contract, free of secrets, written atomically and read back.

Version 2 added each device's `role`, `coverage` and `channels`, and each finding's `channel`; version 3 each
device's `destinations` (where its settings send face data, README "JSON report"). Reports of versions 1 and 2 are
still read (those fields then take their defaults).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from scanner import TOOL_NAME
from scanner.errors import UsageError
from scanner.model import (
    Channel,
    Coverage,
    Destination,
    DeviceReport,
    DiscoveryFact,
    Evidence,
    Finding,
    Identity,
    NotChecked,
    Route,
    ScanError,
    ScanResult,
    Service,
)
from scanner.report.i18n import cached_catalog
from scanner.vocabulary import Confidence, DestinationKind, Feature, Level, Place, Reason, Role, Verdict

SCHEMA_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
MAX_REPORT = 64 << 20  # far above any real report; a bigger file is not one of ours
E = TypeVar("E", bound=StrEnum)


def to_dict(result: ScanResult) -> dict[str, Any]:
    """The report as plain data, in the documented field names."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": result.tool_version},
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
        "maker": ident.maker,
        "model": ident.model,
        "firmware": ident.firmware,
        "serial": ident.serial,
        "is_camera": device.is_camera,
        "role": device.role,
        "services": [{"port": s.port, "protocol": s.protocol} for s in device.services],
        "face_analytics": device.face_analytics,
        "findings": [_finding(f) for f in device.findings],
        "not_checked": [_not_checked(n) for n in device.not_checked],
        # The face checks that apply to the device: read, said absent by the device, or not read (see not_checked).
        "coverage": {
            "read": list(device.coverage.read),
            "absent": list(device.coverage.absent),
            "unread": list(device.coverage.unread),
        },  # fmt: skip
        "channels": [_channel(c) for c in device.channels],
        # Where its settings send data: each receiver in use, its class, and the face routes that reach it.
        "destinations": [_destination(d) for d in device.destinations],
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


def _channel(channel: Channel) -> dict[str, str | None]:
    fields = ("id", "name", "address", "model", "serial", "maker")
    return {name: getattr(channel, name) for name in fields}


def _evidence(e: Evidence) -> dict[str, str]:
    return {"probe": e.probe, "request": e.request, "excerpt": e.excerpt, "sha256": e.sha256, "at": e.at}


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "channel": finding.channel,
        "feature": finding.feature,
        "level": finding.level,
        "confidence": finding.confidence,
        "evidence": [_evidence(e) for e in finding.evidence],
    }


_DESTINATION_FIELDS = ("rule", "kind", "host", "port", "path", "protocol", "service", "status", "pictures")


def _destination(d: Destination) -> dict[str, Any]:
    return {
        **{name: getattr(d, name) for name in _DESTINATION_FIELDS},
        "registration": d.registration,
        "place": d.place,  # premises | private | internet | vendor_cloud | unresolved
        "device": d.device,  # the address of the audited device it is, when camaudit found it
        "evidence": _evidence(d.evidence),
        "routes": [
            {
                "event": r.event,
                "channel": r.channel,
                "method": r.method,
                "rule": r.rule,
                "evidence": _evidence(r.evidence),
            }
            for r in d.routes
        ],
    }


def render(result: ScanResult) -> str:
    """Deterministic JSON text (sorted keys, two-space indent, trailing newline)."""
    return "".join(render_chunks(result))


def render_chunks(result: ScanResult, batch: int = 1 << 16) -> Iterator[str]:
    """`render`'s text in pieces of about `batch` characters, to be written as they come: a thousand devices'
    report is never one string beside its pieces (a dozen megabytes at the end of a large scan), nor written in
    the encoder's own pieces (hundreds of thousands of a few characters each, a write each)."""
    pending: list[str] = []
    size = 0
    for piece in json.JSONEncoder(indent=2, sort_keys=True, ensure_ascii=False).iterencode(to_dict(result)):
        pending.append(piece)
        size += len(piece)
        if size >= batch:
            yield "".join(pending)
            pending, size = [], 0
    pending.append("\n")
    yield "".join(pending)


def check_file_target(path: Path, option: str = "") -> None:
    """UsageError unless a file can be written at `path`: not a directory, in an existing directory we may write
    (checked before a scan sends anything, and again when writing)."""
    label = f"{option} {path}".strip()
    if path.is_dir():
        raise UsageError(f"cannot write {label}: it is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {label}: {parent} is not an existing directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {label}: the directory {parent} is not writable")


def write_atomic(path: Path, data: str | bytes | Iterable[str]) -> None:
    """Write to a new temporary file in the target's directory, fsync, then rename it over the target: readers
    never see half a report. Nothing is written through a link: the temporary file is created exclusively
    (mkstemp: O_EXCL, owner-only), and the rename replaces a link at the target instead of following it.
    UsageError, one line, when it cannot be written."""
    check_file_target(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes | str):
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            else:
                _write_chunks(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_chunks(handle: BinaryIO, chunks: Iterable[str]) -> None:
    """The text as it is made, one write per piece (render_chunks makes pieces of about 64 KB)."""
    for chunk in chunks:
        handle.write(chunk.encode("utf-8"))


# ---- reading a report back into the records (a stored scan, a report file)


def read_report(path: Path) -> ScanResult:
    """A JSON report file (as written by `camaudit scan -o`), checked and read into the records."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REPORT + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_REPORT:
        raise UsageError(f"{path} is larger than {MAX_REPORT} bytes: not a camaudit report")
    try:
        return parse(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None


def parse(text: str | bytes) -> ScanResult:
    """The records of a JSON report's text; ValueError when it is not JSON, UsageError when not a report."""
    return from_dict(json.loads(text))


def from_dict(report: object) -> ScanResult:
    """The records of a report as plain data (the inverse of `to_dict`); UsageError when it is not a camaudit
    report of this schema. The observations stay in the evidence bundle: a report never carries them."""
    if not isinstance(report, dict) or report.get("schema_version") not in READABLE_VERSIONS:
        raise UsageError(f"not a camaudit JSON report with schema_version {' or '.join(map(str, READABLE_VERSIONS))}")
    scan, devices = report.get("scan"), report.get("devices")
    if not isinstance(scan, dict) or not isinstance(devices, list):
        raise UsageError("the JSON report has no `scan` table or no `devices` list")
    try:
        return ScanResult(
            started_at=str(scan.get("started_at", "")),
            finished_at=str(scan.get("finished_at", "")),
            targets=tuple(str(t) for t in scan.get("targets") or ()),
            devices=tuple(_device_of(d) for d in devices),
            errors=tuple(ScanError(str(e["stage"]), str(e["message"])) for e in report.get("errors") or ()),
            partial=bool(scan.get("partial", False)),
            tool_version=str((report.get("tool") or {}).get("version", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"the JSON report is malformed: {type(exc).__name__}: {exc}") from None


def _device_of(data: Mapping[str, Any]) -> DeviceReport:
    return DeviceReport(
        address=str(data["address"]),
        identity=_identity_of(data),
        is_camera=bool(data.get("is_camera")),
        services=tuple(Service(int(s["port"]), str(s["protocol"])) for s in data.get("services") or ()),
        face_analytics=_member(Verdict, data.get("face_analytics", Verdict.UNKNOWN)),
        findings=tuple(_finding_of(f) for f in data.get("findings") or ()),
        not_checked=tuple(NotChecked(str(n.get("check")), *reason_of(n)) for n in data.get("not_checked") or ()),
        discovered_by=tuple(str(m) for m in data.get("discovered_by") or ()),
        discovery=tuple(DiscoveryFact(str(m), _pairs(facts)) for m, facts in (data.get("discovery") or {}).items()),
        role=_member(Role, data.get("role") or (Role.CAMERA if data.get("is_camera") else Role.OTHER)),
        coverage=_coverage_of(data.get("coverage") or {}),
        channels=tuple(_channel_of(c) for c in data.get("channels") or ()),
        destinations=tuple(_destination_of(d) for d in data.get("destinations") or ()),
    )


def _evidence_of(e: Mapping[str, Any]) -> Evidence:
    return Evidence(str(e["probe"]), str(e["request"]), str(e["excerpt"]), str(e["sha256"]), str(e["at"]))


def _destination_of(data: Mapping[str, Any]) -> Destination:
    get = data.get
    port, pictures, place = get("port"), get("pictures"), get("place")
    return Destination(
        rule=str(data["rule"]),
        kind=_member(DestinationKind, data["kind"]),
        host=_text(get("host")),
        port=None if port is None else int(port),
        evidence=_evidence_of(data["evidence"]),
        path=_text(get("path")),
        protocol=_text(get("protocol")),
        service=_text(get("service")),
        status=_text(get("status")),
        pictures=None if pictures is None else bool(pictures),
        registration=bool(get("registration")),
        routes=tuple(
            Route(
                _text(r.get("event")) or "",
                _text(r.get("channel")),
                str(r["method"]),
                str(r["rule"]),
                _evidence_of(r["evidence"]),
            )
            for r in get("routes") or ()
        ),  # fmt: skip
        place=None if place is None else _member(Place, place),
        device=_text(get("device")),
    )


def _coverage_of(data: Mapping[str, Any]) -> Coverage:
    return Coverage(*(tuple(str(c) for c in data.get(state) or ()) for state in ("read", "absent", "unread")))


def _channel_of(data: Mapping[str, Any]) -> Channel:
    get = data.get
    return Channel(str(get("id")), _text(get("name")), _text(get("address")), _text(get("model")),
                   _text(get("serial")), _text(get("maker")))  # fmt: skip


def _identity_of(data: Mapping[str, Any]) -> Identity:
    get = data.get
    return Identity(
        vendor=_text(get("vendor")),
        model=_text(get("model")),
        firmware=_text(get("firmware")),
        serial=_text(get("serial")),
        mac=_text(get("mac")),
        maker=_text(get("maker")),
    )


def _finding_of(data: Mapping[str, Any]) -> Finding:
    return Finding(
        rule=str(data["rule"]),
        feature=_member(Feature, data["feature"]),
        level=_member(Level, data["level"]),
        confidence=_member(Confidence, data["confidence"]),
        channel=_text(data.get("channel")),
        evidence=tuple(_evidence_of(e) for e in data.get("evidence") or ()),
    )


def _pairs(facts: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """Facts as (name, value) pairs again: a list (a name given more than once) becomes one pair per value."""
    return tuple((name, str(v)) for name, value in facts.items() for v in _listed(value))


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _member(vocabulary: type[E], value: object) -> E:
    """The vocabulary's member of that value; ValueError naming the vocabulary for any other."""
    try:
        return vocabulary(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a {vocabulary.__name__.lower()}") from None
