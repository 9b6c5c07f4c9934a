"""The CLI contract: exit code 2 and one line for bad input; port lists parsed."""

from __future__ import annotations

import pytest

from scanner.cli.main import main, parse_ports
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
