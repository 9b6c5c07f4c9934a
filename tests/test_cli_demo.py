"""`camaudit demo` as a new user runs it: its files go to a folder of its own (never the working directory nor the
user's scan history), and `--lang zh` turns the whole console into Chinese."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parent.parent


def _camaudit(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XDG_DATA_HOME=str(cwd / "xdg"), COLUMNS="80", PYTHONPATH=str(ROOT))
    return subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "scanner.cli.main", *argv], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def test_the_demo_keeps_its_files_to_itself_and_speaks_chinese(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    done = _camaudit(tmp_path, "demo", "--no-progress", "--lang", "zh", "--network", "127.77.153.0/24",
                     "--output-dir", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-out"]  # nothing in the working directory
    assert not (tmp_path / "xdg").exists()  # nor in the user's own history
    assert {"report.json", "bundle", "history.db"} <= {p.name for p in out.iterdir()}
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["devices"]
    assert "发现的设备" in done.stdout and "结论" in done.stdout and "Devices found" not in done.stdout
    assert "正在使用" in done.stdout and "In use" not in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    assert "JSON 报告已写入" in done.stderr and "证据包已写入" in done.stderr  # notes on stderr, in Chinese
    assert "模拟场所" in done.stderr and str(out) in done.stderr


def test_without_an_output_folder_the_demo_makes_a_temporary_one(tmp_path: Path) -> None:
    done = _camaudit(tmp_path, "demo", "--no-progress", "--no-credentials", "--network", "127.77.153.0/24")
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []
    folder = Path(next(line for line in done.stderr.splitlines() if "are in " in line).rsplit("are in ", 1)[1])
    try:
        assert folder.is_dir() and (folder / "history.db").is_file()
        # Without logins most cameras cannot be checked: the console says what would let camaudit check them.
        assert "could not be checked without a login" in done.stdout and "--credentials" in done.stdout
    finally:
        import shutil

        shutil.rmtree(folder)
