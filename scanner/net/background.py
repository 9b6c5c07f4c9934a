"""Work on a daemon thread, its result or exception handed back through a Future."""

from __future__ import annotations

import threading
from collections.abc import Callable
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
