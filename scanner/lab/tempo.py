"""How fast an emulated device answers and how many connections it takes at once (instant and unlimited unless a
Tempo is given: the benchmark's premises at real-camera speed give one, tests/doubles/tempo.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

Think = Callable[[str], Awaitable[None]]  # awaited before each answer, with its request line ("GET /path"): the
# device's think time for that request


class Tempo(Protocol):
    """A device's pace: its think time per request, and its gate on concurrent connections."""

    def think(self, address: str) -> Think | None:
        """The think time of the device at `address` (None: answers at once)."""
        ...

    def admit(self, address: str) -> AbstractAsyncContextManager[bool]:
        """Around one connection to the device: yields False when the device refuses it (closed at once), after
        waiting for a free slot when the device queues connections."""
        ...
