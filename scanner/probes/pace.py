"""Politeness for every request camaudit sends: a cap on requests in flight per device, and an optional scan rate.

Every probe wraps each exchange with a device (an HTTP request with its Digest retry, a SOAP call, an RTSP
request) in `with pace:`; the limits hold however the audit schedules its work.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType


class Pace:
    """The scan-wide limits: `per_host` requests in flight to one address (0: no cap), `rate` starts per second."""

    def __init__(self, per_host: int = 0, rate: float | None = None) -> None:
        if per_host < 0:
            raise ValueError("per_host must be 0 (no cap) or more")
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self._per_host = per_host
        self._interval = 1.0 / rate if rate else 0.0
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._hosts: dict[str, HostPace] = {}

    def host(self, address: str) -> HostPace:
        """The pace of one device; the same object for the same address, so its cap is shared by all callers."""
        with self._lock:
            found = self._hosts.get(address)
            if found is None:
                found = self._hosts[address] = HostPace(self, self._per_host)
            return found

    def release(self, address: str) -> None:
        """Forget a device whose audit is over (its slots are all free again)."""
        with self._lock:
            self._hosts.pop(address, None)

    def wait_turn(self) -> None:
        """Block until the scan-wide rate allows one more request to start (no wait without a rate)."""
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        if start > now:
            time.sleep(start - now)


class HostPace:
    """`with host_pace:` around one exchange: waits for a free slot of the device, then for the scan rate."""

    def __init__(self, pace: Pace | None = None, per_host: int = 0) -> None:
        self._pace = pace
        self._slots = threading.BoundedSemaphore(per_host) if per_host else None

    def __enter__(self) -> HostPace:
        if self._slots is not None:
            self._slots.acquire()
        if self._pace is not None:
            self._pace.wait_turn()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._slots is not None:
            self._slots.release()


UNPACED = HostPace()  # no cap, no rate: for a probe used on its own (tests, one-off checks)
