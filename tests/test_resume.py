"""`camaudit scan --resume`: a demo scan stopped by a real SIGINT mid-audit, then resumed, gives the verdicts of an
uninterrupted scan; only the devices the stopped scan did not finish are audited again."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

import scanner.progress
from scanner.cli.main import main
from scanner.lab import Lab
from scanner.model import ScanResult
from scanner.pipeline.resume import merged, unfinished
from tests.report.sample import device, report_with

NETWORK = "127.77.155.0/24"


class _InterruptAfter(scanner.progress.NullProgress):
    """Sends this process a SIGINT (as Ctrl-C does) once `count` devices are audited."""

    def __init__(self, count: int) -> None:
        super().__init__(quiet=True)
        self.left = count

    def advance(self, address: str | None = None) -> None:
        self.left -= 1
        if self.left == 0:
            os.kill(os.getpid(), signal.SIGINT)


def _verdicts(path: Path) -> dict[str, str]:
    return {d["address"]: d["face_analytics"] for d in json.loads(path.read_text(encoding="utf-8"))["devices"]}


@pytest.mark.lab
def test_a_sigint_stopped_scan_resumed_gives_the_verdicts_of_an_uninterrupted_one(tmp_path, monkeypatch, capsys):
    with Lab(network=NETWORK) as lab:
        logins = tmp_path / "logins.toml"
        logins.write_text(lab.credentials_toml(), encoding="utf-8")
        logins.chmod(0o600)
        common = ["--credentials", str(logins), "--no-nmap", "--no-progress", "--lang", "en"]
        assert main(
            ["scan", NETWORK, *common, "--db", str(tmp_path / "whole.db"), "-o", str(tmp_path / "whole.json")]
        ) in (0, 1)

        monkeypatch.setattr(scanner.progress, "make_progress", lambda *a, **k: _InterruptAfter(6))
        db = str(tmp_path / "h.db")
        code = main(["scan", NETWORK, *common, "--db", db, "--concurrency", "2", "-o", str(tmp_path / "stopped.json")])
        assert code == 130
        stopped = json.loads((tmp_path / "stopped.json").read_text(encoding="utf-8"))
        assert stopped["scan"]["partial"] is True
        left = [
            d["address"] for d in stopped["devices"] if any(n["code"] in ("interrupted",) for n in d["not_checked"])
        ]
        assert left, "the SIGINT came after every device was audited: the test proves nothing"

        monkeypatch.setattr(
            scanner.progress, "make_progress", lambda *a, **k: scanner.progress.NullProgress(quiet=True)
        )
        code = main(["scan", "--resume", "latest", *common, "--db", db, "-o", str(tmp_path / "resumed.json")])
    assert code in (0, 1), capsys.readouterr().err
    resumed = json.loads((tmp_path / "resumed.json").read_text(encoding="utf-8"))
    assert resumed["scan"]["partial"] is False and resumed["scan"]["targets"] == [NETWORK]
    assert _verdicts(tmp_path / "resumed.json") == _verdicts(tmp_path / "whole.json")
    note = next(e["message"] for e in resumed["errors"] if e["stage"] == "resume")
    assert f"{len(left)} device(s) audited again" in note
    finished = {d["address"]: d for d in stopped["devices"] if d["address"] not in left}
    for address, before in finished.items():  # the finished devices are kept as they were, not audited again
        after = next(d for d in resumed["devices"] if d["address"] == address)
        assert after["findings"] == before["findings"]


def test_a_finished_scan_has_nothing_to_resume(tmp_path, capsys):
    report = tmp_path / "done.json"
    report.write_text(json.dumps(report_with(device("127.0.0.5"))), encoding="utf-8")
    assert main(["scan", "--resume", str(report), "--no-history"]) == 2
    assert "nothing to resume" in capsys.readouterr().err


def test_resume_takes_no_targets(tmp_path, capsys):
    report = tmp_path / "done.json"
    report.write_text(json.dumps(report_with(device("127.0.0.5"))), encoding="utf-8")
    assert main(["scan", "127.0.0.1", "--resume", str(report), "--no-history"]) == 2
    assert "give no targets" in capsys.readouterr().err


def test_a_scan_stopped_before_any_device_runs_again_whole():
    stopped = ScanResult("2026-01-01T00:00:00Z", "2026-01-01T00:00:05Z", ("127.0.0.0/24",), (), partial=True)
    assert unfinished(stopped) is None
    again = ScanResult("2026-01-02T00:00:00Z", "2026-01-02T00:01:00Z", ("127.0.0.0/24",), ())
    whole = merged(stopped, again, None, "latest")
    assert whole.started_at == stopped.started_at and whole.partial is False
