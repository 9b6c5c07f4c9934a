"""Ctrl-C or SIGTERM during a scan: a valid report marked partial, with what was gathered, and exit code 130.

The CLI runs as a subprocess against slow hostile devices (drips, silences, stalls) so the audit is surely under
way when the signal comes; an earlier report at the same path is replaced whole, never left half-written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.cli.main import EXIT_INTERRUPTED
from tests.doubles.hostile import HOSTILE, HostileLab

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]
SLOW = ("soap-fault", "http-drip-body", "http-silent", "tls-stall", "rtsp-drip", "http-drip-head")


@pytest.fixture(scope="module")
def lab():
    with HostileLab("127.77.62.0/24", personas=[p for p in HOSTILE if p.id in SLOW]) as running:
        yield running


def _scan(lab: HostileLab, report: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "scanner.cli.main", "scan", *(d.address for d in lab.devices), "--no-progress",
            "--no-nmap", "--format", "json", "-o", str(report), "--no-history", "--timeout", "15"]  # fmt: skip
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603


def _wait_for_audit(lab: HostileLab, proc: subprocess.Popen[bytes], before: int) -> None:
    """Until this scan's audit has asked the first device something (the ONVIF device's web page)."""
    deadline = time.monotonic() + 30
    while lab.counts["soap-fault:GET /"] == before:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the audit never started"
        time.sleep(0.05)
    time.sleep(0.5)  # the slow devices are now mid-answer: their drips last 20 s


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_audit_writes_a_valid_partial_report(lab, tmp_path, signum):
    report = tmp_path / "report.json"
    report.write_text('{"an": "earlier report"}\n', encoding="utf-8")
    before = lab.counts["soap-fault:GET /"]
    proc = _scan(lab, report, tmp_path)
    _wait_for_audit(lab, proc, before)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == EXIT_INTERRUPTED == 130, err.decode()
    assert b"Traceback" not in err and b"partial" in err
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written == json.loads(out)  # stdout and the file carry the same, whole report
    assert written["scan"]["partial"] is True
    assert any(e["stage"] == "audit" and "interrupted" in e["message"] for e in written["errors"])
    devices = {d["address"]: d for d in written["devices"]}
    assert set(devices) == {d.address for d in lab.devices}  # every device is in it, audited or not
    gathered = devices[lab.device("soap-fault").address]["not_checked"]
    assert any("SOAP fault" in n["reason"] for n in gathered)  # the evidence gathered before the signal
    # the slow devices' exchanges (15 s a read, drips far longer) were all still under way when the signal came
    cut = {p: sorted({n["code"] for n in devices[lab.device(p).address]["not_checked"]}) for p in SLOW[1:]}
    assert all(any("interrupted" in n["reason"] for n in devices[lab.device(p).address]["not_checked"])
               for p in cut), cut  # fmt: skip
