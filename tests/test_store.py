"""Scan history in SQLite, and the diff between two scans (matching by serial, then MAC, then address)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scanner.cli.stored import diff_lines
from scanner.errors import UsageError
from scanner.report.bundle.params import BundleParams
from scanner.report.i18n import load_catalog
from scanner.report.json_report import from_dict
from scanner.store import diff as store_diff
from scanner.store.history import SCHEMA_VERSION, History, HistoryError, default_db_path
from tests.report.sample import device, report_with, sample_report

PARAMS = BundleParams((), (80,), (), "", "", "", "inspector", "")


def diff(a, b):
    """The diff of two reports given as plain data (read into the records first, as the CLI does)."""
    return store_diff.diff(from_dict(a), from_dict(b))


# ---- the store


def test_default_path_follows_xdg():
    assert default_db_path({"XDG_DATA_HOME": "/data", "HOME": "/home/i"}) == Path("/data/camaudit/history.db")
    assert default_db_path({"HOME": "/home/i"}) == Path("/home/i/.local/share/camaudit/history.db")
    assert default_db_path({"XDG_DATA_HOME": "relative", "HOME": "/h"}) == Path("/h/.local/share/camaudit/history.db")


def test_scans_are_stored_listed_and_loaded_verbatim(tmp_path):
    path = tmp_path / "data" / "camaudit" / "history.db"
    first = from_dict(sample_report())
    second = from_dict(report_with(device("127.0.0.5"), started="2026-11-28T09:00:00.000Z"))
    with History(path) as history:
        a = history.add(first, params=PARAMS)
        b = history.add(second)
        scans = history.list_scans()
        assert [s.id for s in scans] == [a, b]
        assert (scans[0].devices, scans[0].cameras, scans[0].face) == (6, 5, 3)
        assert scans[0].targets == ("127.77.0.0/24",) and scans[0].tool_version == "0.1.0"
        assert history.load_scan(a) == first and history.load_scan(b) == second
        assert history.load_params(a) == PARAMS and history.load_params(b) is None
        assert history.load(a).result == first and history.load(a).params == PARAMS
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with History(path) as reopened:  # survives a new process
        assert reopened.load_scan(a) == first


def test_scan_references(tmp_path):
    with History(tmp_path / "h.db") as history:
        ids = [history.add(from_dict(sample_report())) for _ in range(3)]
        assert history.resolve("latest") == history.resolve("-1") == ids[-1]
        assert history.resolve("-2") == ids[1] and history.resolve(str(ids[0])) == ids[0]
        for bad in ("-4", "99", "yesterday", "\u00b2", "-\u0663", "9" * 5000, "-" + "9" * 5000):
            with pytest.raises(UsageError, match="camaudit history"):
                history.resolve(bad)
        with pytest.raises(UsageError):
            history.load_scan(99)


def test_the_schema_is_versioned(tmp_path):
    path = tmp_path / "h.db"
    History(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer camaudit"):
        History(path)


def test_a_declaration_is_kept_with_its_scan_and_a_version_1_history_is_migrated(tmp_path):
    from scanner.declared.records import Declaration, DeclaredRow, FaceUse
    from scanner.store.history import MIGRATIONS

    path = tmp_path / "h.db"
    with sqlite3.connect(path) as db:  # a history written by the camaudit before declarations
        db.executescript(f"BEGIN; {MIGRATIONS[0]} PRAGMA user_version = 1; COMMIT;")
    declared = Declaration(
        "inventory.xlsx", "ef" * 32, "xlsx", "Sheet1", "G",
        (DeclaredRow(2, address="127.77.0.13", serial="S1", face_use=FaceUse.NONE, face_text="无"),),
        original=b"PK\x03\x04...",
    )  # fmt: skip
    with History(path) as history:
        scan = history.add(from_dict(sample_report()))
        assert history.load_declaration(scan) is None
        history.add_declaration(scan, declared)
        history.add_declaration(scan, Declaration("newer.csv", "00" * 32, "csv", "utf-8", "B", declared.rows))
        with pytest.raises(UsageError):
            history.add_declaration(99, declared)
    with History(path) as reopened:
        kept = reopened.load_declaration(scan)
        assert kept is not None and kept.source == "newer.csv"  # the latest one is the scan's
        first = reopened._db.execute("SELECT declaration, original FROM declarations ORDER BY id").fetchone()
        assert bytes(first[1]) == declared.original and "127.77.0.13" in first[0]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2


def test_reading_a_history_that_is_not_there_creates_nothing(tmp_path):
    # Issue 13: `camaudit history --db <typo>` created the directories and an empty database.
    typo = tmp_path / "no-such-dir" / "histroy.db"
    with pytest.raises(HistoryError, match="no scan history at"):
        History(typo, create=False)
    assert not (tmp_path / "no-such-dir").exists()
    other = tmp_path / "someone-elses.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(HistoryError, match="not a camaudit scan history"):
        History(other, create=False)
    with sqlite3.connect(other) as db:  # untouched: no table of ours was added to it
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["t"]
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0


def test_a_history_path_under_a_file_is_one_clear_error(tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(HistoryError, match="cannot open the scan history"):
        History(tmp_path / "a-file" / "history.db")


# ---- the diff


HIK = {"vendor": "Hikvision", "model": "DS-2CD", "serial": "DS-1", "mac": "44:19:b6:00:00:10"}


def test_identical_scans_have_no_diff():
    assert diff(sample_report(), sample_report()).empty
    assert diff_lines(diff(sample_report(), sample_report()), load_catalog("en")) == ["No change."]


def test_added_and_removed():
    a = report_with(device("127.0.0.1"), device("127.0.0.2"))
    b = report_with(device("127.0.0.2"), device("127.0.0.3"))
    result = diff(a, b)
    assert [r.address for r in result.added] == ["127.0.0.3"]
    assert [r.address for r in result.removed] == ["127.0.0.1"]
    assert not result.moved and not result.verdict_changed


def test_a_camera_that_moved_is_matched_by_serial_even_with_a_new_mac():
    a = report_with(device("127.0.0.10", **HIK))
    b = report_with(device("127.0.0.99", **{**HIK, "mac": "44-19-B6-00-00-99"}))
    result = diff(a, b)
    assert not result.added and not result.removed
    moved = [(m.before.address, m.after.address, m.key) for m in result.moved]
    assert moved == [("127.0.0.10", "127.0.0.99", "serial")]


def test_a_camera_without_serial_is_matched_by_mac_in_any_spelling():
    a = report_with(device("127.0.0.10", mac="44:19:b6:00:00:10"))
    b = report_with(device("127.0.0.11", mac="4419.B600.0010"))
    assert [m.key for m in diff(a, b).moved] == ["mac"]


def test_a_changed_face_verdict_is_reported_with_the_match():
    a = report_with(device("127.0.0.10", face_analytics="capable", **HIK))
    b = report_with(device("127.0.0.10", face_analytics="active", **HIK))
    result = diff(a, b)
    assert [(v.before.face_analytics, v.after.face_analytics, v.key) for v in result.verdict_changed] == [
        ("capable", "active", "serial")
    ]
    assert not result.moved
    line = diff_lines(result, load_catalog("zh"))[0]
    assert line == "人脸分析结论变化：Hikvision DS-2CD (127.0.0.10)：具备能力 → 正在使用"


def test_device_strings_in_a_diff_never_reach_the_terminal_as_escapes():
    # Issue 13: a percent-decoded WS-Discovery scope (`%1b%5D0%3B...`) put raw ESC sequences on the console.
    hostile = {**HIK, "model": "DS\x1b]0;owned\x07\x1b[2J-2CD"}
    lines = diff_lines(diff(report_with(), report_with(device("127.0.0.10", **hostile))), load_catalog("en"))
    assert lines == ["New: Hikvision DS]0;owned[2J-2CD (127.0.0.10)"]


def test_moved_and_changed_at_once():
    a = report_with(device("127.0.0.10", face_analytics="not_found", **HIK))
    b = report_with(device("127.0.0.20", face_analytics="configured", **HIK))
    result = diff(a, b)
    assert len(result.moved) == 1 and len(result.verdict_changed) == 1
    lines = diff_lines(result, load_catalog("en"))
    assert "Moved: Hikvision DS-2CD (127.0.0.20) from 127.0.0.10 to 127.0.0.20 (same serial number)" in lines


def test_address_is_the_last_resort_and_never_joins_two_different_devices():
    same = diff(
        report_with(device("127.0.0.5", face_analytics="capable")),
        report_with(device("127.0.0.5", face_analytics="active")),
    )
    assert [v.key for v in same.verdict_changed] == ["address"]
    swapped = diff(report_with(device("127.0.0.5", serial="A1")), report_with(device("127.0.0.5", serial="B2")))
    assert [r.serial for r in swapped.removed] == ["A1"] and [r.serial for r in swapped.added] == ["B2"]


def test_a_serial_shared_by_two_devices_identifies_neither():
    # Cheap cameras often report the same placeholder serial; it must not pair the wrong devices.
    a = report_with(
        device("127.0.0.1", serial="0000", mac="00:00:00:00:00:01"),
        device("127.0.0.2", serial="0000", mac="00:00:00:00:00:02"),
    )
    b = report_with(
        device("127.0.0.2", serial="0000", mac="00:00:00:00:00:01"),
        device("127.0.0.1", serial="0000", mac="00:00:00:00:00:02"),
    )
    result = diff(a, b)
    assert sorted((m.before.address, m.after.address, m.key) for m in result.moved) == [
        ("127.0.0.1", "127.0.0.2", "mac"),
        ("127.0.0.2", "127.0.0.1", "mac"),
    ]


def test_a_persona_change_between_two_scans():
    # The sample premises, then: the Dahua camera switched face capture off and moved, the printer left,
    # a new camera arrived.
    before = sample_report()
    after = sample_report()
    dahua = after["devices"][1]
    dahua.update(address="127.77.0.31", face_analytics="not_found", findings=[])
    after["devices"] = [d for d in after["devices"] if d["address"] != "127.77.0.20"]
    after["devices"].append(device("127.77.0.40", vendor="Uniview", face_analytics="unknown"))
    result = diff(before, after)
    assert [r.address for r in result.added] == ["127.77.0.40"]
    assert [r.address for r in result.removed] == ["127.77.0.20"]
    assert [(m.before.address, m.after.address) for m in result.moved] == [("127.77.0.11", "127.77.0.31")]
    assert [(v.before.face_analytics, v.after.face_analytics) for v in result.verdict_changed] == [
        ("configured", "not_found")
    ]
