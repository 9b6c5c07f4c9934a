"""The benchmark's own pieces: measuring a child process, picking the critical path, checking the answer key, the
lab's lateness."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from bench.figures import DeviceWork, Limits, covered_by, lower_bound
from bench.lab_server import lateness
from bench.measure import run_measured
from bench.report import critical_path, differences
from tests.doubles.fleet import Fleet
from tests.doubles.tempo import RealSpeed, ThinkTime


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


def test_lateness_is_told_as_median_99th_percentile_and_most_in_ms():
    assert lateness([]) == {}
    late = [0.001] * 98 + [0.020, 0.500]  # one in a hundred 20 ms late, one half a second
    assert lateness(late) == {"median": 1.0, "p99": 500.0, "max": 500.0}
    assert lateness([0.003, 0.001, 0.002]) == {"median": 2.0, "p99": 3.0, "max": 3.0}


def test_a_device_at_real_speed_records_how_late_its_loop_woke_it():
    tempo = RealSpeed(ThinkTime(median=0.01, sigma=0.1, cap=0.05), connections=1)
    pause = tempo.think("127.0.0.1")
    assert pause is not None

    async def two_requests() -> None:
        await pause("GET / HTTP/1.1")
        await asyncio.gather(pause("GET /a HTTP/1.1"), _hog_the_loop(0.06))

    asyncio.run(two_requests())
    assert tempo.answered["127.0.0.1"] == 2 and len(tempo.late) == 2
    assert min(tempo.late) >= 0 and max(tempo.late) > 0.02  # the second slept ~10 ms but woke after the 60 ms hog


async def _hog_the_loop(seconds: float) -> None:
    time.sleep(seconds)  # noqa: ASYNC251 - blocks the loop on purpose


def test_the_floors_are_spread_over_the_limits_as_they_came():
    steps = ((0.0, 10), (2.0, 20), (5.0, 40))  # 10 devices at once for 2 s, then 20 for 3 s, then 40
    assert covered_by(15.0, steps) == 1.5  # within the first step
    assert covered_by(20.0, steps) == 2.0
    assert covered_by(50.0, steps) == 3.5  # 20 device-seconds in the first 2 s, 30 more at 20 at once
    assert covered_by(160.0, steps) == 7.0  # 80 by 5 s, then 40 at once for as long as needed
    assert covered_by(5.0, ((0.0, 64),)) == 5.0 / 64


def test_a_limit_raised_in_the_tail_does_not_lower_the_bound():
    # 100 devices, each 3 requests in a chain at 1 s: 300 device-seconds. The audit allowed 10 at once for 30 s,
    # then 100 for a tail of 3 s in which no device waited: its mean (about 18.2) would bound it at 16.5 s.
    work = [DeviceWork(requests=3, critical=3)] * 100
    trajectory = Limits(18.2, 2, None, 1.0, ((0.0, 10), (30.0, 100)))
    assert lower_bound(work, trajectory) == 30.0
    assert round(lower_bound(work, Limits(18.2, 2, None, 1.0)), 1) == 16.5  # the mean, when no trajectory is known
    assert lower_bound(work[:1], trajectory) == 3.0  # one device: its own chain
