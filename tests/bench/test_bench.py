"""The benchmark's own pieces: measuring a child process, picking the critical path, checking the answer key."""

from __future__ import annotations

import sys

import pytest

from bench.measure import run_measured
from bench.report import critical_path, differences
from tests.doubles.fleet import Fleet


def test_a_child_is_measured_with_its_own_cpu_and_memory():
    # Allocates ~40 MB and spins a little: both must show in the child's figures, not in ours.
    usage = run_measured([sys.executable, "-c", "x = bytearray(40 << 20); sum(range(3_000_000))"])
    assert usage.exit_code == 0
    assert usage.peak_rss_mb > 40
    assert 0 < usage.cpu_s <= usage.wall_s + 0.05


def test_a_failing_child_is_reported_with_its_error():
    with pytest.raises(RuntimeError, match="boom"):
        run_measured([sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"])


def test_the_critical_path_is_the_slowest_chain_of_any_device():
    traces = [
        {"critical_requests": 20, "critical_s": 0.3},
        {"critical_requests": 6, "critical_s": 4.1},  # waited on a silent port
    ]
    assert critical_path(traces) == (6, 4.1)
    assert critical_path([])[0] == 0


def test_the_answer_key_check_names_each_difference():
    devices = Fleet(2, network="127.77.43.0/24").devices  # never started: only its answer key is read
    report = [
        {
            "address": d.address,
            "vendor": d.persona.expect.vendor,
            "model": d.persona.expect.model,
            "is_camera": d.persona.expect.is_camera,
            "face_analytics": d.persona.expect.face_analytics,
        }
        for d in devices
    ]
    assert differences(report, devices) == []
    report[0]["face_analytics"] = "unknown"
    wrong = differences(report[:1], devices)
    assert len(wrong) == 2 and "face_analytics is 'unknown'" in wrong[0] and "not found" in wrong[1]
