"""One emulated device inside its own network namespace: its TCP services and its answers to segment discovery.

Run as `python -m tests.doubles.segment.device PERSONA ADDRESS NETWORK HOST_NETNS_INODE [--lossy-wsd]` by the
namespace lab (scanner/lab/netns.py), inside the device's namespace. It refuses to start where multicast
could leave the lab: in the host's namespace, or beside any interface address outside the lab network.
It prints `ready` once every socket is bound, serves until its stdin closes, then prints its counters.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import random
import socket
import sys
from collections.abc import Callable

from scanner.errors import LabError
from scanner.lab import device as device_mod
from scanner.lab import httpd
from scanner.lab.persona_file import load_personas
from scanner.lab.personas import Persona
from scanner.lab.ports import plan
from scanner.net.interfaces import local_interfaces
from tests.doubles.segment import dhip, sadp, ssdp
from tests.doubles.segment.lossy import Lossy

LAB_RANGE = ipaddress.IPv4Network("198.51.100.0/24")  # RFC 5737 TEST-NET-2, only ever inside namespaces
WSD_GROUP, SSDP_GROUP, DHIP_GROUP = "239.255.255.250", "239.255.255.250", "239.255.255.251"


def check_isolated(network: ipaddress.IPv4Network, host_inode: int) -> None:
    """LabError unless this process is in a namespace of its own whose every address is inside `network`."""
    if not network.subnet_of(LAB_RANGE):
        raise LabError(f"the namespace lab network must be inside {LAB_RANGE}, not {network}")
    if os.stat("/proc/self/ns/net").st_ino == host_inode:
        raise LabError("refusing to run a segment device in the host's network namespace")
    for interface in local_interfaces():
        if not interface.loopback and ipaddress.IPv4Address(interface.address) not in network:
            raise LabError(f"interface {interface.name} has {interface.address}, outside the lab network {network}")


def multicast_socket(group: str, port: int, address: str) -> socket.socket:
    """A UDP socket on 0.0.0.0:port that also hears `group` (and broadcasts) on the device's interface."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", port))  # noqa: S104 - inside the device's own namespace: multicast needs the wildcard
    membership = socket.inet_aton(group) + socket.inet_aton(address)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sock.setblocking(False)
    return sock


class _Device:
    """Everything one device serves, started and stopped together."""

    def __init__(self, persona: Persona, address: str, lossy_wsd: bool) -> None:
        self.persona, self.address, self.lossy_wsd = persona, address, lossy_wsd
        self.ports = plan(persona, standard=True)
        self.rng = random.Random(f"{persona.id}-{os.getpid()}")  # noqa: S311 - loss and delays, not security
        self.closers: list[Callable[[], object]] = []
        self.lossy: list[Lossy] = []

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for listener in device_mod.listeners(self.persona, self.address, self.ports):
            if isinstance(listener, device_mod.TcpListener):
                server = await asyncio.start_server(listener.serve, self.address, listener.port, limit=listener.limit)
                self.closers.append(server.close)
            else:
                await self._udp(loop, WSD_GROUP, listener.port, listener.protocol, self.lossy_wsd)
        await self._segment(loop)

    async def _segment(self, loop: asyncio.AbstractEventLoop) -> None:
        spec, http_port = self.persona.segment, self.ports.get("http", 80)
        protocols = spec.protocols if spec else ()
        if "sadp" in protocols:
            await self._udp(
                loop, WSD_GROUP, sadp.PORT, lambda: sadp.SadpResponder(self.persona, self.address, http_port)
            )
        if "dhip" in protocols:
            await self._udp(
                loop, DHIP_GROUP, dhip.PORT, lambda: dhip.DhipResponder(self.persona, self.address, http_port)
            )
        if spec is not None and "ssdp" in protocols:
            rng = self.rng
            await self._udp(loop, SSDP_GROUP, ssdp.PORT,
                            lambda: ssdp.SsdpResponder(self.persona, self.address, spec.upnp_port, rng))  # fmt: skip
            handler = ssdp.description_handler(self.persona, self.address)
            server = await asyncio.start_server(
                lambda r, w: httpd.serve(r, w, handler),
                self.address,
                spec.upnp_port,  # type: ignore[arg-type]
            )
            self.closers.append(server.close)
        if "mdns" in protocols:
            from tests.doubles.segment.mdns import announce  # zeroconf starts threads: only for devices that announce

            zc = await loop.run_in_executor(None, announce, self.persona, self.address)
            self.closers.append(zc.close)

    async def _udp(
        self,
        loop: asyncio.AbstractEventLoop,
        group: str,
        port: int,
        factory: Callable[[], asyncio.DatagramProtocol],
        lossy: bool = False,
    ) -> None:
        def make() -> asyncio.DatagramProtocol:
            if not lossy:
                return factory()
            wrapped = Lossy(factory(), self.rng)
            self.lossy.append(wrapped)
            return wrapped

        transport, _ = await loop.create_datagram_endpoint(make, sock=multicast_socket(group, port, self.address))
        self.closers.append(transport.close)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()


async def _serve(device: _Device) -> None:
    await device.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # the lab closes our stdin to stop us
    device.close()
    for lossy in device.lossy:
        print(f"wsd replies sent={lossy.counts['sent']} dropped={lossy.counts['dropped']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.doubles.segment.device")
    parser.add_argument("persona")
    parser.add_argument("address")
    parser.add_argument("network")
    parser.add_argument("host_netns_inode", type=int)
    parser.add_argument("--lossy-wsd", action="store_true", help="drop one WS-Discovery reply in three")
    args = parser.parse_args(argv)
    try:
        check_isolated(ipaddress.IPv4Network(args.network), args.host_netns_inode)
        persona = next((p for p in load_personas() if p.id == args.persona), None)
        if persona is None:
            raise LabError(f"no persona {args.persona!r}")
        asyncio.run(_serve(_Device(persona, args.address, args.lossy_wsd)))
    except (LabError, OSError) as exc:
        print(f"segment device {args.persona}: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
