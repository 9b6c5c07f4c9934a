"""The emulated premises: every persona on its own loopback address, served by one asyncio loop in a thread."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from scanner.errors import LabError
from scanner.lab import device as device_mod
from scanner.lab.loop import LoopHost
from scanner.lab.persona_file import load_personas
from scanner.lab.personas import Persona
from scanner.lab.ports import can_bind_privileged, plan
from scanner.lab.references import resolve
from scanner.lab.tempo import Tempo

FIRST_HOST = 11  # device i listens on network address + 11 + i


# Reolink's documented login carries the password in its body, and the lab's Reolinks have no HTTPS port: the
# owner of these lab-only logins allows the password in clear, as the README says to do knowingly.
_CLEAR_LOGIN = "allow_basic = true  # Reolink's login form over plain HTTP\n"


@dataclass(frozen=True)
class LabDevice:
    """One running persona: where it listens and on which ports (`{"http": 80, "rtsp": 554, ...}`)."""

    persona: Persona
    address: str
    ports: Mapping[str, int]


_REASONS = {
    errno.EADDRINUSE: "address already in use",
    errno.EACCES: "permission denied (ports below 1024 need root; pass standard_ports=False)",
    errno.EADDRNOTAVAIL: "address not available",
}


def loopback_personas() -> tuple[Persona, ...]:
    """The packaged personas that the loopback lab can host: not those identified only by segment multicast."""
    return tuple(p for p in load_personas() if p.segment is None or p.segment.loopback)


def _network(text: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise LabError(f"lab network {text!r} is not a CIDR such as 127.77.0.0/24") from None
    if not isinstance(net, ipaddress.IPv4Network) or not net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")):
        raise LabError(f"lab network {text} must be inside 127.0.0.0/8: the lab only ever listens on loopback")
    return net


class Lab(LoopHost):
    """Context manager running the emulated devices: `with Lab() as lab: ...`."""

    def __init__(
        self,
        network: str = "127.77.0.0/24",
        personas: Sequence[Persona] | None = None,
        standard_ports: bool | None = None,
        tempo: Tempo | None = None,
    ) -> None:
        net = _network(network)
        chosen = tuple(personas) if personas is not None else loopback_personas()
        if FIRST_HOST + len(chosen) >= net.num_addresses:
            raise LabError(f"lab network {net} is too small for {len(chosen)} devices starting at .{FIRST_HOST}")
        addresses = [str(net.network_address + FIRST_HOST + i) for i in range(len(chosen))]
        standard = can_bind_privileged(addresses[0]) if standard_ports is None else standard_ports
        placed = dict(zip((p.id for p in chosen), addresses, strict=True))
        chosen = tuple(resolve(p, placed) for p in chosen)  # receivers naming `@id` get that device's address
        try:
            self.devices: tuple[LabDevice, ...] = tuple(
                LabDevice(p, a, MappingProxyType(plan(p, standard))) for p, a in zip(chosen, addresses, strict=True)
            )
        except ValueError as exc:
            raise LabError(str(exc)) from None
        self.network = str(net)
        self.tempo = tempo  # None: every device answers at once and takes any number of connections
        super().__init__()
        self._sites: dict[str, device_mod.Site] = {}

    def site(self, address: str) -> device_mod.Site | None:
        """The vendor web server of the device at `address` (None: it has none), e.g. to see what a scan left open."""
        return self._sites.get(address)

    def credentials_toml(self) -> str:
        """A camaudit credentials file with one [[credentials]] per device (its address, its login)."""
        parts = ["# camaudit credentials for the emulated premises (lab-only logins on loopback)\n"]
        for d in self.devices:
            parts.append(
                f"[[credentials]]\n# {d.persona.id}\ntargets = [{_toml(d.address)}]\n"
                f"username = {_toml(d.persona.username)}\npassword = {_toml(d.persona.password)}\n"
                + (_CLEAR_LOGIN if d.persona.reolink is not None else "")
            )
        return "\n".join(parts)

    async def _bind_all(self) -> None:
        for lab_device in self.devices:
            think = self.tempo.think(lab_device.address) if self.tempo is not None else None
            for listener in device_mod.listeners(lab_device.persona, lab_device.address, lab_device.ports, think):
                if isinstance(listener, device_mod.TcpListener) and listener.site is not None:
                    self._sites[lab_device.address] = listener.site
                try:
                    await self._bind(lab_device.address, listener)
                except OSError as exc:
                    await self._close_all()
                    reason = _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
                    kind = "udp" if isinstance(listener, device_mod.UdpListener) else "tcp"
                    raise LabError(
                        f"cannot listen on {lab_device.address}:{listener.port}/{kind} "
                        f"({lab_device.persona.id} {listener.service}): {reason}"
                    ) from None

    async def _bind(self, address: str, listener: device_mod.TcpListener | device_mod.UdpListener) -> None:
        loop = asyncio.get_running_loop()
        if isinstance(listener, device_mod.UdpListener):
            # No SO_REUSEADDR on UDP: a second lab on the same address must fail, not share the port.
            transport, _ = await loop.create_datagram_endpoint(listener.protocol, local_addr=(address, listener.port))
            self._transports.append(transport)
            return
        server = await asyncio.start_server(
            self._tracked(self._gated(address, listener.serve)),
            host=address,
            port=listener.port,
            limit=listener.limit,
            reuse_address=True,
        )
        self._servers.append(server)

    def _gated(self, address: str, serve: device_mod.ServeTcp) -> device_mod.ServeTcp:
        """`serve` behind the device's gate on concurrent connections, when the lab has a tempo."""
        tempo = self.tempo
        if tempo is None:
            return serve

        async def admitted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            async with tempo.admit(address) as admit:
                if not admit:
                    writer.transport.abort()  # refused: the client sees the connection reset
                    return
                await serve(reader, writer)

        return admitted


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)
