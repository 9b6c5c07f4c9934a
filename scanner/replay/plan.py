"""Where each recorded device is served: its host number kept inside the replay network, its ports kept when the
replay may bind them, else moved to the lab's documented high ports (scanner/lab/ports.py).

A device recorded at 10.1.2.37 is served at NET.37 on a /24 (on a /16, at the low 16 bits of its address). A
device whose number is taken, is the network or broadcast address, or was recorded without an address gets the
next free number (from .11, as the lab's devices, when it has none). Without the privilege to bind ports below
1024, 80 becomes 8080, 554 becomes 8554 and 443 becomes 8443 (as in the lab), unless the device has that port too
or another port of the same kind (web, TLS web, RTSP) between the two: then it is the first free camera port of that
kind that keeps the ports in their recorded order (80 becomes 2020 beside a web port 8000), because a scan asks a
device's vendor API on its first web port. Every served port is in camaudit's default port list.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from scanner.config import CAMERA_PORTS, HTTP_PORTS, HTTPS_PORTS, RTSP_PORTS
from scanner.errors import LabError
from scanner.replay.records import RecordedDevice

FIRST_HOST = 11  # as the lab: devices without a recorded address start at network + 11
PRIVILEGED = 1024
HIGH_PORTS = {80: 8080, 554: 8554, 443: 8443}  # the lab's port plan without privilege (scanner/lab/ports.py)
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


@dataclass(frozen=True)
class Placed:
    """A recorded device and where it is served: its address and `{recorded port: served port}`."""

    device: RecordedDevice
    address: str
    ports: Mapping[int, int]


def replay_network(text: str) -> ipaddress.IPv4Network:
    """The replay network: a CIDR inside 127.0.0.0/8 (LabError otherwise: the replay only listens on loopback)."""
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise LabError(f"replay network {text!r} is not a CIDR such as 127.77.200.0/24") from None
    if not isinstance(net, ipaddress.IPv4Network) or not net.subnet_of(LOOPBACK):
        raise LabError(f"replay network {text} must be inside 127.0.0.0/8: the replay only ever listens on loopback")
    return net


def place(devices: Sequence[RecordedDevice], network: str, standard: bool) -> tuple[Placed, ...]:
    """Every device's address in `network` and its ports; LabError when they do not fit."""
    net = replay_network(network)
    usable = net.num_addresses - 2 if net.prefixlen < 31 else net.num_addresses
    if len(devices) > usable:
        raise LabError(f"replay network {net} is too small for {len(devices)} devices")
    numbers: dict[int, int] = {}  # device index -> host number
    taken: set[int] = set()
    addressed = [i for i, d in enumerate(devices) if d.address is not None]
    for index in [*addressed, *(i for i in range(len(devices)) if i not in addressed)]:
        wanted = _host_number(devices[index].address, net)
        numbers[index] = _free(wanted if wanted is not None else FIRST_HOST, net, taken)
        taken.add(numbers[index])
    return tuple(
        Placed(d, str(net.network_address + numbers[i]), MappingProxyType(served_ports(d, standard)))
        for i, d in enumerate(devices)
    )


def _host_number(address: str | None, net: ipaddress.IPv4Network) -> int | None:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    return int(ip) & int(net.hostmask)


def _free(wanted: int, net: ipaddress.IPv4Network, taken: set[int]) -> int:
    """`wanted` if it is a free host number of `net`, else the next free one (wrapping around)."""
    size = net.num_addresses
    for step in range(size):
        number = (wanted + step) % size
        reserved = size > 2 and number in (0, size - 1)  # the network and broadcast addresses
        if not reserved and number not in taken:
            return number
    raise LabError(f"replay network {net} has no free address left")  # pragma: no cover - place() counts first


def served_ports(device: RecordedDevice, standard: bool) -> dict[int, int]:
    """`{recorded: served}` for every port of the device: the same when privileged ports may be bound."""
    recorded = device.all_ports
    if standard:
        return {port: port for port in recorded}
    served = {port: port for port in recorded if port >= PRIVILEGED}
    for port in sorted(p for p in recorded if p < PRIVILEGED):
        options = [p for p in [HIGH_PORTS.get(port, 0), *_same_kind(port)] if p and p not in served.values()]
        in_order = [p for p in options if _keeps_order(port, p, served)]
        choice = (in_order or options or [0])[0]
        if not choice:
            raise LabError(f"{device.name}: no free camera port for its port {port} without root; run as root")
        served[port] = choice
    return served


def _keeps_order(port: int, choice: int, served: Mapping[int, int]) -> bool:
    """Serving `port` on `choice` keeps its place among the device's ports of its kind: a scan asks a device's
    vendor API on its first web port, so the recorded first web port must stay first."""
    kind = _same_kind(port)
    return all((other < port) == (now < choice) for other, now in served.items() if now in kind or other in kind)


def _same_kind(port: int) -> list[int]:
    """Unprivileged camera ports a scan treats as `port` is treated (web, TLS web, RTSP, other)."""
    kinds = (RTSP_PORTS, HTTPS_PORTS, HTTP_PORTS)
    kind = next((k for k in kinds if port in k), None)
    return [p for p in CAMERA_PORTS if p >= PRIVILEGED and (p in kind if kind else not any(p in k for k in kinds))]
