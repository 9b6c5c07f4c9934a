"""An asyncio loop on a background thread that binds a lab's listeners and closes them again."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from scanner.errors import LabError

ServeTcp = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
log = logging.getLogger(__name__)

START_TIMEOUT = 15.0


class LoopHost:
    """Base of the labs: `start()` runs `_bind_all()` on its own thread's loop, `stop()` runs `_close_all()`.

    Subclasses set `_thread_name` and `_kind` and implement `_bind_all`, keeping their servers and datagram
    transports in `_servers` and `_transports` and wrapping each connection handler in `_tracked`; use as a context
    manager.
    """

    _thread_name = "camaudit-lab"
    _kind = "lab"  # how the log names this host's connection handlers

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._transports: list[asyncio.BaseTransport] = []
        self._connections: dict[asyncio.Task[object], asyncio.StreamWriter] = {}

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

    def _tracked(self, serve: ServeTcp) -> ServeTcp:
        """`serve`, with its connection known to `_close_all` and its failures kept to itself."""

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._connections[task] = writer
            try:
                await serve(reader, writer)
            except asyncio.CancelledError:
                pass  # stop() gave up waiting for this connection; nothing is left to clean
            except ConnectionError:
                writer.close()  # the client went away mid-answer (it gave up on a slow device): not a lab fault
            except Exception:  # a bug in an emulator must not take the loop down; say where it happened
                log.exception("%s connection handler failed", self._kind)
                writer.close()
            finally:
                self._connections.pop(task, None)

        return on_connect

    async def _close_all(self) -> None:
        """Close every listener, then every connection (waiting briefly for each handler to finish)."""
        for server in self._servers:
            server.close()
        for transport in self._transports:
            transport.close()
        # Aborting the sockets lets each handler see end-of-stream and finish on its own.
        for writer in list(self._connections.values()):
            writer.transport.abort()
        pending = set(self._connections)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=2.0)
        for task in pending:
            task.cancel()
        for server in self._servers:
            await server.wait_closed()
        self._servers, self._transports = [], []

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
