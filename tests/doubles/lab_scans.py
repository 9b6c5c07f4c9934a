"""The module-scoped scans the lab integration tests share: the lab's logins in a private file, and the lab's
network scanned with them and without. Registered for every test (tests/conftest.py); a module that uses them
defines its own `lab` fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.credentials import Credentials, load_credentials
from scanner.model import ScanResult
from scanner.pipeline.scan import run_scan


@pytest.fixture(scope="module")
def creds_file(lab, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("creds") / "lab.toml"
    path.write_text(lab.credentials_toml(), encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def with_creds(lab, creds_file) -> ScanResult:
    return run_scan(ScanConfig(targets=(lab.network,), credentials=load_credentials(creds_file)))


@pytest.fixture(scope="module")
def without_creds(lab) -> ScanResult:
    return run_scan(ScanConfig(targets=(lab.network,), credentials=Credentials()))
