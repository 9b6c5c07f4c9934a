"""Hard deadlines on blocking exchanges: when time is up, the exchange's sockets are shut, whatever the device drips.

A socket timeout bounds each read, not a whole answer: a device that sends one byte a second never trips it, and
neither does a TLS handshake or a header block sent that way. A Guard collects the sockets of one exchange (as
duplicates of their descriptors, so a socket closed and its number reused elsewhere is never touched); one watchdog
thread shuts them down when the guard's deadline passes, or at once when the scan is stopped. The blocked read
then sees end-of-stream, and the caller reads `guard.expired` and `guard.reason` to say why.

Clients hand their sockets to the guard of the calling thread (`current_guard()`); http.py does it for every
connection requests makes.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from types import TracebackType
from typing import Any

from scanner.vocabulary import Reason

__all__ = ["WATCHDOG", "Guard", "Watchdog", "current_guard"]

_local = threading.local()


class Guard:
    """One exchange's deadline and sockets. `with guard:` makes it the calling thread's current guard."""

    def __init__(
        self, deadline: float, reason: str, watchdog: Watchdog | None = None, cause: Reason | None = None
    ) -> None:
        self.deadline = deadline
        self.reason = reason  # what the caller reports when the guard expires on time
        self.cause = cause  # set when the scan's own limits end the exchange (budget, stop)
        self.expired = False
        self._watchdog = watchdog or WATCHDOG
        self._lock = threading.Lock()
        self._copies: list[socket.socket] = []
        self._outer: Guard | None = None
        self.watched = False  # set and cleared by the watchdog under its lock

    def __repr__(self) -> str:
        return f"Guard(expired={self.expired}, in={self.deadline - time.monotonic():.1f}s)"

    def adopt(self, sock: Any) -> None:
        """Watch `sock` (a plain or TLS socket) until the guard ends; shut it at once if the guard has expired."""
        try:
            # family, type and protocol given: not asked of the kernel again (three system calls per exchange)
            copy = socket.socket(sock.family, sock.type, sock.proto, os.dup(sock.fileno()))
        except (OSError, ValueError):
            return  # already closed: nothing left to bound
        with self._lock:
            if not self.expired:
                self._copies.append(copy)
                return
        _shut(copy)
        copy.close()

    def expire(self, reason: str | None = None, cause: Reason | None = None) -> None:
        """End the exchange now: shut every adopted socket (the blocked reader sees end-of-stream)."""
        with self._lock:
            if self.expired:
                return
            self.expired = True
            if reason:
                self.reason = reason
            if cause is not None:
                self.cause = cause
            copies = list(self._copies)
        for copy in copies:
            _shut(copy)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def __enter__(self) -> Guard:
        self._outer = getattr(_local, "guard", None)
        _local.guard = self
        self._watchdog.watch(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        _local.guard = self._outer
        self._watchdog.forget(self)
        with self._lock:
            copies, self._copies = self._copies, []
        for copy in copies:
            copy.close()  # closes our duplicate only; a kept-alive connection lives on


def current_guard() -> Guard | None:
    """The guard of the exchange the calling thread is in, if any."""
    return getattr(_local, "guard", None)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already shut or reset by the device


class Watchdog:
    """One thread that expires guards at their deadlines; started on first use, a daemon."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Guard]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, guard: Guard) -> None:
        with self._wake:
            guard.watched = True
            sooner = not self._heap or guard.deadline < self._heap[0][0]
            heapq.heappush(self._heap, (guard.deadline, next(self._order), guard))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="camaudit-watchdog", daemon=True)
                self._thread.start()
            if sooner:  # else the thread wakes in time for it anyway: no wake-up per exchange
                self._wake.notify()

    def forget(self, guard: Guard) -> None:
        with self._wake:
            guard.watched = False  # its heap entry is dropped when it reaches the top

    def _run(self) -> None:
        while True:
            guard = self._next_due()
            guard.expire()

    def _next_due(self) -> Guard:
        with self._wake:
            while True:
                if not self._heap:
                    self._wake.wait()
                    continue
                deadline, _, guard = self._heap[0]
                if not guard.watched:
                    heapq.heappop(self._heap)
                    continue
                left = deadline - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                heapq.heappop(self._heap)
                guard.watched = False
                return guard


# One watchdog for the process, like the logging module's root: a thread per scan or per request would cost more
# and bound nothing better. It holds no scan state; stopping a scan expires that scan's guards (see pace.py).
WATCHDOG = Watchdog()
