"""The CLI contract: exit code 2 and one line for bad input; port lists parsed."""

from __future__ import annotations

import argparse

import pytest

from scanner.cli.main import COMMANDS, build_parser, main
from scanner.cli.options import parse_ports
from scanner.config import CAMERA_PORTS
from scanner.errors import UsageError


def test_parse_ports():
    assert parse_ports("554,80,8000-8002") == (80, 554, 8000, 8001, 8002)
    assert parse_ports(None) == CAMERA_PORTS
    for bad in ("http", "0", "70000", "5-x"):
        with pytest.raises(UsageError):
            parse_ports(bad)


@pytest.mark.parametrize(
    "argv",
    [
        ["scan"],
        ["scan", "127.0.0.1", "--format", "xml"],
        ["scan", "127.0.0.1", "--ports", "abc"],
        ["scan", "127.0.0.1", "--credentials", "/nonexistent/creds.toml"],
        ["frobnicate"],
    ],
)
def test_bad_input_exits_2_with_one_line(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors exit from inside parse_args
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("camaudit: error:") and "\n" not in err and "Traceback" not in err


def test_public_target_refused(capsys):
    assert main(["scan", "8.8.8.8", "--no-progress"]) == 2
    assert "public" in capsys.readouterr().err


# ---- the dispatch table, and the commands on stored results through it


def test_every_subcommand_has_one_handler():
    subcommands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subcommands.choices) == set(COMMANDS)


def _report_file(tmp_path, name, report):
    import json

    path = tmp_path / name
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


@pytest.mark.parametrize(("fmt", "start"), [("html", b"<!DOCTYPE html>"), ("csv", b"\xef\xbb\xbf"), ("json", b"{")])
def test_report_re_renders_a_report_file(tmp_path, capsys, fmt, start):
    from tests.report.sample import sample_report

    source = _report_file(tmp_path, "scan.json", sample_report())
    out = tmp_path / f"out.{fmt}"
    assert main(["report", str(source), "--format", fmt, "-o", str(out), "--lang", "en"]) == 0
    assert out.read_bytes().startswith(start)
    assert f"{fmt.upper()} report written to {out}" in capsys.readouterr().out


def test_history_diff_and_report_on_the_stored_scans(tmp_path, capsys):
    from scanner.report.json_report import from_dict
    from scanner.store.history import History
    from tests.report.sample import device, report_with

    db = tmp_path / "history.db"
    assert main(["history", "--db", str(db), "--lang", "en"]) == 0
    assert "No scan stored yet." in capsys.readouterr().out
    with History(db) as history:
        history.add(from_dict(report_with(device("127.0.0.5", serial="A1", face_analytics="capable"))))
        history.add(from_dict(report_with(device("127.0.0.6", serial="A1", face_analytics="active"))))
    assert main(["history", "--db", str(db), "--lang", "en"]) == 0
    assert "127.77.0.0/24" in capsys.readouterr().out
    assert main(["diff", "-2", "latest", "--db", str(db), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "Moved: 127.0.0.6 from 127.0.0.5 to 127.0.0.6 (same serial number)" in printed
    out = tmp_path / "r.csv"
    assert main(["report", "latest", "--db", str(db), "--format", "csv", "-o", str(out), "--lang", "en"]) == 0
    assert "127.0.0.6" in out.read_text(encoding="utf-8-sig")


def test_verify_checks_a_bundle(tmp_path, capsys):
    from scanner.report.bundle.params import bundle_params
    from scanner.report.bundle.write import write_bundle
    from tests.report.sample import sample_result

    result = sample_result()
    write_bundle(result, bundle_params(("127.77.0.0/24",), (80,), result, "d" * 64), tmp_path / "b")
    assert main(["verify", str(tmp_path / "b"), "--lang", "en"]) == 0
    assert "The bundle is intact" in capsys.readouterr().out
    (tmp_path / "b" / "report.json").write_text("{}")
    assert main(["verify", str(tmp_path / "b"), "--lang", "en"]) == 1
