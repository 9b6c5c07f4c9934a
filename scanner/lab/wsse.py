"""WS-Security UsernameToken checking as ONVIF devices do it: digest over nonce+created+password, fresh Created."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime

from scanner.lab.soap import UsernameToken


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """Base64(SHA-1(nonce + created + password)), the OASIS UsernameToken profile digest."""
    raw = hashlib.sha1(nonce + created.encode("utf-8") + password.encode("utf-8"), usedforsecurity=False)
    return base64.b64encode(raw.digest()).decode("ascii")


def parse_created(value: str) -> datetime | None:
    """`2026-01-02T03:04:05Z` / `+00:00` / fractional seconds -> aware UTC datetime, or None."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def token_valid(token: UsernameToken, username: str, password: str, device_now: datetime, window: int) -> bool:
    """True for the right user and password, with nonce and Created (required by ONVIF Core), Created
    within `window` seconds of the device's own clock."""
    created = parse_created(token.created)
    if not token.nonce or created is None or abs((created - device_now).total_seconds()) > window:
        return False
    if not hmac.compare_digest(token.username.encode(), username.encode()):
        return False
    if not token.digest:
        return hmac.compare_digest(token.password.encode(), password.encode())
    try:
        nonce = base64.b64decode(token.nonce, validate=True)
    except binascii.Error:
        return False
    return hmac.compare_digest(password_digest(nonce, token.created, password), token.password)
