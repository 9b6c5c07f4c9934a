"""The one redactor: no credential leaves camaudit, in an Observation, a report or an evidence file."""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from scanner.model import Credential, Observation, Sent

REDACTED = "[REDACTED]"  # brackets, not <redacted>: a redacted XML or JSON body stays well-formed
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

_SECRET_HEADER = "|".join(sorted(SECRET_HEADERS, key=len, reverse=True))
_SECRET_FIELD = r"\w*(?:password|passwd|passphrase|secret)\w*|pwd|pass"  # noqa: S105 - field names, not a secret
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Secret headers as JSON members ("Cookie": "..."), and as header lines: anchored at the start of a line so
    # that a page's minified script (document.cookie:...) keeps its evidence.
    (re.compile(rf'(?i)"({_SECRET_HEADER})"(\s*:\s*)"(?:[^"\\]|\\.)*"'), rf'"\1"\2"{REDACTED}"'),
    (re.compile(rf"(?im)^([ \t]*(?:{_SECRET_HEADER}))([ \t]*:[ \t]*)[^\r\n]+"), rf"\1\2{REDACTED}"),
    # user:password@ in any URL.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@\"'<>]+@"), rf"\1{REDACTED}@"),
    # WS-Security: the whole UsernameToken (username, password digest, nonce), and any Password or Nonce element.
    (re.compile(r"(?is)<((?:[\w.-]+:)?UsernameToken)(\s[^>]*)?>.*?</\1\s*>"), rf"<\1\2>{REDACTED}</\1>"),
    (re.compile(r"(?is)<((?:[\w.-]+:)?(?:\w*Password\w*|Nonce))(\s[^>]*)?>.*?</\1\s*>"), rf"<\1\2>{REDACTED}</\1>"),
    # JSON "password": "..." and key=value / query-string password=...
    (re.compile(rf'(?i)"({_SECRET_FIELD})"(\s*:\s*)"(?:[^"\\]|\\.)*"'), rf'"\1"\2"{REDACTED}"'),
    (re.compile(rf"(?i)\b({_SECRET_FIELD})(\s*=\s*)[^&\s\"'<>;]*"), rf"\1\2{REDACTED}"),
)


def secret_forms(username: str, password: str) -> tuple[str, ...]:
    """A password as a device may echo it: plain, URL-encoded, and inside a Basic token."""
    basic = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return tuple(dict.fromkeys(s for s in (password, quote(password, safe=""), basic) if s))


def secrets_of(logins: Iterable[Credential]) -> tuple[str, ...]:
    """Every form in which any of the owner's passwords could show up in a device's answer or our output (pass
    the logins of a credentials file: `secrets_of(e.credential for e in credentials.entries)`)."""
    forms = (secret_forms(login.username, login.password) for login in logins)
    return tuple(dict.fromkeys(s for group in forms for s in group))


def replace_secrets(text: str, secrets: Iterable[str]) -> str:
    """The text with each given secret replaced by the marker, longest first (a password inside its token)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """The text with credentials replaced by [REDACTED]: the given secrets wherever they appear, then every
    Authorization/Cookie header, URL userinfo, WS-Security token, and password field in query strings, forms,
    JSON and XML."""
    text = replace_secrets(text, secrets)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_bytes(body: bytes, secrets: Sequence[str] = ()) -> bytes:
    """`redact` on raw bytes, keeping every byte that is not a credential (Latin-1 maps bytes 1:1)."""
    as_latin1 = [s.encode("utf-8").decode("latin-1") for s in secrets if s]
    return redact(body.decode("latin-1"), as_latin1).encode("latin-1")


def redact_header(name: str, value: str) -> str:
    """The header's value, or the marker when the header carries a login or a session."""
    return REDACTED if name.lower() in SECRET_HEADERS else value


def scrub(obs: Observation, credential: Credential | None) -> Observation:
    """The observation with secret headers blanked and the credential's password (plain, URL-encoded, in its
    Basic token) replaced everywhere: the last line of defence, applied by every probe.

    A body that had to be changed says so in `detail`, since its hash no longer matches the bytes received.
    """
    headers = tuple((k, redact_header(k, v)) for k, v in obs.headers)
    if credential is None or not credential.password:
        return obs if headers == obs.headers else dataclasses.replace(obs, headers=headers)
    secrets = secret_forms(credential.username, credential.password)
    body = _replace_in_bytes(obs.body, secrets)
    detail = replace_secrets(obs.detail, secrets)
    if body != obs.body:
        detail = (detail + "; " if detail else "") + "the answer contained the login password, which was redacted"
    return dataclasses.replace(
        obs,
        request=replace_secrets(obs.request, secrets),
        headers=tuple((replace_secrets(k, secrets), replace_secrets(v, secrets)) for k, v in headers),
        body=body,
        detail=detail,
        values=tuple((k, tuple(replace_secrets(v, secrets) for v in items)) for k, items in obs.values),
        sent=_scrub_sent(obs.sent, secrets),
    )


def _scrub_sent(sent: Sent | None, secrets: Iterable[str]) -> Sent | None:
    """The request as recorded, with the credential replaced wherever it could appear (URL, body)."""
    if sent is None:
        return None
    url, body = replace_secrets(sent.url, secrets), _replace_in_bytes(sent.body, secrets)
    return sent if (url, body) == (sent.url, sent.body) else dataclasses.replace(sent, url=url, body=body)


def _replace_in_bytes(body: bytes, secrets: Iterable[str]) -> bytes:
    for secret in sorted(secrets, key=len, reverse=True):
        body = body.replace(secret.encode(), REDACTED.encode())
    return body
