"""Devices at real-camera speed for the lab: think time per request drawn from a long-tailed distribution, and a
small web server's limit on concurrent connections (extra ones queued, or refused), per device.

Real cameras take 50-500 ms per API request and serve a few connections at a time (research/lab.md). The think
time is log-normal around its median, cut at `cap`: with the defaults (median 0.15 s, sigma 0.6) one request in
a hundred takes over 0.6 s and one in a thousand nearly 1 s. A device may also drop a share of requests (`stall`):
those are never answered, as an overloaded embedded server loses one now and then. Each device draws from its own
seeded generator, so a run is repeatable as far as the scheduling of its requests allows. `LosingOne` instead
answers at once but loses one given request, or closes one given connection, of one device (bench/lost_requests.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import re
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
        self.late: list[float] = []  # per answered request: seconds the device's loop woke it after its think time

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
                loop = asyncio.get_running_loop()
                start = loop.time()
                await asyncio.sleep(delay)
                self.late.append(loop.time() - start - delay)

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


class LosingOne:
    """A Tempo under which devices answer at once and count, per device, each request by its line (the device's own
    address and any session token taken out, so clones and runs compare) and each connection (line `CONNECTION`).
    A device given a target (line, k) never answers the k-th request with that line, as a busy camera loses one
    now and then (with `close`, it closes the connection instead of answering), or, for `CONNECTION`, closes
    its k-th connection at once, as a camera at its limit of connections does; with `twice`, the k+1-th too
    (the request asked again is lost as well). With `slow` set, the request is not lost but answered after that
    many seconds, the k-th and every later one with that line (a request the device is always slow to answer)."""

    def __init__(
        self,
        targets: dict[str, tuple[str, int]] | None = None,
        stall: float = STALL_SECONDS,
        twice: bool = False,
        close: bool = False,
        slow: float = 0.0,
    ) -> None:
        self.targets = dict(targets or {})
        self.stall, self.twice, self.close, self.slow = stall, twice, close, slow
        self.seen: dict[str, Counter[str]] = {}  # per device address: its requests by line, and its connections
        self.lost: set[str] = set()  # the devices whose target came and was never answered (or answered slowly)

    def _hit(self, address: str, line: str) -> bool:
        seen = self.seen.setdefault(address, Counter())
        seen[line] += 1
        target = self.targets.get(address)
        if target is None or line != target[0]:
            return False
        later = seen[line] - target[1]  # 0: the target itself; 1: the next with that line (the one asked again)
        if later >= 0 if self.slow else 0 <= later <= int(self.twice):
            self.lost.add(address)
            return True
        return False

    def think(self, address: str) -> Think | None:
        async def pause(request: str) -> None:
            if self._hit(address, request_key(request, address)):
                if self.close:
                    raise ConnectionAbortedError  # the lab closes the connection, unanswered
                await asyncio.sleep(self.slow or self.stall)  # lost: the client gives up first and closes

        return pause

    @asynccontextmanager
    async def admit(self, address: str) -> AsyncIterator[bool]:
        yield not self._hit(address, CONNECTION)


CONNECTION = "CONNECTION"  # LosingOne's line for a device's connections (any port)


def request_key(request: str, address: str) -> str:
    """A request line as every clone of a persona sends it in every run, on any port: the device's address and port
    (in an RTSP URL) and session tokens (Reolink's `token=`) replaced."""
    line = re.sub(re.escape(address) + r"(:\d+)?", "ADDRESS", request)
    return re.sub(r"(token=)[^&\s]*", r"\1…", line)
