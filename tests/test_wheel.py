"""The built wheel is the tool: installed in a fresh virtual environment outside the tree, it validates its own
signature set and audits the demo premises (nothing may depend on running from a git checkout)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab  # builds, installs and runs: not part of the quick unit loop
ROOT = Path(__file__).resolve().parents[1]


def _run(argv: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["XDG_DATA_HOME"] = str(cwd / "xdg")  # the demo's history stays in the test's folder
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`camaudit` from the wheel, in a venv made for this test, run from a folder outside the tree."""
    place = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(place / "dist"), str(ROOT)], place)
    assert built.returncode == 0, built.stderr
    (wheel,) = (place / "dist").glob("camaudit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "scanner/signatures/hikvision.toml" in names and not any(n.startswith("tests/") for n in names)
    assert not any("/doubles/" in n or "hostile" in n for n in names), "test-only code does not ship"
    made = _run([sys.executable, "-m", "venv", str(place / "venv")], place)
    assert made.returncode == 0, made.stderr
    pip = _run([str(place / "venv/bin/python"), "-m", "pip", "install", "-q", str(wheel)], place, timeout=900)
    assert pip.returncode == 0, pip.stderr
    return place


def test_the_installed_wheel_validates_its_signatures(installed: Path) -> None:
    done = _run([str(installed / "venv/bin/camaudit"), "signatures", "validate"], installed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cases pass" in done.stdout


def test_the_installed_wheel_runs_the_demo(installed: Path) -> None:
    argv = [str(installed / "venv/bin/camaudit"), "demo", "--no-progress", "--network", "127.77.191.0/24"]
    done = _run(argv, installed)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "judged as the lab expects" in done.stderr


def test_the_installed_wheel_ships_the_inventory_template_and_the_demo_inventory(installed: Path) -> None:
    for flag in ("--template", "--demo-inventory"):
        done = _run([str(installed / "venv/bin/camaudit"), "reconcile", flag, "--lang", "zh"], installed)
        assert done.returncode == 0 and done.stdout.startswith("IP地址,MAC地址,序列号,"), done.stderr[-2000:]
