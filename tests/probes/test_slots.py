"""A device's request slots: the chain's askers before the bulk's, each kind first come first served."""

from __future__ import annotations

import threading
import time

import pytest

from scanner.net.pace import HostPace
from scanner.net.slots import Slots, giving_way, is_bulk


def _asker(slots: Slots, bulk: bool, name: str, order: list[str], asking: list[str]) -> threading.Thread:
    def run() -> None:
        asking.append(name)
        slots.acquire(bulk)
        order.append(name)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _until(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.001)


def test_a_freed_slot_goes_to_the_chain_before_the_bulk_that_asked_earlier() -> None:
    slots = Slots(2)
    slots.acquire(True)
    slots.acquire(True)  # the bulk holds both slots
    order: list[str] = []
    asking: list[str] = []
    threads = []
    for name, bulk in (("bulk-1", True), ("bulk-2", True), ("chain-1", False), ("chain-2", False)):
        threads.append(_asker(slots, bulk, name, order, asking))
        _until(lambda n=name: n in asking)
        time.sleep(0.02)  # each is waiting before the next asks
    for expected in (["chain-1"], ["chain-1", "chain-2"], ["chain-1", "chain-2", "bulk-1"]):
        slots.release()
        _until(lambda e=expected: len(order) == len(e))
        time.sleep(0.02)  # nobody else got a slot meanwhile
        assert order == expected
    slots.release()
    for thread in threads:
        thread.join(5)
    assert order == ["chain-1", "chain-2", "bulk-1", "bulk-2"]


def _one_waiting(slots: Slots, name: str, order: list[str]) -> threading.Thread:
    """A thread of the chain asking for a slot, started and waiting for it (every slot is out)."""
    asking: list[str] = []
    thread = _asker(slots, False, name, order, asking)
    _until(lambda: asking)
    time.sleep(0.05)
    assert order == []
    return thread


def test_a_thread_that_released_a_slot_does_not_take_it_back_ahead_of_one_waiting() -> None:
    slots = Slots(1)
    slots.acquire()
    order: list[str] = []
    asking: list[str] = []
    waiter = _one_waiting(slots, "waiting", order)
    slots.release()
    again = _asker(slots, False, "again", order, asking)  # asks right after releasing
    _until(lambda: order)
    assert order == ["waiting"]
    slots.release()
    for thread in (waiter, again):
        thread.join(5)
    assert order == ["waiting", "again"]


def test_a_free_slot_is_taken_at_once_and_never_more_are_out_than_there_are() -> None:
    slots = Slots(2)
    slots.acquire(True)
    slots.acquire()
    order: list[str] = []
    third = _one_waiting(slots, "third", order)  # both slots are out
    slots.release()
    third.join(5)
    assert order == ["third"]
    slots.release()
    slots.release()
    with pytest.raises(ValueError, match="more often"):
        slots.release()


def test_giving_way_marks_this_threads_requests_as_bulk_and_nests() -> None:
    assert not is_bulk()
    with giving_way():
        assert is_bulk()
        with giving_way():
            assert is_bulk()
        assert is_bulk()
        seen: list[bool] = []
        other = threading.Thread(target=lambda: seen.append(is_bulk()))
        other.start()
        other.join()
        assert seen == [False]  # another thread's requests are not
    assert not is_bulk()


def test_a_device_pace_serves_its_waiting_chain_request_before_its_waiting_bulk_request() -> None:
    pace = HostPace(per_host=1)
    order: list[str] = []
    started = threading.Event()

    def request(name: str, bulk: bool) -> None:
        if bulk:
            with giving_way(), pace:
                order.append(name)
        else:
            with pace:
                order.append(name)

    with pace:  # the one slot is out
        bulk = threading.Thread(target=request, args=("vendor", True))
        bulk.start()
        time.sleep(0.05)
        chain = threading.Thread(target=request, args=("onvif", False))
        chain.start()
        started.set()
        time.sleep(0.05)
    bulk.join(5)
    chain.join(5)
    assert order == ["onvif", "vendor"]
