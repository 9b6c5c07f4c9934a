"""The core the audit's threads share: read from /proc/stat, the least busy one (pure)."""

from __future__ import annotations

import os
import threading

import pytest

from scanner.pipeline.cores import CoreMeter, cpu_times, quietest, share_core

BEFORE = """cpu  300 0 100 900 0 0 0 0 0 0
cpu0 100 0 50 450 0 0 0 0 0 0
cpu1 200 0 50 450 0 0 0 0 0 0
intr 12345
"""
AFTER = """cpu  600 0 100 1000 0 0 0 0 0 0
cpu0 400 0 50 450 0 0 0 0 0 0
cpu1 200 0 50 550 0 0 0 0 0 0
intr 12399
"""


def test_cpu_times_reads_each_core_and_leaves_the_total_and_other_lines_out():
    assert cpu_times(BEFORE) == {0: (150, 600), 1: (250, 700)}


def test_the_quietest_allowed_core_is_chosen():
    before, after = cpu_times(BEFORE), cpu_times(AFTER)
    assert quietest(before, after, {0, 1}) == 1  # core 0 was busy (a CPU hog), core 1 idle
    assert quietest(before, after, {0}) == 0  # the only one allowed
    assert quietest(before, after, {5}) is None  # no such core
    assert quietest(before, before, {0, 1}) == 0  # no time passed: a tie, the lowest number


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_share_core_puts_the_calling_thread_only_on_the_core():
    mine = os.sched_getaffinity(0)
    core = min(mine)
    seen: list[set[int]] = []

    def worker() -> None:
        share_core({core})
        seen.append(os.sched_getaffinity(0))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [{core}] and os.sched_getaffinity(0) == mine  # the caller's own cores are untouched
    share_core(None)  # no core chosen: nothing changes
    assert os.sched_getaffinity(0) == mine


def test_a_core_meter_says_how_busy_its_core_was_between_two_looks():
    looks = iter(
        [
            "cpu0 100 0 100 800 0 0 0 0\ncpu1 0 0 0 1000 0 0 0 0\n",  # busy 200 of 1000 ticks so far
            "cpu0 150 0 200 850 0 0 0 0\ncpu1 0 0 0 1200 0 0 0 0\n",  # +150 busy of +200 ticks
            "cpu0 150 0 200 850 0 0 0 0\ncpu1 0 0 0 1300 0 0 0 0\n",  # no tick on cpu0 since
        ]
    )
    meter = CoreMeter(0, lambda: next(looks))
    assert meter.share() == 0.75
    assert meter.share() is None  # no time passed on that core: nothing to say
    assert CoreMeter(7, lambda: "cpu0 1 0 0 1 0 0 0 0\n").share() is None  # a core /proc/stat does not list
