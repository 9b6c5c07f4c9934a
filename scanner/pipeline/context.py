"""What one device's audit holds while it runs, and what the audits of one scan share (the kit)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from types import TracebackType
from typing import Any, TypeVar

from scanner.config import ScanConfig
from scanner.matching.schema import SignatureSet
from scanner.model import Credential, Host, Observation
from scanner.net.login import DeviceLogin
from scanner.net.pace import HostPace, Pace
from scanner.pipeline.cores import share_core
from scanner.pipeline.trace import Part, Trace
from scanner.probes.http import HttpClient
from scanner.probes.onvif import Task

T = TypeVar("T")


class AuditKit:
    """What the device audits of one scan share: the politeness limits, and the helper threads.

    `devices` is how many devices are audited at once; each has `per_host_concurrency` helpers (its requests in
    flight stay within the device's pace however many threads wait for it).
    """

    def __init__(self, config: ScanConfig, devices: int = 1, cores: set[int] | None = None) -> None:
        self.pace = Pace(config.per_host_concurrency, config.rate)
        self.lines = config.per_host_concurrency
        self.cores = cores  # the core(s) the audit's threads share (scanner.pipeline.cores), None: anywhere
        # A device's helpers at once (scanner.pipeline.device): its chain (ONVIF, then RTSP), ONVIF's other lines,
        # the vendor round's other lines, at the start its web roots, and a spare step (RTSP's OPTIONS) on a line
        # a phase or `GET /` leaves idle, in place of that line's helper: at most 2 x lines. The pool holds that
        # many for every device, so a helper waiting for its own batches never waits for a thread (threads are
        # started only as they are needed).
        helpers = max(1, devices) * 2 * self.lines if self.lines > 1 else 0
        self._helpers = (
            ThreadPoolExecutor(helpers, "camaudit-line", initializer=share_core, initargs=(cores,)) if helpers else None
        )

    def beside(self, work: Callable[[], T]) -> Future[T]:
        """Run `work` on a helper thread beside the caller; at once, in the caller, when a device has one line."""
        if self._helpers is not None:
            return self._helpers.submit(work)
        done: Future[T] = Future()
        try:
            done.set_result(work())
        except Exception as exc:  # noqa: BLE001 - handed to whoever reads the future, as a helper thread would
            done.set_exception(exc)
        return done

    def close(self) -> None:
        if self._helpers is not None:
            self._helpers.shutdown(wait=True)

    def __enter__(self) -> AuditKit:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class DeviceAudit:
    """One device's audit in progress: its client, pace and trace, and the helper work still running."""

    def __init__(self, host: Host, config: ScanConfig, sigset: SignatureSet, kit: AuditKit) -> None:
        self.host, self.config, self.sigset, self.kit = host, config, sigset, kit
        self.credential: Credential | None = config.credentials.for_address(host.address)
        self.login = DeviceLogin(self.credential)  # every probe's: refused once, never offered again
        self.pace: HostPace = kit.pace.host(host.address)
        self.pace.limit(config.device_budget + config.observe)  # no request starts, none outlives it, after this
        self.client = HttpClient(
            host.address, config.request_timeout, self.credential, self.pace, self.login, config.per_host_concurrency
        )
        self.trace = Trace()
        self.done: list[Part] = []  # each step's Part as it finishes: what a failed audit still reports
        # Steps that need nothing read yet, as (name, work): each runs on the first line left idle (`idle_line`)
        self.spare: deque[tuple[str, Callable[[], Part]]] = deque()
        self._running: list[Future[Any]] = []

    def beside(self, name: str, after: tuple[str, ...], work: Callable[[], Part]) -> Future[Part]:
        future = self.kit.beside(lambda: self.here(name, after, work))
        self._running.append(future)
        return future

    def alongside(self, work: Callable[[], T]) -> Future[T]:
        """Run `work`, whose own steps are traced, on a helper thread beside the caller (at once in the caller
        when a device has one line)."""
        future = self.kit.beside(work)
        self._running.append(future)
        return future

    def here(self, name: str, after: tuple[str, ...], work: Callable[[], Part]) -> Part:
        part = self.trace.step(name, after, work)
        self.done.append(part)  # list.append is atomic: helper threads add theirs too
        return part

    def idle_line(self) -> None:
        """A line is left idle for a while (one request where the device serves more): the next spare step, if
        any, runs on it beside the caller."""
        try:
            name, work = self.spare.popleft()  # atomic: each spare step is taken once
        except IndexError:
            return
        self.beside(name, (), work)

    def lines(self, name: str, after: tuple[str, ...]) -> Lines:
        """A runner of a probe's phases (scanner.probes.onvif.Lines) on this device's lines, each phase traced as
        steps `name.<phase>.<line>` after the phase before it (the first after `after`)."""
        return Lines(self, name, after)

    def close(self) -> None:
        wait_all(self._running)  # a helper may still be using the client after a failure here
        self.client.close()


class Lines:
    """Runs each phase of a probe's independent tasks over the device's lines, this thread one of them: each line
    takes the next task as soon as it is free (answers take random times: tasks dealt out in advance left one line
    idle while the other still had half its share), and the next phase starts when every task is done."""

    def __init__(self, device: DeviceAudit, name: str, after: tuple[str, ...]) -> None:
        self.device, self.name, self.after = device, name, after
        self.phases = 0

    def __call__(self, tasks: Sequence[Task]) -> None:
        if not tasks:
            return
        self.phases += 1
        step = f"{self.name}.{self.phases}"
        after = self.after if self.phases == 1 else (f"{self.name}.{self.phases - 1}",)
        waiting = deque(tasks)  # popleft is atomic: each task is taken by one line

        def run() -> Part:
            observations: list[Observation] = []
            while waiting:
                try:
                    task = waiting.popleft()
                except IndexError:  # another line took the last one
                    break
                observations.extend(task())
            return Part(observations=tuple(observations))

        count = min(self.device.kit.lines, len(tasks))
        if count < self.device.kit.lines:
            self.device.idle_line()
        helpers = [self.device.beside(f"{step}.{i}", after, run) for i in range(2, count + 1)]
        self.device.here(f"{step}.1", after, run)
        for helper in helpers:
            helper.result()
