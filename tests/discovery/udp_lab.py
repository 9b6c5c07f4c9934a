"""Helpers for discovery tests: lab responders (asyncio datagram protocols) served on loopback in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def serve_udp(address: str, factory: Callable[[], asyncio.DatagramProtocol]) -> Iterator[int]:
    """Serve one datagram protocol on (address, ephemeral port) until the block ends; yields the port."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def bind() -> asyncio.BaseTransport:
        transport, _ = await loop.create_datagram_endpoint(factory, local_addr=(address, 0))
        return transport

    transport = asyncio.run_coroutine_threadsafe(bind(), loop).result(5)
    try:
        yield transport.get_extra_info("sockname")[1]
    finally:
        loop.call_soon_threadsafe(transport.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
