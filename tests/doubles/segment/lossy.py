"""Emulated UDP loss for the lab: of every three datagrams a responder sends, one, chosen at random, is dropped."""

from __future__ import annotations

import asyncio
import random
from typing import Any


class _DroppingTransport:
    """Wraps a datagram transport; `sendto` drops one datagram in each group of three."""

    def __init__(self, transport: asyncio.DatagramTransport, rng: random.Random, counts: dict[str, int]) -> None:
        self._transport, self._rng, self._counts = transport, rng, counts
        self._slot = 0

    def sendto(self, data: bytes, addr: Any = None) -> None:
        index = self._counts["sent"] % 3
        if index == 0:
            self._slot = self._rng.randrange(3)
        self._counts["sent"] += 1
        if index == self._slot:
            self._counts["dropped"] += 1
            return
        self._transport.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class Lossy(asyncio.DatagramProtocol):
    """A responder whose replies pass through _DroppingTransport; `counts` says how many were sent and dropped."""

    def __init__(self, inner: asyncio.DatagramProtocol, rng: random.Random) -> None:
        self.inner, self.rng = inner, rng
        self.counts = {"sent": 0, "dropped": 0}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(_DroppingTransport(transport, self.rng, self.counts))  # type: ignore[arg-type]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.inner.datagram_received(data, addr)  # type: ignore[attr-defined]

    def error_received(self, exc: Exception) -> None:
        self.inner.error_received(exc)
