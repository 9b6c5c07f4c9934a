"""The audit begins on the hosts of the first swept blocks while discovery sweeps the rest: the same devices and
verdicts as a sweep of everything first, discovery past its budget leaves the audits of what it found, a stop
during the sweep ends the scan without waiting for it, and the audit's core is chosen before nmap runs."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

import scanner.discovery.discover as discover
import scanner.pipeline.scan as scan
from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.lab import Lab
from scanner.model import ScanResult
from scanner.pipeline.resume import unfinished
from scanner.pipeline.scan import run_scan
from scanner.progress import NullProgress
from scanner.report.json_report import to_dict
from scanner.vocabulary import Reason
from tests.doubles.chosen_lab import chosen_lab

pytestmark = pytest.mark.lab
NETWORK = "127.77.163.0/24"  # this module's own loopback network
IDS = ("onvif-m-face", "hik-face", "rtsp-8554", "hik-sadp")


@pytest.fixture(scope="module")
def lab():
    with chosen_lab(NETWORK, IDS) as running:
        yield running


class _Seen(NullProgress):
    """Records what the scan told its progress display; `audited` is set at the first device audited."""

    def __init__(self) -> None:
        super().__init__(quiet=True)
        self.calls: list[tuple[object, ...]] = []
        self.audited = threading.Event()

    def stage(self, stage: str, total: int | None = None, count: int = 0) -> None:
        self.calls.append(("stage", stage, total, count))

    def advance(self, address: str | None = None) -> None:
        self.calls.append(("advance", address))
        self.audited.set()

    def found(self, total: int) -> None:
        self.calls.append(("found", total))


def _config(lab: Lab, tmp_path: Path, **extra: object) -> ScanConfig:
    creds = tmp_path / "lab-credentials.toml"
    creds.write_text(lab.credentials_toml(), encoding="utf-8")
    targets = tuple(d.address for d in lab.devices)
    return ScanConfig(targets=targets, credentials=load_credentials(creds), use_nmap=False, **extra)  # type: ignore[arg-type]


def _second_block_waits(
    monkeypatch: pytest.MonkeyPatch, lab: Lab, until: threading.Event, seconds: float
) -> list[bool]:
    """Blocks of two addresses; the second block's sweep waits for `until` (at most `seconds`). Returns the list
    in which that sweep notes whether `until` came."""
    monkeypatch.setattr(discover, "BLOCK", 2)
    second, waited, sweep = lab.devices[2].address, [], discover._sweep

    def slow(addresses: Sequence[str], config: ScanConfig, on_link: bool, use_nmap: bool) -> discover.PortScan:
        if second in addresses:
            waited.append(until.wait(seconds))
        return sweep(addresses, config, on_link, use_nmap)

    monkeypatch.setattr(discover, "_sweep", slow)
    return waited


def _verdicts(result: ScanResult) -> dict[str, tuple[object, ...]]:
    fields = ("face_analytics", "vendor", "model", "role", "findings", "discovered_by", "discovery", "not_checked")
    return {d["address"]: tuple(repr(_timeless(d.get(f))) for f in fields) for d in to_dict(result)["devices"]}


def _timeless(value: object) -> object:
    """`value` without the times things were read at (`at`), which differ from one scan to the next."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k != "at"}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def test_audits_begin_on_the_first_block_while_the_rest_is_swept(lab, tmp_path, monkeypatch):
    whole = run_scan(_config(lab, tmp_path))  # one block: everything swept before the first audit
    seen = _Seen()
    waited = _second_block_waits(monkeypatch, lab, seen.audited, 30.0)
    result = run_scan(_config(lab, tmp_path), progress=seen)
    assert waited == [True]  # a device of the first block was audited while the second block waited to be swept
    assert not result.partial and result.errors == ()
    assert _verdicts(result) == _verdicts(whole)  # the same devices, verdicts and discovery facts
    assert seen.calls[0] == ("stage", "discover", None, 4)
    assert seen.calls[1] == ("stage", "audit_found", None, 2)  # the first block's two hosts; more to come
    assert ("found", 4) in seen.calls and len([c for c in seen.calls if c[0] == "advance"]) == 4


def test_discovery_past_its_budget_leaves_the_audits_of_what_it_found(lab, tmp_path, monkeypatch):
    _second_block_waits(monkeypatch, lab, threading.Event(), 3.0)  # past the budget of 1 s
    result = run_scan(_config(lab, tmp_path, discovery_budget=1.0))
    assert result.partial
    assert [d.address for d in result.devices] == [d.address for d in lab.devices[:2]]
    assert all(n.reason != Reason.STAGE_BUDGET for d in result.devices for n in d.not_checked)  # audited in full
    (error,) = result.errors
    assert error.stage == "discover" and "discovery ran out of its 1 s before discovery finished" in error.message
    assert unfinished(result) is None  # resumed, the whole range is swept again (not only the devices cut short)


def test_a_stop_while_the_sweep_goes_on_ends_the_scan_without_waiting_for_it(lab, tmp_path, monkeypatch):
    seen, never = _Seen(), threading.Event()
    waited = _second_block_waits(monkeypatch, lab, never, 30.0)
    stop = threading.Event()
    seen.advance = lambda address=None: stop.set()  # type: ignore[method-assign]  # Ctrl-C at the first audit
    result = run_scan(_config(lab, tmp_path), progress=seen, stop=stop)
    assert waited == []  # the second block's sweep still waits: the scan did not wait for it
    never.set()
    assert result.partial and result.errors[-1].stage == "audit" and "interrupted" in result.errors[-1].message
    assert any(e.stage == "discover" and "before discovery finished" in e.message for e in result.errors)
    assert {d.address for d in result.devices} <= {d.address for d in lab.devices[:2]}


def test_the_audit_core_is_chosen_before_the_sweep_begins(lab, tmp_path, monkeypatch):
    order: list[str] = []
    monkeypatch.setattr(scan, "audit_core", lambda: order.append("core"))
    sweep = discover._sweep
    monkeypatch.setattr(discover, "_sweep", lambda *args: order.append("sweep") or sweep(*args))
    run_scan(_config(lab, tmp_path))
    assert order == ["core", "sweep"]


def test_discovery_failing_after_the_first_block_leaves_the_audits_of_what_it_found(lab, tmp_path, monkeypatch):
    monkeypatch.setattr(discover, "BLOCK", 2)
    second, sweep = lab.devices[2].address, discover._sweep

    def broken(addresses: Sequence[str], *args: object) -> discover.PortScan:
        if second in addresses:
            raise RuntimeError("a bug in the sweep")
        return sweep(addresses, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(discover, "_sweep", broken)
    result = run_scan(_config(lab, tmp_path))
    assert result.partial
    assert [d.address for d in result.devices] == [d.address for d in lab.devices[:2]]
    assert all(n.reason != Reason.STAGE_BUDGET for d in result.devices for n in d.not_checked)
    (error,) = result.errors
    assert error.stage == "discover" and error.message.startswith("discovery failed (RuntimeError)")
    assert unfinished(result) is None
