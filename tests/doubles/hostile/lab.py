"""The hostile lab: every hostile persona on its own loopback address, served by one asyncio loop in a thread.

It sits beside the normal lab on the same /24 (from `.101` by default), so one scan meets both. The trap listens
just outside the lab network (the last host of the next /24): redirects and XAddrs point there, and a scan of the
network must never visit it (`counts["trap:visit"]`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.errors import LabError
from scanner.lab.loop import LoopHost
from scanner.lab.ports import can_bind_privileged
from scanner.lab.wsd import WsdResponder
from tests.doubles.hostile import web
from tests.doubles.hostile.catalogue import HOSTILE, HostilePersona
from tests.doubles.hostile.context import Context, TcpBehaviour, UdpBehaviour

FIRST_HOST = 101
USERNAME, PASSWORD = "admin", "hostile-lab-0"  # lab-only logins, so the audit asks everything it can
STANDARD = {"http": 80, "https": 443, "rtsp": 554, "wsd": 3702}
HIGH = {"http": 8080, "https": 8443, "rtsp": 8554, "wsd": 3702}  # without privilege; all on camaudit's port list
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HostileDevice:
    """One running hostile persona and its ports (segment protocols get ephemeral ones, filled in on start)."""

    persona: HostilePersona
    address: str
    ports: dict[str, int]


class HostileLab(LoopHost):
    """Context manager running the hostile corpus: `with HostileLab("127.77.9.0/24") as lab: ...`."""

    _thread_name = "camaudit-hostile-lab"

    def __init__(
        self,
        network: str = "127.77.0.0/24",
        personas: Sequence[HostilePersona] | None = None,
        first_host: int = FIRST_HOST,
        standard_ports: bool | None = None,
    ) -> None:
        net = ipaddress.ip_network(network, strict=False)
        if not isinstance(net, ipaddress.IPv4Network) or not net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")):
            raise LabError(f"hostile lab network {network} must be inside 127.0.0.0/8")
        chosen = tuple(personas) if personas is not None else HOSTILE
        if first_host + len(chosen) >= net.num_addresses:
            raise LabError(f"{net} is too small for {len(chosen)} hostile devices from .{first_host}")
        addresses = [str(net.network_address + first_host + i) for i in range(len(chosen))]
        standard = can_bind_privileged(addresses[0]) if standard_ports is None else standard_ports
        fixed = STANDARD if standard else HIGH
        self.trap = _trap(net)
        self.devices = tuple(HostileDevice(p, a, _ports(p, fixed)) for p, a in zip(chosen, addresses, strict=False))
        self.counts: Counter[str] = Counter()  # `<persona>:<event>`; `trap:visit` must stay 0
        self.received: dict[str, list[bytes]] = {}  # persona -> the raw requests and datagrams it got
        self._fixed = fixed
        super().__init__()
        self._closers: list[asyncio.AbstractServer | asyncio.BaseTransport] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def device(self, persona_id: str) -> HostileDevice:
        return next(d for d in self.devices if d.persona.id == persona_id)

    def received_by(self, persona_id: str) -> bytes:
        """Everything the scanner sent that persona, joined (read after the scan)."""
        return b"\n".join(self.received.get(persona_id, []))

    def credentials_toml(self) -> str:
        """One [[credentials]] for every hostile device (the same lab-only login)."""
        targets = ", ".join(f'"{d.address}"' for d in self.devices)
        return f'[[credentials]]\ntargets = [{targets}]\nusername = "{USERNAME}"\npassword = "{PASSWORD}"\n'

    async def _bind_all(self) -> None:
        await self._tcp(self.trap, self._fixed["http"], web.trap, Context("trap", self.trap, self._fixed, self.trap,
                                                                            self.counts, self.received))  # fmt: skip
        for device in self.devices:
            ctx = Context(device.persona.id, device.address, device.ports, self.trap, self.counts, self.received)
            for name, behaviour in device.persona.tcp:
                await self._tcp(device.address, device.ports[name], behaviour, ctx)
            for name, factory in device.persona.udp:
                device.ports[name] = await self._udp(device.address, device.ports[name], factory, ctx)
            if device.persona.onvif:
                await self._udp(device.address, device.ports["wsd"], lambda c: _announcer(c), ctx)

    async def _tcp(self, address: str, port: int, behaviour: TcpBehaviour, ctx: Context) -> None:
        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)  # type: ignore[arg-type]
            try:
                await behaviour(reader, writer, ctx)
            except asyncio.CancelledError:
                pass
            except Exception:  # a hostile behaviour's own bug must not take the loop down
                log.exception("hostile lab: %s failed", ctx.persona)
            finally:
                self._tasks.discard(task)  # type: ignore[arg-type]
                writer.transport.abort()

        try:
            server = await asyncio.start_server(on_connect, host=address, port=port, reuse_address=True)
        except OSError as exc:
            raise LabError(f"hostile lab cannot listen on {address}:{port}/tcp: {exc.strerror or exc}") from None
        self._closers.append(server)

    async def _udp(self, address: str, port: int, factory: UdpBehaviour, ctx: Context) -> int:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(lambda: factory(ctx), local_addr=(address, port))
        except OSError as exc:
            raise LabError(f"hostile lab cannot listen on {address}:{port}/udp: {exc.strerror or exc}") from None
        self._closers.append(transport)
        return int(transport.get_extra_info("sockname")[1])

    async def _close_all(self) -> None:
        for closer in self._closers:
            closer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=2.0)
        self._closers, self._tasks = [], set()


def _trap(net: ipaddress.IPv4Network) -> str:
    trap = ipaddress.IPv4Address(int(net.broadcast_address) + 255)
    if trap not in ipaddress.IPv4Network("127.0.0.0/8"):
        raise LabError(f"no room for the trap after {net} inside 127.0.0.0/8")
    return str(trap)


def _ports(persona: HostilePersona, fixed: dict[str, int]) -> dict[str, int]:
    """Fixed ports for what a scan reaches (web, TLS, RTSP, WS-Discovery); ephemeral ones for segment protocols."""
    names = [name for name, _ in persona.tcp] + [name for name, _ in persona.udp] + (["wsd"] if persona.onvif else [])
    ports = {name: fixed.get(name, 0) for name in names}
    ports.setdefault("http", fixed["http"])  # behaviours name the web port in URLs even when they have none
    return ports


def _announcer(ctx: Context) -> asyncio.DatagramProtocol:
    """An honest WS-Discovery responder announcing the device's (hostile) ONVIF service."""
    xaddr = f"http://{ctx.address}:{ctx.ports['http']}/onvif/device_service"
    scopes = (f"onvif://www.onvif.org/name/{ctx.persona}", "onvif://www.onvif.org/type/video_encoder")
    return WsdResponder(f"urn:uuid:hostile-{ctx.persona}", scopes, xaddr)
