"""How many exchanges (a request and the device's answer to it) the calling thread has had: the audit's trace counts
each step's round trips with it. A request the device first answered with a login challenge and then answered again
with the login is two (the device answered twice, and each answer waited for the one before); so is a redirect
followed. A request that got no answer is not counted.
"""

from __future__ import annotations

import threading

_thread = threading.local()


def answered() -> None:
    """One more exchange answered on this thread (the HTTP and RTSP clients call it)."""
    _thread.count = getattr(_thread, "count", 0) + 1


def so_far() -> int:
    """The exchanges answered on this thread since it began."""
    return int(getattr(_thread, "count", 0))
