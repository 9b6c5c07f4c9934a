"""Work on daemon threads, its result or exception handed back through a Future."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def on_daemon(work: Callable[[], T], name: str) -> Future[T]:
    """Run `work` on a daemon thread, which the interpreter does not wait for at exit (a stage over its budget
    must not hold the process)."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


def on_daemons(count: int, works: Sequence[Callable[[], T]], name: str) -> list[Future[T]]:
    """`works` run in order on `count` daemon threads (as `on_daemon`: none holds the process at exit), each
    result (or exception) in its Future."""
    futures: list[Future[T]] = [Future() for _ in works]
    pending = iter(range(len(works)))
    claim = threading.Lock()

    def worker() -> None:
        while True:
            with claim:
                index = next(pending, None)
            if index is None:
                return
            try:
                futures[index].set_result(works[index]())
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for this work's result
                futures[index].set_exception(exc)

    for _ in range(min(count, len(works))):
        threading.Thread(target=worker, name=name, daemon=True).start()
    return futures
