"""The neighbour table and the MAC-vendor lookup (nmap-mac-prefixes), including 28- and 36-bit prefixes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.discovery.arp import normal_mac, parse_arp_table, read_arp_table
from scanner.discovery.oui import find_prefix_file, load_oui_table, parse_prefixes
from scanner.errors import ParseError
from scanner.matching.engine import vendor_for_oui
from scanner.matching.loader import load_signatures

FIXTURES = Path(__file__).parent / "fixtures"
# Lines in nmap-mac-prefixes' format; the 7-digit (MA-M) lines are how nmap lists Megvii's and SenseTime's blocks.
PREFIXES = """# comment line
4CBD8F Hangzhou Hikvision Digital Technology
3CEF8C Zhejiang Dahua Technology
601592 Ieee Registration Authority
6015926 Beijing Kuangshi Technology
AC1DDF Ieee Registration Authority
AC1DDF6 Shenzheng SenseTime Technology
8C1F64734 Zkteco Europe
8C1F64 Ieee Registration Authority
zzzzzz Not hex
"""


def test_neighbour_table_keeps_complete_entries_only():
    table = parse_arp_table((FIXTURES / "proc_net_arp.txt").read_bytes())
    assert table == {
        "198.51.100.11": "44:a6:42:19:5b:19",
        "198.51.100.12": "3c:ef:8c:5a:0e:13",
        "198.51.100.13": "ac:cc:8e:7b:1c:1a",
    }


@pytest.mark.parametrize("data", [b"", b"garbage\n1.2.3.4 0x1 0x2 aa:bb:cc:dd:ee:ff * eth0\n"])
def test_not_the_kernel_format(data):
    with pytest.raises(ParseError):
        parse_arp_table(data)


def test_unreadable_table_is_empty(tmp_path):
    assert read_arp_table(tmp_path / "absent") == {}


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("44-A6-42-19-5B-19", "44:a6:42:19:5b:19"),
        ("44a6.4219.5b19", "44:a6:42:19:5b:19"),
        ("00:00:00:00:00:00", None),
        ("01:00:5e:00:00:fb", None),  # multicast
        ("44:a6:42", None),
        (None, None),
    ],
)
def test_normal_mac(text, normal):
    assert normal_mac(text) == normal


def test_longest_registered_prefix_wins():
    table = parse_prefixes(PREFIXES)
    assert table.vendor("4c:bd:8f:00:00:01") == "Hangzhou Hikvision Digital Technology"
    assert table.vendor("60:15:92:6a:bc:de") == "Beijing Kuangshi Technology"
    assert table.vendor("60:15:92:1a:bc:de") == "Ieee Registration Authority"
    assert table.vendor("ac:1d:df:6f:00:01") == "Shenzheng SenseTime Technology"
    assert table.vendor("8c:1f:64:73:40:01") == "Zkteco Europe"
    assert table.vendor("02:00:00:00:00:01") is None
    assert table.vendor("not a mac") is None


def test_face_analytics_vendors_are_signatures_like_any_other():
    sigset = load_signatures()
    table = parse_prefixes(PREFIXES)
    assert vendor_for_oui(table.vendor("60:15:92:6a:bc:de") or "", sigset) == "Megvii"
    assert vendor_for_oui(table.vendor("ac:1d:df:6f:00:01") or "", sigset) == "SenseTime"
    assert vendor_for_oui(table.vendor("3c:ef:8c:00:00:01") or "", sigset) == "Dahua"


def test_nmap_ships_the_prefix_file_and_it_names_camera_vendors():
    # ./run test installs Debian's nmap, whose data directory holds the maintained list.
    path = find_prefix_file()
    assert path is not None, "nmap-mac-prefixes not found: install nmap (./run does)"
    table = load_oui_table(path)
    assert len(table.names) > 20000
    assert table.vendor("44:a6:42:19:5b:19") == "Hangzhou Hikvision Digital Technology"
    assert table.vendor("ac:cc:8e:7b:1c:1a") == "Axis Communications AB"


def test_missing_prefix_file_gives_an_empty_table(tmp_path):
    assert load_oui_table(None).names == {} and load_oui_table(tmp_path / "none").names == {}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_any_table_bytes_give_a_table_or_a_parse_error(data):
    try:
        assert isinstance(parse_arp_table(b"IP address HW type Flags HW address Mask Device\n" + data), dict)
        assert isinstance(parse_arp_table(data), dict)
    except ParseError:
        pass
