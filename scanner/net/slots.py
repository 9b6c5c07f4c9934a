"""A device's request slots, handed out in order of asking, its chain of dependent queries before its bulk.

A device serves a few requests at once (`per_host_concurrency`). Its audit has a chain of dependent queries (ONVIF's
phases, then RTSP's), where each answer decides the next request, and a bulk of independent reads (the vendor
requests) that only need to be asked at some point. When the bulk holds every slot, the chain waits for it, and
the device's audit takes as long as the chain's wait plus the chain; when the chain gets the next free slot, the
bulk fills the slots the chain leaves idle, and the audit takes about as long as the longer of the two. Requests
sent inside `giving_way()` are bulk: they get a slot only when no other request of the device is waiting for one.
Within each kind, the first to ask is the first served (a plain semaphore lets a thread that just released a slot
take it again at once, ahead of those already waiting).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

_kind = threading.local()


@contextmanager
def giving_way() -> Iterator[None]:
    """Requests this thread sends inside give way to the device's other requests for its slots."""
    before = getattr(_kind, "bulk", False)
    _kind.bulk = True
    try:
        yield
    finally:
        _kind.bulk = before


def is_bulk() -> bool:
    return bool(getattr(_kind, "bulk", False))


class Slots:
    """`count` slots: the chain's askers first, then the bulk's, each in the order they asked."""

    def __init__(self, count: int) -> None:
        if count < 1:
            raise ValueError("a device has at least one slot")
        self._free = count
        self._count = count
        self._changed = threading.Condition(threading.Lock())
        self._waiting: tuple[deque[object], deque[object]] = (deque(), deque())  # chain, bulk

    def acquire(self, bulk: bool = False) -> None:
        me = object()
        with self._changed:
            line = self._waiting[bulk]
            line.append(me)
            while not (self._free and self._next() is me):
                self._changed.wait()
            line.popleft()
            self._free -= 1
            if self._free and self._next() is not None:
                self._changed.notify_all()  # another slot is free for the next in line

    def release(self) -> None:
        with self._changed:
            if self._free >= self._count:
                raise ValueError("a slot released more often than acquired")
            self._free += 1
            self._changed.notify_all()

    def _next(self) -> object | None:
        chain, bulk = self._waiting
        return chain[0] if chain else bulk[0] if bulk else None
