"""Memory stays bounded against endless and oversized answers: the scanner's peak resident set, measured in a child
process, grows by less than 100 MB while it audits devices that would send gigabytes if let."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.net.pace import DEVICE_BYTES
from tests.doubles.hostile import HOSTILE, HostileLab

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "http-endless-body",
    "http-oversized",
    "rtsp-endless-header",
    "xml-deep-nesting",
    "wsd-huge",
    "wsd-500-devices",
)
GROWTH_MB = 100


def test_endless_and_oversized_answers_keep_memory_bounded(tmp_path):
    by_id = {p.id: p for p in HOSTILE}
    chosen = (
        [by_id["soap-fault"]] + [by_id[name] for name in HEAVY] + [by_id["http-endless-body"], by_id["http-oversized"]]
    )
    with HostileLab("127.77.63.0/24", personas=chosen) as lab:
        credentials = tmp_path / "creds.toml"
        credentials.write_text(lab.credentials_toml(), encoding="utf-8")
        warmup, *heavy = (d.address for d in lab.devices)
        argv = [sys.executable, "-m", "tests.hostile.rss_child", str(credentials), warmup, *heavy]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=120, check=True)  # noqa: S603
    figures = json.loads(done.stdout)
    assert figures["after_mb"] - figures["before_mb"] < GROWTH_MB, figures
    assert figures["kept_bytes"] <= len(heavy) * (DEVICE_BYTES + (4 << 20))  # the evidence kept per device is capped
    assert all(figures["notes"][address] for address in heavy)  # and each device says what it was cut short of
