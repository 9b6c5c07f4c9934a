"""Scan history in SQLite: each scan stored as its JSON report with its parameters, and loaded back as records."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.declared.export import declaration_dict, declaration_of
from scanner.declared.records import Declaration
from scanner.errors import CamauditError, UsageError
from scanner.model import ScanResult, utc_now
from scanner.report.bundle.params import BundleParams, params_from_dict, params_to_dict
from scanner.report.json_report import from_dict, to_dict
from scanner.vocabulary import FACE_VERDICTS

SCHEMA_VERSION = 2
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
    # The operator's declared inventory a scan was reconciled with: its rows as read, and the file itself.
    """
    CREATE TABLE declarations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        scan_id INTEGER NOT NULL REFERENCES scans (id),
        stored_at TEXT NOT NULL,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        declaration TEXT NOT NULL,
        original BLOB NOT NULL
    );
    CREATE INDEX declarations_scan ON declarations (scan_id);
    """,
)


class HistoryError(CamauditError):
    """The history database cannot be opened or read (corrupt, or made by a newer camaudit)."""


def _why(exc: BaseException) -> str:
    return str(exc.strerror or exc) if isinstance(exc, OSError) else str(exc)


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


@dataclass(frozen=True)
class LoadedScan:
    """A stored scan read back: its records, and the scan parameters stored with it (None when there were none)."""

    result: ScanResult
    params: BundleParams | None


class History:
    """The scan history database; use as a context manager. Reports are stored verbatim as JSON text.

    `create=False` (the commands that only read: history, diff, report) opens an existing history and nothing
    else: a mistyped `--db` creates no directory and no empty database, and another SQLite file is not touched.
    """

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        if not create and not path.is_file():
            raise HistoryError(f"there is no scan history at {path} (a scan stores one there: camaudit scan --db)")
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._db = sqlite3.connect(path)
            else:
                self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)  # never creates
        except (sqlite3.Error, OSError) as exc:
            raise HistoryError(f"cannot open the scan history {path}: {_why(exc)}") from None
        try:
            self._migrate(create)
        except sqlite3.Error as exc:
            self._db.close()
            raise HistoryError(f"cannot open the scan history {path}: {exc}") from None
        except HistoryError:
            self._db.close()
            raise
        if create:
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

    def _migrate(self, create: bool = True) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise HistoryError(f"{self.path} was made by a newer camaudit (schema {version}); upgrade camaudit")
        if version == 0 and not create:
            raise HistoryError(f"{self.path} is not a camaudit scan history")
        for number in range(version, len(MIGRATIONS)):
            with self._db:
                self._db.executescript(f"BEGIN; {MIGRATIONS[number]} PRAGMA user_version = {number + 1}; COMMIT;")

    def add(self, result: ScanResult, params: BundleParams | None = None) -> int:
        """Store a scan as its JSON report (and the bundle's scan parameters, if any); returns its scan id."""
        text = json.dumps(to_dict(result), sort_keys=True, ensure_ascii=False)
        cameras = [d for d in result.devices if d.is_camera]
        row = (
            utc_now(),
            result.started_at,
            result.finished_at,
            json.dumps(list(result.targets)),
            result.tool_version,
            len(result.devices),
            len(cameras),
            sum(1 for d in cameras if d.face_analytics in FACE_VERDICTS),
            hashlib.sha256(text.encode("utf-8")).hexdigest(),
            text,
            None if params is None else json.dumps(params_to_dict(params), sort_keys=True, ensure_ascii=False),
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

    def load(self, scan_id: int) -> LoadedScan:
        """A stored scan and its parameters; UsageError for an unknown id."""
        return LoadedScan(self.load_scan(scan_id), self.load_params(scan_id))

    def load_scan(self, scan_id: int) -> ScanResult:
        """The records of a stored scan, read from its JSON report as stored; UsageError for an unknown id."""
        return from_dict(json.loads(self._column(scan_id, "report")))

    def load_params(self, scan_id: int) -> BundleParams | None:
        """The bundle parameters stored with a scan, or None."""
        text = self._column(scan_id, "params")
        return None if text is None else params_from_dict(json.loads(text))

    def add_declaration(self, scan_id: int, declaration: Declaration) -> int:
        """Keep the inventory a scan was reconciled with (its rows and the file); the latest one is the scan's."""
        self._column(scan_id, "id")  # UsageError for an unknown scan
        text = json.dumps(declaration_dict(declaration), sort_keys=True, ensure_ascii=False)
        row = (scan_id, utc_now(), declaration.source, declaration.sha256, text, declaration.original)
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO declarations (scan_id, stored_at, source, sha256, declaration, original)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
        return int(cursor.lastrowid or 0)

    def load_declaration(self, scan_id: int) -> Declaration | None:
        """The latest inventory kept with a scan, or None."""
        found = self._db.execute(
            "SELECT declaration, original FROM declarations WHERE scan_id = ? ORDER BY id DESC LIMIT 1", (scan_id,)
        ).fetchone()
        return None if found is None else declaration_of(json.loads(found[0]), bytes(found[1]))

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
        if re.fullmatch(r"-[0-9]{1,18}", text) and ids and 1 <= -int(text) <= len(ids):
            return ids[int(text)]
        if text.isascii() and text.isdigit() and len(text) < 19 and int(text) in ids:
            return int(text)
        raise UsageError(f"no scan {ref!r} in {self.path} (see camaudit history)")
