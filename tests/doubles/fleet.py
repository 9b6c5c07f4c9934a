"""A lab of N devices for benchmarks: the packaged personas cloned with unique serials and MACs, spread over a /24
or a larger network (a /20 holds 4094), optionally at real-camera speed (tests/doubles/tempo.py)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import replace
from types import MappingProxyType

from scanner.errors import LabError
from scanner.lab.lab import Lab, LabDevice, loopback_personas
from scanner.lab.personas import Persona
from scanner.lab.ports import can_bind_privileged, plan
from scanner.lab.tempo import Tempo

MAX_FLEET = 4094  # every host address of a /20


def clone_personas(base: Sequence[Persona], count: int) -> tuple[Persona, ...]:
    """`count` personas cycling through `base`; clone i keeps its template's answer key but gets its own identity.

    The serial's last digits and the MAC's last two bytes carry i, so clones of one template stay unique while
    the MAC keeps its vendor prefix (OUI) and the serial its vendor shape.
    """
    if not base:
        raise LabError("a fleet needs at least one persona to clone")
    clones = []
    for index in range(count):
        template = base[index % len(base)]
        clones.append(
            replace(
                template,
                id=f"{template.id}-{index:03d}",
                serial=_numbered_serial(template.serial, index),
                mac=_numbered_mac(template.mac, index),
                device_name=f"{template.device_name} {index:03d}",
            )
        )
    return tuple(clones)


def spread_addresses(network: str, count: int) -> tuple[str, ...]:
    """`count` host addresses spread evenly over `network` (a /24 or larger): .1 up to .254 when count is 254 on a
    /24; every fourth address or so for 1,000 on a /20, the rest silent."""
    net = ipaddress.ip_network(network, strict=False)
    hosts = net.num_addresses - 2
    if not 1 <= count <= min(hosts, MAX_FLEET):
        raise LabError(f"a fleet on {net} holds 1 to {min(hosts, MAX_FLEET)} devices, not {count}")
    span = min(hosts, MAX_FLEET)
    return tuple(str(net.network_address + 1 + (i * span) // count) for i in range(count))


def _numbered_serial(serial: str, index: int) -> str:
    return f"{serial[:-3]}{index:03d}" if len(serial) > 3 else f"{serial}{index:03d}"


def _numbered_mac(mac: str, index: int) -> str:
    octets = mac.lower().split(":")
    return ":".join(octets[:4] + [f"{index >> 8:02x}", f"{index & 0xFF:02x}"])


class Fleet(Lab):
    """A Lab of `count` cloned personas at addresses spread over `network`: `with Fleet(254) as fleet: ...`.

    Built like any Lab (same listeners, same answer key per device), only the device list differs.
    """

    def __init__(
        self,
        count: int,
        network: str = "127.79.0.0/24",
        personas: Sequence[Persona] | None = None,
        standard_ports: bool | None = None,
        tempo: Tempo | None = None,
    ) -> None:
        # No devices yet: the base class only checks that the network is on loopback and sets up the loop.
        super().__init__(network=network, personas=(), standard_ports=False, tempo=tempo)
        addresses = spread_addresses(network, count)
        clones = clone_personas(tuple(personas) if personas is not None else loopback_personas(), count)
        standard = can_bind_privileged(addresses[0]) if standard_ports is None else standard_ports
        try:
            self.devices = tuple(
                LabDevice(p, a, MappingProxyType(plan(p, standard))) for p, a in zip(clones, addresses, strict=True)
            )
        except ValueError as exc:
            raise LabError(str(exc)) from None
