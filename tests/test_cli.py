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
    for bad in ("http", "0", "70000", "5-x", "1-99999999", "9" * 5000, "100-80", "\u00b2", ",", "80,"):
        with pytest.raises(UsageError, match="^--ports: "):
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
    printed = capsys.readouterr()
    assert f"{fmt.upper()} report written to {out}" in printed.err and printed.out == ""  # notes go to stderr


def test_history_diff_and_report_on_the_stored_scans(tmp_path, capsys):
    from scanner.report.json_report import from_dict
    from scanner.store.history import History
    from tests.report.sample import device, report_with

    db = tmp_path / "history.db"
    with History(db) as history:
        pass
    assert main(["history", "--db", str(db), "--lang", "en"]) == 0
    assert "No scan stored yet." in capsys.readouterr().out
    with History(db) as history:
        history.add(from_dict(report_with(device("127.0.0.5", serial="A1", face_analytics="capable"))))
        history.add(from_dict(report_with(device("127.0.0.6", serial="A1", face_analytics="active"))))
    assert main(["history", "--db", str(db), "--lang", "en"]) == 0
    assert "127.77.0.0/24" in capsys.readouterr().out
    assert main(["diff", "-2", "latest", "--db", str(db), "--lang", "en"]) == 1  # changes: 1, as diff(1)
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
    assert "files match the manifest" in capsys.readouterr().out
    (tmp_path / "b" / "report.json").write_text("{}")
    assert main(["verify", str(tmp_path / "b"), "--lang", "en"]) == 1


# ---- outputs: checked before any traffic, written before anything is printed, never through a link


def _run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors exit from inside parse_args
        code = int(exc.code or 0)
    return code, capsys.readouterr().err.strip()


@pytest.fixture
def no_scan(monkeypatch):
    """Fails the test if a scan starts (no traffic may be sent when an output cannot be written)."""
    import scanner.pipeline.scan

    def refuse(*args, **kwargs):
        raise AssertionError("the scan started although an output cannot be written")

    monkeypatch.setattr(scanner.pipeline.scan, "run_scan", refuse)


@pytest.mark.parametrize(
    ("option", "where", "words"),
    [
        ("-o", "a-file/report.json", "is not an existing directory"),
        ("-o", "missing/report.json", "is not an existing directory"),
        ("-o", "a-dir", "is a directory"),
        ("--bundle", "a-file/bundle", "is not a directory"),
        ("--bundle", "a-file", "is not a directory"),
        ("--bundle", "full-dir", "is not empty"),
        ("--sign-key", "a-file", "cannot read the signing key"),
        ("--sign-key", "missing.pem", "cannot read the signing key"),
        ("--db", "a-file/history.db", "is not a writable directory"),
        ("--db", "a-file", "cannot open the scan history"),
    ],
)
def test_an_output_that_cannot_be_written_stops_the_scan_before_any_traffic(
    tmp_path, capsys, no_scan, option, where, words
):
    # Issue 13: an unwritable -o lost the scan; a bad --sign-key left an unsigned bundle; a path under a file
    # gave a traceback and exit code 1 ("face analytics found").
    (tmp_path / "a-file").write_text("not a directory, not a key, not a database")
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "full-dir").mkdir()
    (tmp_path / "full-dir" / "x").write_text("x")
    argv = ["scan", "127.0.0.1", "--no-progress", option, str(tmp_path / where)]
    if option != "--db":
        argv += ["--db", str(tmp_path / "h.db")]
    if option == "--sign-key":
        argv += ["--bundle", str(tmp_path / "new-bundle")]
    code, err = _run(argv, capsys)
    assert code == 2, err
    assert err.startswith("camaudit: error:") and "\n" not in err and words in err
    assert not (tmp_path / "h.db").exists() and not (tmp_path / "new-bundle").exists()


def test_a_readable_credentials_file_gets_a_warning(tmp_path, capsys, no_scan, monkeypatch):
    creds = tmp_path / "logins.toml"
    creds.write_text('[[credentials]]\ntargets = ["127.0.0.1"]\nusername = "a"\npassword = "b"\n')
    creds.chmod(0o644)
    monkeypatch.setattr("scanner.cli.scan.check_outputs", lambda options: (_ for _ in ()).throw(UsageError("stop")))
    code, err = _run(["scan", "127.0.0.1", "--credentials", str(creds), "--no-history"], capsys)
    assert code == 2 and "warning: the credentials file" in err and "mode 644" in err and "chmod 600" in err
    creds.chmod(0o600)
    code, err = _run(["scan", "127.0.0.1", "--credentials", str(creds), "--no-history"], capsys)
    assert code == 2 and "warning" not in err


def test_files_are_written_before_anything_is_printed_and_the_manifest_has_the_window(tmp_path, monkeypatch):
    # Issue 13: the table was printed first; a device string that broke it lost the JSON, the bundle and the history.
    import json

    from scanner.cli import deliver as deliver_module
    from scanner.config import ScanConfig
    from scanner.store.history import History
    from tests.report.sample import sample_scan

    def broken_table(result, console, catalog=None):
        raise RuntimeError("the console broke")

    monkeypatch.setattr(deliver_module, "print_table", broken_table)
    options = deliver_module.OutputOptions(json_path=tmp_path / "r.json", bundle=tmp_path / "b", db=tmp_path / "h.db")
    config = ScanConfig(targets=("127.77.0.0/24",), observe=5.0)
    with pytest.raises(RuntimeError):
        deliver_module.deliver(sample_scan(), config, "d" * 64, options)
    assert json.loads((tmp_path / "r.json").read_text())["devices"]
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["params"]["observe_window"] == 5.0  # the real window, not null
    with History(tmp_path / "h.db", create=False) as history:
        assert len(history.list_scans()) == 1


def test_one_output_that_fails_does_not_stop_the_others(tmp_path, capsys):
    from scanner.cli.deliver import OutputOptions, deliver
    from scanner.config import ScanConfig
    from tests.report.sample import sample_scan

    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "planted").write_text("x")  # appeared during the scan
    options = OutputOptions(json_path=tmp_path / "r.json", bundle=tmp_path / "b", db=tmp_path / "h.db")
    with pytest.raises(UsageError, match="bundle: .* is not empty"):
        deliver(sample_scan(), ScanConfig(targets=("127.77.0.0/24",)), "d" * 64, options)
    assert (tmp_path / "r.json").is_file() and (tmp_path / "h.db").is_file()
    assert "Devices found" in capsys.readouterr().out  # printed all the same


@pytest.mark.parametrize("command", [["history"], ["report", "latest"], ["diff", "-2", "latest"]])
def test_reading_commands_with_a_mistyped_db_create_nothing(tmp_path, capsys, command):
    typo = tmp_path / "no-such-dir" / "histroy.db"
    code, err = _run([*command, "--db", str(typo)], capsys)
    assert code == 2 and "no scan history at" in err and "\n" not in err
    assert list(tmp_path.iterdir()) == []


def test_report_to_a_directory_is_a_clean_error(tmp_path, capsys):
    from tests.report.sample import sample_report

    source = _report_file(tmp_path, "scan.json", sample_report())
    code, err = _run(["report", str(source), "--format", "csv", "-o", str(tmp_path)], capsys)
    assert code == 2 and err.startswith("camaudit: error: cannot write") and "is a directory" in err


def test_a_bug_keeps_the_exit_code_contract(monkeypatch, capsys):
    def buggy(args):
        raise KeyError("\x1b]0;owned\x07")

    monkeypatch.setitem(COMMANDS, "history", buggy)
    code, err = _run(["history"], capsys)
    assert code == 2  # never Python's 1, which would say "face analytics found"
    assert err.startswith("camaudit: error: internal error (KeyError") and "\n" not in err and "\x1b" not in err
