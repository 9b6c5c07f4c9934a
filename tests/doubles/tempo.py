"""Devices at real-camera speed for the lab: think time per request drawn from a long-tailed distribution, and a
small web server's limit on concurrent connections (extra ones queued, or refused), per device.

Real cameras take 50-500 ms per API request and serve a few connections at a time (research/lab.md). The think
time is log-normal around its median, cut at `cap`: with the defaults (median 0.15 s, sigma 0.6) one request in
a hundred takes over 0.6 s and one in a thousand nearly 1 s. A device may also drop a share of requests (`stall`):
those are never answered, as an overloaded embedded server loses one now and then. Each device draws from its own
seeded generator, so a run is repeatable as far as the scheduling of its requests allows.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from scanner.lab.tempo import Think

STALL_SECONDS = 30.0  # a stalled request is never answered in the time any client waits (camaudit: 16 s at most)


@dataclass(frozen=True)
class ThinkTime:
    """Log-normal think time: `median` seconds, spread `sigma`, never more than `cap` (0 median: instant)."""

    median: float = 0.15
    sigma: float = 0.6
    cap: float = 1.0

    def draw(self, rng: random.Random) -> float:
        if self.median <= 0:
            return 0.0
        return min(self.cap, rng.lognormvariate(math.log(self.median), self.sigma))

    @property
    def mean(self) -> float:
        """The expected think time of one request (exact for the capped log-normal)."""
        if self.median <= 0:
            return 0.0
        mu, s, c = math.log(self.median), self.sigma, self.cap
        below = math.exp(mu + s * s / 2) * _phi((math.log(c) - mu - s * s) / s)
        return below + c * (1 - _phi((math.log(c) - mu) / s))


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


class RealSpeed:
    """The lab's Tempo (scanner.lab.tempo): every device thinks `think` per request and serves at most
    `connections` connections at once; beyond that, devices in `refusing` refuse, the others queue. A share
    `stall` of requests is never answered (0 unless set)."""

    def __init__(
        self,
        think: ThinkTime = ThinkTime(),  # noqa: B008 - frozen, shared safely
        connections: int = 4,
        refusing: frozenset[str] = frozenset(),
        seed: int = 16,
    ) -> None:
        self.time, self.connections, self.refusing, self.seed = think, connections, refusing, seed
        self.stall = 0.0
        self._gates: dict[str, asyncio.Semaphore] = {}
        self.answered: Counter[str] = Counter()  # requests answered (HTTP and RTSP), per device address
        self.refused: Counter[str] = Counter()  # connections refused, per device address
        self.queued: Counter[str] = Counter()  # connections that waited for a slot, per device address
        self.stalled: Counter[str] = Counter()  # requests never answered, per device address

    def think(self, address: str) -> Think | None:
        digest = hashlib.sha256(f"{self.seed}:{address}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "big"))

        async def pause(_request: str) -> None:
            if self.stall and rng.random() < self.stall:
                self.stalled[address] += 1
                await asyncio.sleep(STALL_SECONDS)  # the client gives up first and closes the connection
                return
            self.answered[address] += 1
            delay = self.time.draw(rng)
            if delay > 0:
                await asyncio.sleep(delay)

        return pause

    @asynccontextmanager
    async def admit(self, address: str) -> AsyncIterator[bool]:
        gate = self._gates.get(address)
        if gate is None:
            gate = self._gates[address] = asyncio.Semaphore(self.connections)
        if gate.locked():
            if address in self.refusing:
                self.refused[address] += 1
                yield False
                return
            self.queued[address] += 1
        async with gate:
            yield True


class Stalling:
    """A Tempo under which devices answer at once, except the first `times` requests whose line ends with
    `target` (e.g. "GET /ISAPI/Event/triggers"): those are never answered in the time a client waits, as a busy
    camera loses one now and then. `seen` counts every request to `target`, answered or not."""

    def __init__(self, target: str, times: int, stall: float = 5.0) -> None:
        self.target, self.times, self.stall = target, times, stall
        self.seen = 0

    def think(self, address: str) -> Think | None:
        async def pause(request: str) -> None:
            if request.endswith(self.target):
                self.seen += 1
                if self.seen <= self.times:
                    await asyncio.sleep(self.stall)  # the client gives up first and closes the connection

        return pause

    @asynccontextmanager
    async def admit(self, address: str) -> AsyncIterator[bool]:
        yield True
