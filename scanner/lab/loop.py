"""An asyncio loop on a background thread that binds a lab's listeners and closes them again."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Self

from scanner.errors import LabError

START_TIMEOUT = 15.0


class LoopHost:
    """Base of the labs: `start()` runs `_bind_all()` on its own thread's loop, `stop()` runs `_close_all()`.

    Subclasses set `_thread_name` and implement both coroutines; use as a context manager.
    """

    _thread_name = "camaudit-lab"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The lab's running loop (None when stopped): the only thread that may touch the devices' state."""
        return self._loop

    async def _bind_all(self) -> None:
        raise NotImplementedError

    async def _close_all(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Bind every listener; returns once all are bound. LabError (one line) when one cannot be."""
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name=self._thread_name, daemon=True)
        self._loop, self._thread = loop, thread
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._bind_all(), loop).result(START_TIMEOUT)
        except TimeoutError:
            self.stop()
            raise LabError(f"the lab did not bind its listeners within {START_TIMEOUT:.0f} s") from None
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Close every listener and connection, end the thread. Safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(self._close_all(), loop).result(START_TIMEOUT)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(START_TIMEOUT)
        loop.close()
        self._loop, self._thread = None, None
