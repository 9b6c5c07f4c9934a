"""Identity from discovery: SADP/DHIP/SSDP/mDNS facts and the MAC vendor fill what the probes did not reveal."""

from __future__ import annotations

import pytest

from scanner.judge.identify import IdentityHints, identity
from scanner.matching.loader import load_signatures
from scanner.model import DiscoveryFact, Host

SIGSET = load_signatures()
NONE = IdentityHints((), False, ())


def host(*facts: DiscoveryFact, mac: str | None = None, mac_vendor: str | None = None) -> Host:
    return Host("198.51.100.11", (), mac=mac, mac_vendor=mac_vendor, facts=facts)


def test_sadp_alone_names_vendor_model_serial_firmware():
    sadp = DiscoveryFact("sadp", (("vendor", "Hikvision"), ("model", "DS-2CD2143G2-I"), ("serial", "DS-X123"),
                                  ("firmware", "V5.7.3build 220112"), ("mac", "44-a6-42-19-5b-19")))  # fmt: skip
    ident = identity(host(sadp), [], NONE, SIGSET)
    assert (ident.vendor, ident.model, ident.serial, ident.firmware) == (
        "Hikvision", "DS-2CD2143G2-I", "DS-X123", "V5.7.3build 220112")  # fmt: skip
    assert ident.mac == "44:a6:42:19:5b:19"


@pytest.mark.parametrize(
    ("fact", "vendor"),
    [
        (DiscoveryFact("mdns", (("vendor", "AXIS"), ("model", "M3045-V"))), "Axis"),
        (DiscoveryFact("ssdp", (("vendor", "AXIS"),)), "Axis"),
        (DiscoveryFact("dhip", (("vendor", "Dahua"),)), "Dahua"),
        (DiscoveryFact("ssdp", (("vendor", "Some Router Maker"),)), None),
    ],
)
def test_discovery_vendor_is_canonical(fact, vendor):
    assert identity(host(fact), [], NONE, SIGSET).vendor == vendor


def test_probe_hints_win_and_the_mac_vendor_comes_last():
    dhip = DiscoveryFact("dhip", (("vendor", "Dahua"), ("model", "IP4M-1041B")))
    amcrest = IdentityHints(("Amcrest", "Dahua"), True, ())
    assert identity(host(dhip), [], amcrest, SIGSET).vendor == "Amcrest"
    assert identity(host(mac_vendor="Zhejiang Dahua Technology"), [], NONE, SIGSET).vendor == "Dahua"
    assert identity(host(mac_vendor="Beijing Kuangshi Technology"), [], NONE, SIGSET).vendor == "Megvii"
    assert identity(host(mac_vendor="Ieee Registration Authority"), [], NONE, SIGSET).vendor is None


def test_vendor_protocols_outrank_renamable_announcements():
    sadp = DiscoveryFact("sadp", (("model", "DS-2CD2143G2-I"),))
    mdns = DiscoveryFact("mdns", (("model", "Front door"),))
    assert identity(host(mdns, sadp), [], NONE, SIGSET).model == "DS-2CD2143G2-I"


def test_an_oem_brand_names_the_device_and_its_maker_is_kept_beside_it():
    """An Amcrest camera runs Dahua firmware: the report names the brand and says whose firmware it runs."""
    amcrest = identity(host(), [], IdentityHints(("Amcrest", "Dahua"), True, ()), SIGSET)
    assert (amcrest.vendor, amcrest.maker) == ("Amcrest", "Dahua")
    dahua = identity(host(), [], IdentityHints(("Dahua",), True, ()), SIGSET)
    assert (dahua.vendor, dahua.maker) == ("Dahua", None)


def test_the_brand_a_device_names_comes_before_the_maker_a_fingerprint_recognised():
    from scanner.judge.identify import _brand_first

    assert _brand_first(["Dahua", "Amcrest"], SIGSET) == ["Amcrest", "Dahua"]
    assert _brand_first(["Dahua", "Hikvision"], SIGSET) == ["Dahua", "Hikvision"]
    assert _brand_first(["Hikvision"], SIGSET) == ["Hikvision"]
