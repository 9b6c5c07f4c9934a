"""Scan history in SQLite (every stored JSON report, schema-versioned) and the diff between two scans."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import CamauditError, UsageError
from scanner.model import utc_now
from scanner.report.i18n import Catalog

SCHEMA_VERSION = 1
REPORT_SCHEMA = 1  # the JSON report's schema_version this store understands
MAX_REPORT = 64 << 20
FACE = ("active", "configured", "capable")
# MIGRATIONS[i] takes a database from user_version i to i + 1; append, never edit.
MIGRATIONS = (
    """
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        stored_at TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        targets TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        devices INTEGER NOT NULL,
        cameras INTEGER NOT NULL,
        face INTEGER NOT NULL,
        report_sha256 TEXT NOT NULL,
        report TEXT NOT NULL,
        params TEXT
    );
    CREATE INDEX scans_started ON scans (started_at);
    """,
)


class HistoryError(CamauditError):
    """The history database cannot be opened or read (corrupt, or made by a newer camaudit)."""


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME/camaudit/history.db, or ~/.local/share/camaudit/history.db (XDG ignores relative paths)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path(env.get("HOME") or Path.home()) / ".local/share"
    return root / "camaudit" / "history.db"


@dataclass(frozen=True)
class StoredScan:
    """One row of `camaudit history`."""

    id: int
    stored_at: str
    started_at: str
    finished_at: str
    targets: tuple[str, ...]
    tool_version: str
    devices: int
    cameras: int
    face: int
    report_sha256: str


def check_report(report: object) -> dict[str, Any]:
    """The report if it is a camaudit JSON report this version reads, else UsageError."""
    if not isinstance(report, dict) or report.get("schema_version") != REPORT_SCHEMA:
        raise UsageError(f"not a camaudit JSON report with schema_version {REPORT_SCHEMA}")
    if not isinstance(report.get("scan"), dict) or not isinstance(report.get("devices"), list):
        raise UsageError("the JSON report has no `scan` table or no `devices` list")
    return report


def read_report(path: Path) -> dict[str, Any]:
    """A JSON report file (as written by `camaudit scan -o`), checked."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REPORT + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_REPORT:
        raise UsageError(f"{path} is larger than {MAX_REPORT} bytes: not a camaudit report")
    try:
        return check_report(json.loads(data))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None


class History:
    """The scan history database; use as a context manager. Reports are stored verbatim as JSON text."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._db = sqlite3.connect(path)
            self._migrate()
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open the scan history {path}: {exc}") from None
        try:
            path.chmod(0o600)  # reports hold evidence from the premises: owner-only
        except OSError:
            pass  # not ours to change (e.g. a shared file); the data is still stored

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise HistoryError(f"{self.path} was made by a newer camaudit (schema {version}); upgrade camaudit")
        for number in range(version, len(MIGRATIONS)):
            with self._db:
                self._db.executescript(f"BEGIN; {MIGRATIONS[number]} PRAGMA user_version = {number + 1}; COMMIT;")

    def add(self, report: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> int:
        """Store a report (and the bundle's scan parameters, if any); returns its scan id."""
        report = check_report(dict(report))
        text = json.dumps(report, sort_keys=True, ensure_ascii=False)
        scan, devices = report["scan"], report["devices"]
        cameras = [d for d in devices if d.get("is_camera")]
        row = (
            utc_now(),
            str(scan.get("started_at", "")),
            str(scan.get("finished_at", "")),
            json.dumps(list(scan.get("targets") or [])),
            str((report.get("tool") or {}).get("version", "")),
            len(devices),
            len(cameras),
            sum(1 for d in cameras if d.get("face_analytics") in FACE),
            hashlib.sha256(text.encode("utf-8")).hexdigest(),
            text,
            None if params is None else json.dumps(dict(params), sort_keys=True, ensure_ascii=False),
        )
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO scans (stored_at, started_at, finished_at, targets, tool_version, devices, cameras,"
                " face, report_sha256, report, params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        return int(cursor.lastrowid or 0)

    def list_scans(self) -> tuple[StoredScan, ...]:
        """Every stored scan, oldest first."""
        rows = self._db.execute(
            "SELECT id, stored_at, started_at, finished_at, targets, tool_version, devices, cameras, face,"
            " report_sha256 FROM scans ORDER BY id"
        ).fetchall()
        return tuple(StoredScan(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), *r[5:]) for r in rows)

    def load_scan(self, scan_id: int) -> dict[str, Any]:
        """The JSON report of a stored scan, exactly as stored; UsageError for an unknown id."""
        return check_report(json.loads(self._column(scan_id, "report")))

    def load_params(self, scan_id: int) -> dict[str, Any] | None:
        """The bundle parameters stored with a scan, or None."""
        text = self._column(scan_id, "params")
        return None if text is None else dict(json.loads(text))

    def _column(self, scan_id: int, column: str) -> Any:
        row = self._db.execute(f"SELECT {column} FROM scans WHERE id = ?", (scan_id,)).fetchone()  # noqa: S608
        if row is None:
            raise UsageError(f"no scan {scan_id} in {self.path} (see camaudit history)")
        return row[0]

    def resolve(self, ref: str) -> int:
        """A scan id from what a user types: `12`, `latest`, or `-1` (latest), `-2` (the one before)..."""
        ids = [s.id for s in self.list_scans()]
        text = ref.strip().lower()
        if text in ("latest", "last"):
            text = "-1"
        if re.fullmatch(r"-\d+", text) and ids and 1 <= -int(text) <= len(ids):
            return ids[int(text)]
        if text.isdigit() and int(text) in ids:
            return int(text)
        raise UsageError(f"no scan {ref!r} in {self.path} (see camaudit history)")


# ---- the diff between two reports (pure)


@dataclass(frozen=True)
class DeviceRef:
    """A device as the diff shows it."""

    address: str
    mac: str | None
    serial: str | None
    vendor: str | None
    model: str | None
    is_camera: bool
    face_analytics: str


@dataclass(frozen=True)
class Moved:
    """Same device (by serial or MAC) at a new address."""

    before: DeviceRef
    after: DeviceRef
    key: str


@dataclass(frozen=True)
class VerdictChange:
    """Same device, different face-analytics verdict; `key` says how it was matched."""

    before: DeviceRef
    after: DeviceRef
    key: str


@dataclass(frozen=True)
class ScanDiff:
    added: tuple[DeviceRef, ...]
    removed: tuple[DeviceRef, ...]
    moved: tuple[Moved, ...]
    verdict_changed: tuple[VerdictChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.moved or self.verdict_changed)


def _ref(device: Mapping[str, Any]) -> DeviceRef:
    return DeviceRef(
        address=str(device.get("address", "")),
        mac=_mac(device.get("mac")),
        serial=_serial(device.get("serial")),
        vendor=device.get("vendor"),
        model=device.get("model"),
        is_camera=bool(device.get("is_camera")),
        face_analytics=str(device.get("face_analytics", "unknown")),
    )


def _serial(value: object) -> str | None:
    text = str(value).strip().upper() if value else ""
    return text or None


def _mac(value: object) -> str | None:
    digits = re.sub(r"[^0-9a-f]", "", str(value).lower()) if value else ""
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)) if len(digits) == 12 else None


def _conflict(a: DeviceRef, b: DeviceRef, key: str) -> bool:
    """Two records that a stronger key says are different devices (serial beats MAC beats address)."""
    serials = bool(a.serial and b.serial and a.serial != b.serial)
    macs = bool(a.mac and b.mac and a.mac != b.mac)
    return key == "mac" and serials or key == "address" and (serials or macs)


_KEYS: tuple[tuple[str, Callable[[DeviceRef], str | None]], ...] = (
    ("serial", lambda r: r.serial),
    ("mac", lambda r: r.mac),
    ("address", lambda r: r.address or None),
)


def diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> ScanDiff:
    """What changed from report `a` to report `b`. Devices are matched by serial, then MAC, then address;
    a value shared by two devices of one scan matches nothing (it does not identify a device)."""
    old = [_ref(d) for d in a.get("devices") or ()]
    new = [_ref(d) for d in b.get("devices") or ()]
    free_old, free_new = set(range(len(old))), set(range(len(new)))
    pairs: list[tuple[DeviceRef, DeviceRef, str]] = []
    for key, value_of in _KEYS:
        by_old, by_new = _unique(old, free_old, value_of), _unique(new, free_new, value_of)
        for value, i in by_old.items():
            j = by_new.get(value)
            if j is None or _conflict(old[i], new[j], key):
                continue
            pairs.append((old[i], new[j], key))
            free_old.discard(i)
            free_new.discard(j)
    pairs.sort(key=lambda p: p[1].address)
    return ScanDiff(
        added=tuple(sorted((new[j] for j in free_new), key=lambda r: r.address)),
        removed=tuple(sorted((old[i] for i in free_old), key=lambda r: r.address)),
        moved=tuple(Moved(x, y, k) for x, y, k in pairs if x.address != y.address),
        verdict_changed=tuple(VerdictChange(x, y, k) for x, y, k in pairs if x.face_analytics != y.face_analytics),
    )


def _unique(refs: Sequence[DeviceRef], free: set[int], value_of: Callable[[DeviceRef], str | None]) -> dict[str, int]:
    seen: dict[str, list[int]] = {}
    for i in sorted(free):
        value = value_of(refs[i])
        if value:
            seen.setdefault(value, []).append(i)
    return {value: found[0] for value, found in seen.items() if len(found) == 1}


def diff_lines(result: ScanDiff, catalog: Catalog) -> list[str]:
    """The diff as plain sentences in the catalogue's language, for the console."""

    def label(ref: DeviceRef) -> str:
        name = " ".join(x for x in (ref.vendor, ref.model) if x)
        return f"{name} ({ref.address})" if name else ref.address

    def word(verdict: str) -> str:
        key = f"verdict.{verdict}.word"
        return catalog.t(key) if catalog.has(key) else verdict

    lines = [catalog.t("diff.added", device=label(r)) for r in result.added]
    lines += [catalog.t("diff.removed", device=label(r)) for r in result.removed]
    lines += [
        catalog.t(
            "diff.moved",
            device=label(m.after),
            before=m.before.address,
            after=m.after.address,
            key=catalog.t(f"diff.by_{m.key}"),
        )
        for m in result.moved
    ]
    lines += [
        catalog.t(
            "diff.verdict",
            device=label(v.after),
            before=word(v.before.face_analytics),
            after=word(v.after.face_analytics),
        )
        for v in result.verdict_changed
    ]
    return lines or [catalog.t("diff.none")]
