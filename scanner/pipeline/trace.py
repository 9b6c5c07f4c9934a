"""The steps of one device's audit: what each produced, when it ran, and the critical path through them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from scanner.model import Channel, NotChecked, Observation
from scanner.net import exchanges


@dataclass(frozen=True)
class Part:
    """What one step of a device's audit produced (a field stays empty when the step has nothing of the kind)."""

    observations: tuple[Observation, ...] = ()
    services: tuple[tuple[int, str], ...] = ()  # (port, protocol) that spoke
    skipped: tuple[NotChecked, ...] = ()
    web_ports: tuple[tuple[int, bool], ...] = ()  # ports that answered in HTTP, as (port, tls)
    stream_uris: tuple[str, ...] = ()
    absent: frozenset[str] = frozenset()  # face checks the device said it has no service for (ONVIF)
    channels: tuple[Channel, ...] = ()  # the device's video channels, as it lists them


@dataclass(frozen=True)
class Step:
    """One step of a device's audit: the steps whose answers it needed, when and on which thread it ran, and
    how many of its requests the device answered (round trips: a login challenge counts)."""

    name: str
    after: tuple[str, ...]
    start: float
    end: float
    requests: int
    line: int  # thread ident: a step also waits for the step before it on its own line


class Trace:
    """The steps of one device's audit, for the critical path: its longest chain of dependent requests."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.steps: list[Step] = []  # appended from helper threads too (list.append is atomic)

    def step(self, name: str, after: tuple[str, ...], work: Callable[[], Part]) -> Part:
        """Run `work` on this thread as one step; its requests are the exchanges the device answered meanwhile on
        this thread (scanner.net.exchanges: a login challenge and the request asked again are two)."""
        start, before = time.monotonic(), exchanges.so_far()
        part = work()
        requests = exchanges.so_far() - before
        self.steps.append(Step(name, after, start, time.monotonic(), requests, threading.get_ident()))
        return part

    def critical_path(self) -> list[Step]:
        """From the step that ended last, back through the latest-ending step it waited for, to a start.

        A step waited for the steps whose answers it read and for the step before it on the same line.
        """
        if not self.steps:
            return []
        chain = [max(self.steps, key=lambda s: s.end)]
        while before := self._waited_for(chain[-1]):
            chain.append(max(before, key=lambda s: s.end))
        return chain[::-1]

    def _waited_for(self, step: Step) -> list[Step]:
        """The steps whose answers it read (a name in `after` stands for its batches too: `identify` for
        `identify.1`, `identify.2` ...) that had ended when it began, and the step before it on its line."""
        data = [s for s in self.steps if s.end <= step.start and s is not step
                and any(s.name == a or s.name.startswith(a + ".") for a in step.after)]  # fmt: skip
        same_line = [s for s in self.steps if s.line == step.line and s.end <= step.start and s is not step]
        return data + ([max(same_line, key=lambda s: s.end)] if same_line else [])

    def log(self, logger: logging.Logger, address: str, retried: int = 0) -> None:
        """One DEBUG record with the figures in `record.trace` (the benchmark reads them); nothing otherwise.
        `retried`: the device's requests asked once more after they timed out."""
        if not logger.isEnabledFor(logging.DEBUG):
            return
        chain = self.critical_path()
        trace = {
            "address": address,
            "began": round(self.started, 4),  # time.monotonic(): when the audit began, on the scan's clock
            "wall_s": round(time.monotonic() - self.started, 4),
            "requests": sum(s.requests for s in self.steps),
            "critical_requests": sum(s.requests for s in chain),
            "critical_s": round(sum(s.end - s.start for s in chain), 4),
            "chain": [s.name for s in chain],
            "retried": retried,
        }
        logger.debug("audit of %s: critical path %s", address, trace["chain"], extra={"trace": trace})
