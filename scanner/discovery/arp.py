"""The kernel's neighbour table (/proc/net/arp) read after the sweep: which MAC answered for which address."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from scanner.errors import ParseError

ARP_TABLE = Path("/proc/net/arp")
METHOD = "arp"
_COMPLETE = 0x2  # ATF_COM: the entry holds a resolved hardware address
MAX_TABLE = 4 << 20  # a neighbour table of 4 MiB is tens of thousands of entries


def parse_arp_table(data: bytes) -> dict[str, str]:
    """`/proc/net/arp` text -> {IPv4 address: MAC in lower case}, complete entries only.

    ParseError when the header is missing (not the kernel's format); malformed lines are skipped.
    """
    if len(data) > MAX_TABLE:
        raise ParseError(f"neighbour table of {len(data)} bytes is larger than {MAX_TABLE}")
    lines = data.decode("ascii", errors="replace").splitlines()
    if not lines or not lines[0].startswith("IP address"):
        raise ParseError("not the kernel's ARP table (no header line)")
    table = {}
    for line in lines[1:]:
        entry = _entry(line.split())
        if entry is not None:
            table[entry[0]] = entry[1]
    return table


def read_arp_table(path: Path = ARP_TABLE) -> dict[str, str]:
    """The current network namespace's neighbour table; empty when it cannot be read (not Linux, no /proc)."""
    try:
        with path.open("rb") as handle:
            return parse_arp_table(handle.read(MAX_TABLE + 1))
    except (OSError, ParseError):
        return {}


def normal_mac(text: str | None) -> str | None:
    """A MAC in `aa:bb:cc:dd:ee:ff` form from any common spelling, or None (also for all-zero and multicast)."""
    digits = "".join(c for c in (text or "").lower() if c in "0123456789abcdef")
    if len(digits) != 12 or digits == "0" * 12 or int(digits[1], 16) & 1:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _entry(fields: list[str]) -> tuple[str, str] | None:
    if len(fields) < 4:
        return None
    address, flags, mac = fields[0], fields[2], normal_mac(fields[3])
    try:
        ipaddress.IPv4Address(address)
        complete = int(flags, 16) & _COMPLETE
    except ValueError:
        return None
    return (address, mac) if complete and mac else None
