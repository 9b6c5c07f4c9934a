"""Owner-supplied logins: the credentials file (TOML), and which login goes to which address."""

from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import CredentialsError
from scanner.model import Credential


@dataclass(frozen=True)
class CredentialEntry:
    """One `[[credentials]]` table: a login for the listed addresses or networks."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    credential: Credential


@dataclass(frozen=True)
class Credentials:
    """All owner-supplied logins; `for_address` picks the first entry whose networks contain it."""

    entries: tuple[CredentialEntry, ...] = ()

    def for_address(self, address: str) -> Credential | None:
        ip = ipaddress.ip_address(address)
        for entry in self.entries:
            if any(ip in net for net in entry.networks):
                return entry.credential
        return None

    def secrets(self) -> tuple[str, ...]:
        """Every password, so outputs can be checked for leaks."""
        return tuple(e.credential.password for e in self.entries if e.credential.password)


def load_credentials(path: Path) -> Credentials:
    """Read a TOML credentials file; raise CredentialsError with one clear line on any problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialsError(f"cannot read credentials file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"credentials file {path} is not valid TOML: {exc}") from None
    tables = data.get("credentials")
    if not isinstance(tables, list) or not tables:
        raise CredentialsError(f"credentials file {path} has no [[credentials]] table")
    entries = []
    for number, table in enumerate(tables, start=1):
        entries.append(_entry(path, number, table))
    return Credentials(tuple(entries))


def _entry(path: Path, number: int, table: object) -> CredentialEntry:
    where = f"{path}: [[credentials]] #{number}"
    if not isinstance(table, dict):
        raise CredentialsError(f"{where} is not a table")
    targets, user, password = table.get("targets"), table.get("username"), table.get("password")
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise CredentialsError(f'{where} needs targets = ["address or CIDR", ...]')
    if not isinstance(user, str) or not user:
        raise CredentialsError(f"{where} needs a username")
    if not isinstance(password, str):
        raise CredentialsError(f"{where} needs a password (a string)")
    try:
        nets = tuple(ipaddress.ip_network(t, strict=False) for t in targets)
    except ValueError:
        raise CredentialsError(f"{where} has a target that is not an address or CIDR") from None
    return CredentialEntry(nets, Credential(user, password))
