"""Owner-supplied logins: the credentials file (TOML), and which login goes to which address."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, StrictBool, StrictStr

from scanner.datafile import NonEmpty, Table, Text, fail, load_toml, say
from scanner.errors import CredentialsError
from scanner.model import Credential

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_HINTS = {  # what a missing key means
    "credentials": "has no [[credentials]] table",
    "targets": 'needs targets = ["address or CIDR", ...]',
    "username": "needs a username",
    "password": "needs a password (a string)",
}


def _network(target: object) -> Network:
    if not isinstance(target, str):
        raise fail("must be a string")
    try:
        return ipaddress.ip_network(target, strict=False)
    except ValueError:
        raise fail(f"{target!r} is not an address or CIDR") from None


Target = Annotated[Network, BeforeValidator(_network)]


@dataclass(frozen=True)
class CredentialEntry:
    """One `[[credentials]]` table: a login for the listed addresses or networks."""

    networks: tuple[Network, ...]
    credential: Credential


@dataclass(frozen=True)
class Credentials:
    """All owner-supplied logins; `for_address` picks the first entry whose networks contain it."""

    entries: tuple[CredentialEntry, ...] = ()

    def for_address(self, address: str) -> Credential | None:
        ip = ipaddress.ip_address(address)
        first = self._hosts.get(ip)  # the first entry naming the address itself, if any
        for index, entry in self._wide:  # then any earlier entry whose network holds it
            if first is not None and index > first:
                break
            if any(ip in net for net in entry.networks if net.num_addresses > 1):
                return entry.credential
        return self.entries[first].credential if first is not None else None

    @cached_property
    def _hosts(self) -> dict[IPAddress, int]:
        """Each address an entry names on its own, with the first entry that does (a file of a thousand cameras
        is looked up a thousand times: not each time through every entry)."""
        found: dict[IPAddress, int] = {}
        for index, entry in enumerate(self.entries):
            for net in entry.networks:
                if net.num_addresses == 1:
                    found.setdefault(net.network_address, index)
        return found

    @cached_property
    def _wide(self) -> tuple[tuple[int, CredentialEntry], ...]:
        """The entries that name a network of more than one address, in order."""
        return tuple((i, e) for i, e in enumerate(self.entries) if any(n.num_addresses > 1 for n in e.networks))


class _Entry(Table):
    targets: Annotated[tuple[Target, ...], NonEmpty(_HINTS["targets"])]
    username: Text
    password: Annotated[StrictStr, say(_HINTS["password"])] = Field(repr=False)
    allow_basic: Annotated[StrictBool, say("must be true or false")] = False

    def record(self) -> CredentialEntry:
        return CredentialEntry(self.targets, Credential(self.username, self.password, self.allow_basic))


class _File(Table):
    credentials: Annotated[tuple[_Entry, ...], NonEmpty(_HINTS["credentials"])]


def exposed_mode(path: Path) -> int | None:
    """The file's permission bits when users other than its owner may read it (group or others), else None."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o044 else None


def load_credentials(path: Path) -> Credentials:
    """Read a TOML credentials file; raise CredentialsError with one clear line on any problem."""
    loaded = load_toml(path, _File, f"credentials file {path}", CredentialsError, hints=_HINTS)
    return Credentials(tuple(entry.record() for entry in loaded.credentials))
