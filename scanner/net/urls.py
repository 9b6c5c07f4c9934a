"""URLs a probe may contact: always on the audited address, never carrying credentials (pure)."""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit, urlunsplit

from scanner.errors import ParseError


@functools.lru_cache(maxsize=4096)
def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `text` spells, or None (read once per spelling: every request's URL asks)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def url_host(address: str) -> str:
    """The address as it goes in a URL: IPv6 in brackets."""
    ip = _ip(address)
    return f"[{address}]" if ip is not None and ip.version == 6 else address


def same_host(host: str | None, address: str) -> bool:
    """True when a URL's host is the audited address (IPv6 spellings compared as addresses)."""
    if not host:
        return False
    mine, theirs = _ip(host.strip("[]")), _ip(address)
    if mine is None or theirs is None:
        return host.lower() == address.lower()
    return mine == theirs


def in_scope(url: str, address: str, default_port: int) -> str:
    """The URL rewritten onto `address` (keeping scheme, port, path, query) and without user:password@.

    Devices advertise other interfaces' addresses, NAT addresses or host names; the audit may only
    contact the address it was given, so every such URL is pointed back at it.
    """
    url = url.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ParseError("a URL with spaces or control characters")  # it would break our request line
    try:
        parts = urlsplit(url)
        port = parts.port or default_port
    except ValueError as exc:
        raise ParseError(f"not a URL: {exc}") from None
    if not parts.scheme or not parts.netloc:
        raise ParseError("not an absolute URL")
    netloc = f"{url_host(address)}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def printable(text: str, limit: int = 200) -> str:
    """Device-supplied text made safe for a one-line field: control characters escaped, length capped."""
    cleaned = text if text.isprintable() else "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."
