"""Which local interfaces may carry the scan's multicast and broadcast probes: only those on a target's subnet."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from scanner.errors import UsageError
from scanner.net.interfaces import Interface


def choose_interfaces(
    interfaces: Iterable[Interface], addresses: Sequence[str], wanted: str | None = None
) -> tuple[Interface, ...]:
    """The interfaces multicast may go out on: up, multicast-capable, not loopback, with a target on their subnet.

    `wanted` names one interface (the user's `--interface`); UsageError when it cannot carry multicast for
    these targets, so a typo is never silently "no camera found". Without `wanted`, an empty result means the
    targets are routed or on loopback: only unicast discovery applies.
    """
    targets = [ipaddress.ip_address(a) for a in addresses]
    v4 = [t for t in targets if isinstance(t, ipaddress.IPv4Address)]
    candidates = [i for i in interfaces if wanted is None or i.name == wanted]
    if wanted is not None and not candidates:
        raise UsageError(f"--interface {wanted}: no such interface with an IPv4 address")
    chosen = [i for i in candidates if _usable(i) and _holds_target(i.network, v4)]
    if wanted is not None and not chosen:
        raise UsageError(f"--interface {wanted}: {_why_not(candidates, v4)}")
    return tuple(chosen)


def _usable(interface: Interface) -> bool:
    return interface.up and interface.multicast and not interface.loopback


def _holds_target(network: ipaddress.IPv4Network, targets: Sequence[ipaddress.IPv4Address]) -> bool:
    return any(t in network for t in targets)


def _why_not(candidates: Sequence[Interface], targets: Sequence[ipaddress.IPv4Address]) -> str:
    first = candidates[0]
    if first.loopback:
        return "a loopback interface carries no discovery multicast"
    if not first.up or not first.multicast:
        return "the interface is down or cannot send multicast"
    nets = ", ".join(str(i.network) for i in candidates)
    return f"no target is on its subnet ({nets}): multicast would only reach other networks' neighbours"
