"""The habits command-line users bring from other tools: options anywhere, `-o -`, notes on stderr, diff's exit
code, target lists, help with examples, shell completion, and scope refusals that say what would help."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scanner.cli.main import build_parser, main
from scanner.cli.targets import gather_targets
from scanner.errors import UsageError


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    printed = capsys.readouterr()
    return code, printed.out, printed.err


@pytest.fixture
def no_scan(monkeypatch):
    import scanner.pipeline.scan

    def refuse(*args, **kwargs):
        raise AssertionError("no scan may start")

    monkeypatch.setattr(scanner.pipeline.scan, "run_scan", refuse)


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    from tests.report.sample import sample_report

    path = tmp_path / "scan.json"
    path.write_text(json.dumps(sample_report()), encoding="utf-8")
    return path


@pytest.mark.parametrize("argv", [["-v", "-q", "history"], ["history", "-v", "-q"], ["-v", "history", "-q"]])
def test_global_options_before_or_after_the_subcommand(argv):
    args = build_parser().parse_args(argv)
    assert args.verbose is True and args.quiet is True


def test_without_global_options_they_are_off():
    args = build_parser().parse_args(["history"])
    assert args.verbose is False and args.quiet is False


def test_dash_o_dash_is_stdout(tmp_path, report_file, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["report", str(report_file), "--format", "json", "-o", "-"], capsys)
    assert code == 0 and json.loads(out)["devices"] and not (tmp_path / "-").exists()
    assert "written" not in err


def test_a_pdf_to_stdout_is_bytes(tmp_path, report_file, capfdbinary, monkeypatch):
    pytest.importorskip("weasyprint")
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(report_file), "--format", "pdf", "-o", "-", "--lang", "en"]) == 0
    assert capfdbinary.readouterr().out.startswith(b"%PDF")


def test_notes_go_to_stderr_and_quiet_silences_them(tmp_path, report_file, capsys):
    out_file = tmp_path / "r.html"
    code, out, err = _run(["report", str(report_file), "-o", str(out_file)], capsys)
    assert code == 0 and out == "" and "written to" in err
    code, out, err = _run(["report", str(report_file), "-o", str(out_file), "-q"], capsys)
    assert code == 0 and out == "" and err == ""


def test_diff_exits_1_when_the_scans_differ_and_0_when_they_do_not(tmp_path, capsys):
    from tests.report.sample import device, report_with

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(report_with(device("127.0.0.5", serial="A1", face_analytics="capable"))))
    b.write_text(json.dumps(report_with(device("127.0.0.5", serial="A1", face_analytics="active"))))
    assert _run(["diff", str(a), str(b), "--lang", "en"], capsys)[0] == 1
    assert _run(["diff", str(a), str(a), "--lang", "en"], capsys)[0] == 0


def test_history_fits_80_columns_without_cutting_the_start_time(tmp_path, capsys, monkeypatch):
    from scanner.report.json_report import from_dict
    from scanner.store.history import History
    from tests.report.sample import device, report_with

    monkeypatch.setenv("COLUMNS", "80")
    db = tmp_path / "h.db"
    with History(db) as history:
        history.add(from_dict(report_with(device("127.0.0.5"))))
    code, out, _ = _run(["history", "--db", str(db), "--lang", "en"], capsys)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    started = report_with(device("127.0.0.5"))["scan"]["started_at"]
    assert started in out  # on one line, whole


def test_targets_from_comma_lists_and_a_file(tmp_path):
    listed = tmp_path / "targets.txt"
    listed.write_text("# the premises\n127.0.0.1, 127.0.0.2\n127.0.1.0/30  # the back office\n\n127.0.2.1-3\n")
    assert gather_targets(["127.0.0.9,127.0.0.10", "127.0.0.11"], listed) == (
        "127.0.0.9", "127.0.0.10", "127.0.0.11", "127.0.0.1", "127.0.0.2", "127.0.1.0/30", "127.0.2.1-3")  # fmt: skip
    with pytest.raises(UsageError, match="no target"):
        gather_targets([], None)
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(UsageError, match="names no target"):
        gather_targets([], empty)
    with pytest.raises(UsageError, match="cannot read"):
        gather_targets([], tmp_path / "missing.txt")


def test_scan_reads_dash_il_and_refuses_a_bad_target_in_it_before_any_traffic(tmp_path, capsys):
    listed = tmp_path / "targets.txt"
    listed.write_text("127.0.0.1\n8.8.8.8\n")
    code, _, err = _run(["scan", "-iL", str(listed), "--no-history"], capsys)
    assert code == 2 and "8.8.8.8" in err and "--allow-public" in err and err.count("\n") == 1


def test_a_link_local_ipv6_target_is_refused_up_front(capsys):
    code, _, err = _run(["scan", "fe80::1", "--no-history"], capsys)
    assert code == 2 and "fe80::1%eth0" in err and err.count("\n") == 1


def test_the_whole_internet_is_refused_without_suggesting_yes(capsys):
    code, _, err = _run(["scan", "0.0.0.0/0", "--yes", "--no-history"], capsys)
    assert code == 2 and "--yes" not in err and "at most" in err


def test_help_has_examples_and_no_code_comments():
    text = build_parser().format_help()
    assert "examples:" in text and "camaudit scan 192.168.1.0/24" in text and "exit codes:" in text
    assert "#" not in text and "Handler" not in text
    scan_help = next(a for a in build_parser()._subparsers._group_actions)  # type: ignore[union-attr]
    assert "-iL" in scan_help.choices["scan"].format_help()


def test_version_names_the_signature_set(capsys):
    from scanner.matching.loader import load_signatures

    code, out, _ = _run(["--version"], capsys)
    assert code == 0 and out.startswith("camaudit ") and load_signatures().digest[:12] in out


def test_version_counts_the_rules_as_validate_does(capsys):
    _, version, _ = _run(["--version"], capsys)
    _, validated, _ = _run(["signatures", "validate"], capsys)
    counted = re.search(r"\((\d+) rules in (\d+) files\)", version)
    assert counted is not None and validated.startswith(f"{counted.group(1)} rules in {counted.group(2)} files:")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_is_valid_and_completes_the_commands(tmp_path, capsys):
    code, script, _ = _run(["completion", "bash"], capsys)
    assert code == 0
    path = tmp_path / "camaudit.bash"
    path.write_text(script)
    subprocess.run(["bash", "-n", str(path)], check=True)  # noqa: S603,S607 - a syntax check of our script
    probe = f'source {path}; COMP_WORDS=(camaudit sc); COMP_CWORD=1; _shtab_camaudit; echo "${{COMPREPLY[@]}}"'
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603,S607
    assert "scan" in done.stdout.split()


def test_zsh_completion_names_the_options(capsys):
    code, script, _ = _run(["completion", "zsh"], capsys)
    assert code == 0 and "#compdef camaudit" in script and "--credentials" in script
