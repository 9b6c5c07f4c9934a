"""Scope and input: more than a /16 needs --yes (and a /12 is the most ever), and every bad input, option or file
gets one clear line on stderr and exit code 2, before any traffic."""

from __future__ import annotations

import pytest

from scanner.cli.main import main
from scanner.errors import ScopeError
from scanner.scope import HARD_MAX_HOSTS, expand_targets


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors exit from inside parse_args
        code = int(exc.code or 0)
    return code, capsys.readouterr().err.strip()


def test_more_than_a_slash_16_needs_confirmation():
    for target in ("10.8.0.0/15", "10.0.0.0-10.1.0.1"):  # refused before expansion: their size alone says it
        with pytest.raises(ScopeError, match="pass --yes"):
            expand_targets([target])
    # The same rule with a lower threshold, so the test need not expand 131072 addresses.
    with pytest.raises(ScopeError, match="more than 300: pass --yes"):
        expand_targets(["10.9.0.0/24", "10.10.0.0/24"], max_hosts=300)  # two targets together count
    assert len(expand_targets(["10.9.0.0/24", "10.10.0.0/24"], max_hosts=300, confirmed=True)) == 508


def test_even_confirmed_a_scan_has_a_hard_ceiling():
    with pytest.raises(ScopeError, match=f"at most {HARD_MAX_HOSTS}"):
        expand_targets(["10.0.0.0/11"], confirmed=True)


def test_the_cli_refuses_a_large_range_in_one_line_and_exit_2(capsys):
    code, err = _run(["scan", "127.0.0.0/15", "--no-progress", "--no-history"], capsys)
    assert code == 2 and err.startswith("camaudit: error:") and "\n" not in err
    assert "--yes" in err and "131072 addresses" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["scan", "127.0.0.1", "--rate", "0"], "positive"),
        (["scan", "127.0.0.1", "--rate", "fast"], "not a number"),
        (["scan", "127.0.0.1", "--concurrency", "0"], "at least 1"),
        (["scan", "127.0.0.1", "--per-host", "50"], "per-host concurrency 1 to 8"),
        (["scan", "127.0.0.1", "--timeout", "-1"], "request timeout"),
        (["scan", "127.0.0.1", "--timeout", "nan"], "request timeout"),
        (["scan", "127.0.0.1", "--device-budget", "0"], "positive"),
        (["scan", "127.0.0.1", "--signatures", "/nonexistent/signatures"], "does not exist"),
        (["scan", "127.0.0.1", "--credentials", "/"], "credentials"),
        (["scan", "cam.example"], "names a host"),
        (["scan", "127.0.0.1/33"], "not a valid CIDR"),
        (["scan", "127.0.0.1", "--yes", "--rate"], "expected one argument"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, words, capsys):
    code, err = _run([*argv, "--no-progress", "--no-history"], capsys)
    assert code == 2, err
    assert err.startswith("camaudit: error:") and "\n" not in err and "Traceback" not in err
    assert words in err


def test_a_bad_signature_file_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "broken.toml").write_text("schema = 1\nname = [unterminated\n", encoding="utf-8")
    code, err = _run(["scan", "127.0.0.1", "--signatures", str(tmp_path), "--no-progress", "--no-history"], capsys)
    assert code == 2 and err.startswith("camaudit: error:") and "broken.toml" in err and "\n" not in err
