"""Tests for scope: target expansion, ordering, de-duplication and every refusal."""

from __future__ import annotations

import pytest

from scanner.errors import ScopeError, UsageError
from scanner.scope import expand_targets


def test_single_addresses_are_sorted_and_deduplicated() -> None:
    got = expand_targets(["127.0.0.10", "::1", "127.0.0.2", "127.0.0.10", "0:0::1"])
    assert got == ("127.0.0.2", "127.0.0.10", "::1")


def test_loopback_slash_24_gives_254_hosts_without_network_and_broadcast() -> None:
    got = expand_targets(["127.77.0.0/24"])
    assert len(got) == 254
    assert got[0] == "127.77.0.1" and got[-1] == "127.77.0.254"


def test_cidr_host_bits_are_ignored() -> None:
    assert expand_targets(["127.77.0.9/30"]) == ("127.77.0.9", "127.77.0.10")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("127.77.0.4/31", ("127.77.0.4", "127.77.0.5")),  # point-to-point: both addresses are hosts
        ("127.77.0.4/32", ("127.77.0.4",)),
        ("::1/128", ("::1",)),
    ],
)
def test_small_networks_keep_every_address(target: str, expected: tuple[str, ...]) -> None:
    assert expand_targets([target]) == expected


def test_last_octet_range_includes_both_ends() -> None:
    got = expand_targets(["127.0.0.1-20"])
    assert len(got) == 20
    assert got[0] == "127.0.0.1" and got[-1] == "127.0.0.20"


def test_full_range_crosses_octets() -> None:
    got = expand_targets(["127.0.0.254-127.0.1.2"])
    assert got == ("127.0.0.254", "127.0.0.255", "127.0.1.0", "127.0.1.1", "127.0.1.2")


def test_ipv6_range_and_loopback() -> None:
    assert expand_targets(["::1-::1"]) == ("::1",)
    assert expand_targets(["fd00::1-fd00::3"]) == ("fd00::1", "fd00::2", "fd00::3")


def test_overlapping_targets_merge() -> None:
    got = expand_targets(["127.0.0.1-10", "127.0.0.0/28", "127.0.0.5"])
    assert got == tuple(f"127.0.0.{n}" for n in range(1, 15))


def test_private_and_link_local_pass() -> None:
    got = expand_targets(["10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.3.4", "fe80::1%eth0", "fd12::1"])
    assert len(got) == 6


def test_ipv4_mapped_ipv6_is_returned_as_ipv4() -> None:
    assert expand_targets(["::ffff:127.0.0.9"]) == ("127.0.0.9",)


def test_zone_id_with_a_dash_is_an_address_not_a_range() -> None:
    assert expand_targets(["fe80::1%br-lan"]) == ("fe80::1%br-lan",)


def test_whitespace_around_a_target_is_ignored() -> None:
    assert expand_targets(["  127.0.0.1 "]) == ("127.0.0.1",)


def test_a_lone_string_is_one_target() -> None:
    assert expand_targets("127.0.0.1-2") == ("127.0.0.1", "127.0.0.2")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("8.8.8.8", "public address 8.8.8.8"),
        ("2001:4860::8888", "public address"),
        ("::ffff:8.8.8.8", "public address 8.8.8.8"),
        ("100.64.0.1", "not a private, loopback or link-local"),  # shared (CGNAT) space
        ("10.255.255.254-11.0.0.1", "public address 11.0.0.0"),  # runs out of 10.0.0.0/8
        ("192.168.255.254-192.169.0.1", "public address 192.169.0.0"),
    ],
)
def test_public_addresses_are_refused(target: str, words: str) -> None:
    with pytest.raises(ScopeError, match=words) as caught:
        expand_targets([target])
    assert target in str(caught.value)
    assert "--allow-public" in str(caught.value)


def test_allow_public_lets_public_addresses_through() -> None:
    assert expand_targets(["8.8.8.8", "100.64.0.1"], allow_public=True) == ("8.8.8.8", "100.64.0.1")


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("224.0.0.251", "multicast"),
        ("ff02::c", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("0.1.2.3", "this network"),
        ("255.255.255.255", "broadcast"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_never_scannable_even_with_allow_public(target: str, words: str) -> None:
    with pytest.raises(ScopeError, match=words):
        expand_targets([target], allow_public=True)


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("localhost", "give an address"),
        ("cam-1.example", "give an address"),
        ("nvr.local/24", "give an address"),
        ("127.0.0.300", "not an address"),
        ("1.2.3", "not an address"),
        ("127.0.0.1-300", "not an address"),
        ("127.0.0.9-2", "ends before it starts"),
        ("127.0.0.1-::1", "mixes IPv4 and IPv6"),
        ("127.0.0.0/33", "not a valid CIDR"),
        ("127.0.0.1,127.0.0.2", "not an address"),
        ("", "empty target"),
    ],
)
def test_malformed_targets_are_refused_naming_the_target(target: str, words: str) -> None:
    with pytest.raises(ScopeError, match=words) as caught:
        expand_targets([target])
    message = str(caught.value)
    assert "\n" not in message
    assert target in message


def test_max_hosts_is_enforced_across_targets() -> None:
    assert len(expand_targets(["127.0.0.1-100"], max_hosts=100)) == 100
    with pytest.raises(ScopeError, match="more than 150: pass --yes"):
        expand_targets(["127.0.0.1-100", "127.0.1.1-100"], max_hosts=150)


def test_max_hosts_counts_after_deduplication() -> None:
    assert len(expand_targets(["127.0.0.1-100", "127.0.0.50-100"], max_hosts=100)) == 100


def test_huge_networks_are_refused_before_expansion() -> None:
    with pytest.raises(ScopeError, match="16777216 addresses"):
        expand_targets(["10.0.0.0/8"])
    with pytest.raises(ScopeError, match="addresses"):
        expand_targets(["fd00::/64"])
    with pytest.raises(ScopeError, match="at most 1048576"):
        expand_targets(["10.0.0.0-10.255.255.255"])


def test_default_limit_allows_a_slash_16() -> None:
    assert len(expand_targets(["10.9.0.0/16"])) == 65534


def test_scope_error_is_a_usage_error() -> None:
    assert issubclass(ScopeError, UsageError)


def test_covers_says_whether_the_targets_name_an_address_without_expanding_them():
    from scanner.scope import covers

    assert covers(["127.77.0.0/24"], "127.77.0.60") is True
    assert covers(["10.0.0.0/8"], "10.200.3.4") is True  # 16 million addresses, none expanded
    assert covers(["127.77.0.0/24", "10.0.0.1-20"], "10.0.0.20") is True
    assert covers(["10.0.0.1-20"], "10.0.0.21") is False
    assert covers(["10.0.0.7"], "::ffff:10.0.0.7") is True
    assert covers(["127.77.0.0/24"], "fe80::1") is False
    assert covers(["camera.example"], "10.0.0.7") is None


def test_a_link_local_ipv6_address_needs_its_interface() -> None:
    with pytest.raises(ScopeError, match=r"link-local IPv6 address without its interface.*fe80::1%eth0"):
        expand_targets(["fe80::1"])
    assert expand_targets(["fe80::1%eth0"]) == ("fe80::1%eth0",)


def test_a_target_beyond_the_hard_limit_does_not_offer_yes() -> None:
    """0.0.0.0/0 is more than camaudit ever scans: the message must not suggest --yes, which would not help."""
    for confirmed in (False, True):
        with pytest.raises(ScopeError, match="at most 1048576") as refused:
            expand_targets(["0.0.0.0/0"], confirmed=confirmed)
        assert "--yes" not in str(refused.value)
    with pytest.raises(ScopeError, match=r"more than 65536 \(a /16\): pass --yes"):
        expand_targets(["10.0.0.0/15"])
