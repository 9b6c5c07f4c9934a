"""Which interfaces may carry discovery multicast: up, multicast-capable, not loopback, on a target's subnet."""

from __future__ import annotations

import ipaddress

import pytest

from scanner.discovery.interfaces import choose_interfaces
from scanner.errors import UsageError
from scanner.net.interfaces import Interface, interface_holding, local_interfaces, source_interface


def iface(name: str, cidr: str, up: bool = True, loopback: bool = False, multicast: bool = True) -> Interface:
    address, _, _ = cidr.partition("/")
    return Interface(name, address, ipaddress.IPv4Network(cidr, strict=False), up, loopback, multicast)


LO = iface("lo", "127.0.0.1/8", loopback=True, multicast=False)
UPLINK = iface("eth0", "192.0.2.2/24")
LAB = iface("eth1", "198.51.100.2/24")
DOWN = iface("eth2", "198.51.100.3/24", up=False)
NOMC = iface("tun0", "198.51.100.4/24", multicast=False)
ALL = (LO, UPLINK, LAB, DOWN, NOMC)


def test_only_interfaces_on_a_targets_subnet():
    assert choose_interfaces(ALL, ["198.51.100.11", "198.51.100.12"]) == (LAB,)
    assert choose_interfaces(ALL, ["198.51.100.0"]) == (LAB,)


def test_loopback_and_routed_targets_get_no_multicast():
    assert choose_interfaces(ALL, ["127.77.0.11"]) == ()
    assert choose_interfaces(ALL, ["10.9.8.7", "::1"]) == ()


def test_the_named_interface_only():
    assert choose_interfaces(ALL, ["198.51.100.11"], "eth1") == (LAB,)


@pytest.mark.parametrize(
    ("name", "targets", "message"),
    [
        ("wlan9", ["198.51.100.11"], "no such interface"),
        ("lo", ["127.0.0.1"], "loopback"),
        ("eth2", ["198.51.100.11"], "down or cannot send multicast"),
        ("tun0", ["198.51.100.11"], "down or cannot send multicast"),
        ("eth0", ["198.51.100.11"], "no target is on its subnet"),
    ],
)
def test_a_named_interface_that_cannot_serve_is_a_usage_error(name, targets, message):
    with pytest.raises(UsageError, match=message):
        choose_interfaces(ALL, targets, name)


def test_this_machines_loopback_is_never_chosen():
    found = local_interfaces()
    assert any(i.loopback for i in found)
    assert all(not i.loopback for i in choose_interfaces(found, ["127.0.0.1"]))
    # The host's own uplink is chosen only for targets on its subnet; tests never name such targets.
    assert choose_interfaces(found, ["127.0.0.1", "::1"]) == ()


def test_the_source_interface_of_a_loopback_target_is_lo():
    assert source_interface("127.77.0.10").startswith("lo (127.")
    assert interface_holding("127.0.0.1") == "lo" and interface_holding("not an address") is None
