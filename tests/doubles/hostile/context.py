"""What a hostile behaviour knows about its device: its address and ports, the lab's trap, and shared counters."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

DRIP_INTERVAL = 1.0  # seconds between two bytes of a slow drip: "one byte a second"
IDLE = 10.0  # seconds a hostile server waits for a request before it gives up on the connection
CLIENT_GONE = (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError)


@dataclass(frozen=True)
class Context:
    """One hostile device as its behaviours see it. `counts` is the lab's (read it after a scan)."""

    persona: str
    address: str
    ports: Mapping[str, int]
    trap: str  # an address that is not this device: redirects and XAddrs point there; it counts who comes
    counts: Counter[str] = field(default_factory=Counter)
    received: dict[str, list[bytes]] = field(default_factory=dict)  # persona -> every request it got, raw

    def count(self, what: str) -> None:
        """Count an event under `<persona>:<what>` (runs on the lab's loop thread only)."""
        self.counts[f"{self.persona}:{what}"] += 1

    def record(self, data: bytes) -> None:
        """Keep what the scanner sent this device (a request head and body, a datagram): tests check that no
        password, Basic token or session token left the scanner for it."""
        self.received.setdefault(self.persona, []).append(data)


TcpBehaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Context], Awaitable[None]]
UdpBehaviour = Callable[[Context], asyncio.DatagramProtocol]
