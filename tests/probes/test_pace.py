"""Pace: the per-device cap on requests in flight holds across threads, and the scan rate spaces request starts."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from scanner.errors import ProbeError
from scanner.net import exchanges
from scanner.net import pace as pace_module
from scanner.net.pace import UNPACED, ClosedUnanswered, HostPace, Pace
from scanner.vocabulary import Reason


def _max_in_flight(host_pace, threads: int) -> int:
    """Run `threads` workers that each hold one slot while all others try; the most seen inside at once."""
    inside, most, lock = 0, 0, threading.Lock()
    barrier = threading.Barrier(threads)

    def work() -> None:
        nonlocal inside, most
        barrier.wait()
        for _ in range(20):
            with host_pace:
                with lock:
                    inside += 1
                    most = max(most, inside)
                threading.Event().wait(0.001)  # hold the slot while the other workers try to get one
                with lock:
                    inside -= 1

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return most


def test_a_device_never_has_more_requests_in_flight_than_its_cap():
    assert _max_in_flight(Pace(per_host=2).host("127.0.0.1"), threads=6) == 2


def test_without_a_cap_every_worker_gets_in():
    assert _max_in_flight(UNPACED, threads=4) == 4


def test_each_address_has_its_own_slots_and_callers_share_them():
    pace = Pace(per_host=1)
    assert pace.host("127.0.0.1") is pace.host("127.0.0.1")
    assert pace.host("127.0.0.1") is not pace.host("127.0.0.2")
    with pace.host("127.0.0.1"):
        with pace.host("127.0.0.2"):  # another device's slot is free: no deadlock
            pass
    pace.release("127.0.0.1")
    assert pace.host("127.0.0.1") is not None


class _Clock:
    """A fake monotonic clock: sleeping advances it, so the rate is checked without waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_the_rate_spaces_request_starts_evenly(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(pace_module, "time", clock)
    pace = Pace(per_host=2, rate=4.0)
    starts = []
    for address in ("127.0.0.1", "127.0.0.2", "127.0.0.1", "127.0.0.3", "127.0.0.2"):
        with pace.host(address):  # the rate is scan-wide: every device's requests count
            starts.append(clock.now)
    assert starts == [100.0, 100.25, 100.5, 100.75, 101.0]


def test_no_rate_means_no_waiting(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(pace_module, "time", clock)
    pace = Pace(per_host=2)
    for _ in range(10):
        with pace.host("127.0.0.1"):
            pass
    assert clock.sleeps == []


@pytest.mark.parametrize("per_host, rate", [(-1, None), (2, 0.0), (2, -3.0)])
def test_nonsense_limits_are_refused(per_host, rate):
    with pytest.raises(ValueError):
        Pace(per_host=per_host, rate=rate)


def _attempts(*failures: BaseException | None):
    """An attempt that raises each of `failures` in turn (None: answers), and the list of calls made."""
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        failure = failures[len(calls) - 1]
        if failure is not None:
            raise failure
        return "answer"

    return attempt, calls


def test_a_request_that_timed_out_is_asked_once_more_when_the_budget_allows():
    host = Pace(per_host=2).host("127.0.0.1")
    host.limit(60)
    attempt, calls = _attempts(TimeoutError(), None)
    assert host.once_more(4.0, attempt) == "answer" and len(calls) == 2 and host.retries == 1
    attempt, calls = _attempts(ProbeError("slow", Reason.TIMED_OUT), ProbeError("slow", Reason.TIMED_OUT), None)
    with pytest.raises(ProbeError):
        host.once_more(4.0, attempt)  # asked twice, never a third time
    assert len(calls) == 2
    for never in (ProbeError("refused", Reason.LOGIN_REFUSED), ConnectionRefusedError(), ProbeError("budget",
                  Reason.BUDGET_SPENT)):  # fmt: skip
        attempt, calls = _attempts(never, None)
        with pytest.raises(type(never)):
            host.once_more(4.0, attempt)
        assert len(calls) == 1, never
    short = Pace(per_host=2).host("127.0.0.1")
    short.limit(3.0)  # less than one more exchange: the budget does not allow it
    attempt, calls = _attempts(TimeoutError(), None)
    with pytest.raises(TimeoutError):
        short.once_more(4.0, attempt)
    assert len(calls) == 1 and short.retries == 0


def test_a_new_connection_closed_unanswered_is_asked_once_more_after_a_pause(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(pace_module.time, "sleep", pauses.append)
    host = Pace(per_host=2).host("127.0.0.1")
    host.limit(60)
    attempt, calls = _attempts(ClosedUnanswered(), None)
    assert host.once_more(4.0, attempt) == "answer" and len(calls) == 2 and host.retries == 1
    assert pauses == [pace_module.BUSY_PAUSE]  # the device frees a connection first
    attempt, calls = _attempts(ClosedUnanswered(), ClosedUnanswered(), None)
    with pytest.raises(ClosedUnanswered):
        host.once_more(4.0, attempt)  # asked twice, never a third time
    assert len(calls) == 2
    # A caller that asks timeouts again itself (`GET /` on each web port) still has a closed connection asked again.
    attempt, calls = _attempts(TimeoutError(), None)
    with pytest.raises(TimeoutError):
        host.once_more(4.0, attempt, timeouts=False)
    assert len(calls) == 1
    attempt, calls = _attempts(ClosedUnanswered(), None)
    assert host.once_more(4.0, attempt, timeouts=False) == "answer" and len(calls) == 2


def _answered(host, clock: _Clock, *seconds: float) -> None:
    """Exchanges that took `seconds` each and ended in an answer."""
    for took in seconds:
        with host:
            clock.now += took


@pytest.fixture
def timed(monkeypatch) -> tuple[Callable[[str], HostPace], _Clock]:
    """A device's pace with a 60 s budget (by address), on a fake clock."""
    clock = _Clock()
    monkeypatch.setattr(pace_module, "time", clock)
    pace = Pace(per_host=2)

    def host(address: str = "127.0.0.1") -> HostPace:
        found = pace.host(address)
        found.limit(60)
        return found

    return host, clock


def test_a_first_attempt_waits_a_few_times_the_devices_slowest_answer_and_the_second_the_whole_timeout(timed):
    paced, clock = timed
    host = paced("127.0.0.1")
    _answered(host, clock, 0.1, 0.2)
    assert host.first_wait(4.0) == 4.0  # too few answers to know the device's pace
    _answered(host, clock, 0.3)
    assert host.first_wait(4.0) == pace_module.FIRST_WAIT_FLOOR  # 2 x 0.3 s is less than the floor
    _answered(host, clock, 1.4)
    assert host.first_wait(4.0) == pytest.approx(2.8)
    _answered(host, clock, 2.5)
    assert host.first_wait(4.0) == 4.0  # never more than the timeout
    slow = paced("127.0.0.2")
    _answered(slow, clock, 0.2, 0.2, 0.5)
    waits: list[float] = []

    def attempt() -> str:
        guard = slow.guard(4.0)
        waits.append(round(guard.deadline - clock.now, 3))
        if len(waits) == 1:
            raise ProbeError(guard.reason, Reason.TIMED_OUT)
        return "answer"

    assert slow.once_more(4.0, attempt) == "answer"
    assert waits == [2.0, 4.0]  # the first attempt waited 2 s (2 x 0.5 s, at least 2 s), the second the whole timeout
    assert slow.guard(4.0).deadline - clock.now == 4.0  # outside once_more: the whole timeout
    waits.clear()
    assert slow.once_more(4.0, attempt, patient=True) == "answer"
    assert waits == [4.0, 4.0]  # a request that opens a search: waited for as long as any, then asked again


def test_a_failed_exchange_says_nothing_of_the_devices_pace_and_a_short_budget_keeps_the_whole_wait(timed):
    paced, clock = timed
    host = paced()
    for _ in range(3):
        with pytest.raises(TimeoutError), host:
            clock.now += 9.0
            raise TimeoutError
    assert host.first_wait(4.0) == 4.0  # no answer yet
    _answered(host, clock, 0.1, 0.1, 0.1)
    assert host.first_wait(4.0) == pace_module.FIRST_WAIT_FLOOR
    host.limit(5.0)  # not enough left for a short wait and a whole second attempt
    assert host.first_wait(4.0) == 4.0


def test_an_exchange_with_a_login_challenge_counts_as_two_round_trips_of_the_devices_pace(timed):
    paced, clock = timed
    host = paced()
    _answered(host, clock, 0.2, 0.2)
    with host:  # challenged, then answered with the login: 2.8 s in all, 1.4 s a round trip
        exchanges.answered()
        exchanges.answered()
        clock.now += 2.8
    assert host.first_wait(4.0) == pytest.approx(2.8)  # 2 x 1.4 s, not 2 x 2.8 s


def test_a_device_not_heard_enough_yet_is_measured_by_the_scans_other_devices(timed):
    paced, clock = timed
    quiet = paced("127.0.0.9")
    assert quiet.first_wait(4.0) == 4.0  # nothing heard anywhere yet: the whole timeout
    others = paced("127.0.0.8")
    _answered(others, clock, *[0.1] * 40)
    assert quiet.first_wait(4.0) == 4.0  # too few round trips in the scan to tell its slow ones
    _answered(others, clock, *[0.1] * 20, 1.4, 1.4, 1.4, 1.4)
    assert quiet.first_wait(4.0) == pytest.approx(2.8)  # 2 x the scan's 95th percentile (1.4 s)
    _answered(quiet, clock, 0.2, 0.2, 0.2)
    assert quiet.first_wait(4.0) == pace_module.FIRST_WAIT_FLOOR  # its own answers now: 2 x 0.2 s, at least 2 s
