"""One recorded device's listeners: per recorded port, the lab's HTTP or RTSP server answering from the recording;
WS-Discovery when the device answered it; and, on a port where the device never gave a usable answer (a vendor's
binary SDK port), a listener that accepts and closes, as such a port looks to a web client."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from scanner.lab import httpd, rtsp
from scanner.lab.device import ServeTcp, TcpListener, UdpListener
from scanner.lab.ports import WSD_PORT
from scanner.replay.plan import Placed
from scanner.replay.pointing import Pointer
from scanner.replay.records import Exchange
from scanner.replay.rtsp import ReplayRtsp
from scanner.replay.site import ReplaySite
from scanner.replay.wsd import ReplayWsd


def listeners(placed: Placed) -> list[TcpListener | UdpListener]:
    """Every socket the device needs, on its served ports. Ports whose answers came over TLS are not served (the
    replay holds no certificate); `skipped_tls` names them."""
    device = placed.device
    pointer = Pointer(device.address, placed.address, placed.ports)
    found: list[TcpListener | UdpListener] = []
    for port in device.all_ports:
        exchanges = [e for e in device.exchanges if e.port == port]
        if exchanges and all(e.tls for e in exchanges):
            continue
        found.append(_listener(placed.ports[port], [e for e in exchanges if not e.tls], pointer))
    if device.wsd:
        wsd = device.wsd
        found.append(UdpListener(WSD_PORT, "ws-discovery", lambda: ReplayWsd(wsd, pointer)))
    return found


def skipped_tls(placed: Placed) -> tuple[int, ...]:
    """The recorded ports that are not served: every answer on them came over TLS."""
    by_port: dict[int, list[bool]] = {}
    for e in placed.device.exchanges:
        by_port.setdefault(e.port, []).append(e.tls)
    return tuple(port for port, tls in by_port.items() if all(tls))


def _listener(port: int, exchanges: Sequence[Exchange], pointer: Pointer) -> TcpListener:
    if not any(e.status is not None for e in exchanges):
        return TcpListener(port, "closed", _close)
    if any(e.protocol == "rtsp" for e in exchanges):
        device = ReplayRtsp([e for e in exchanges if e.protocol == "rtsp"], pointer)
        return TcpListener(port, "rtsp", _rtsp(device), rtsp.MAX_HEAD)
    site = ReplaySite(exchanges, pointer)
    return TcpListener(port, "http", _http(site))


def _http(site: ReplaySite) -> ServeTcp:
    return lambda reader, writer: httpd.serve(reader, writer, site.handle)


def _rtsp(device: ReplayRtsp) -> ServeTcp:
    return lambda reader, writer: rtsp.serve(reader, writer, device)


async def _close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A port the device accepted connections on but never answered: accept, then close."""
    writer.close()
    try:
        await writer.wait_closed()
    except (ConnectionError, OSError):
        pass
