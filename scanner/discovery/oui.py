"""MAC vendor from nmap's maintained OUI list (`nmap-mac-prefixes`): longest registered prefix wins (pure)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from scanner.discovery.arp import normal_mac

PREFIX_FILE = "nmap-mac-prefixes"
SHARE_DIRS = (Path("/usr/share/nmap"), Path("/usr/local/share/nmap"), Path("/opt/homebrew/share/nmap"))
PREFIX_LENGTHS = (9, 7, 6)  # MA-S (36 bits), MA-M (28 bits), MA-L (24 bits), in hex digits
MAX_FILE = 16 << 20


@dataclass(frozen=True)
class OuiTable:
    """Prefix (upper-case hex, 6, 7 or 9 digits) -> organisation, as nmap ships it."""

    names: dict[str, str]

    def vendor(self, mac: str | None) -> str | None:
        """The organisation registered for the MAC's longest matching prefix, or None."""
        normal = normal_mac(mac)
        if normal is None:
            return None
        digits = normal.replace(":", "").upper()
        return next((self.names[digits[:n]] for n in PREFIX_LENGTHS if digits[:n] in self.names), None)


def parse_prefixes(text: str) -> OuiTable:
    """`nmap-mac-prefixes` text (`4CBD8F Hangzhou Hikvision Digital Technology`, `#` comments) -> OuiTable."""
    names: dict[str, str] = {}
    for line in text.splitlines():
        prefix, _, organisation = line.strip().partition(" ")
        prefix = prefix.upper()
        if len(prefix) in PREFIX_LENGTHS and _hex(prefix) and organisation.strip():
            names.setdefault(prefix, organisation.strip()[:128])
    return OuiTable(names)


def find_prefix_file(nmap_path: str | None = None) -> Path | None:
    """nmap's prefix file: beside the nmap in use (../share/nmap), else in the usual share directories."""
    places: list[Path] = []
    binary = shutil.which(nmap_path or "nmap")
    if binary:
        places.append(Path(binary).resolve().parent.parent / "share" / "nmap")
    places.extend(SHARE_DIRS)
    return next((p / PREFIX_FILE for p in places if (p / PREFIX_FILE).is_file()), None)


def load_oui_table(path: Path | None) -> OuiTable:
    """The table from `path`; an empty table when there is none (then no MAC vendor is reported)."""
    if path is None:
        return OuiTable({})
    try:
        with path.open("rb") as handle:
            return parse_prefixes(handle.read(MAX_FILE).decode("utf-8", errors="replace"))
    except OSError:
        return OuiTable({})


def _hex(text: str) -> bool:
    return all(c in "0123456789ABCDEF" for c in text)
