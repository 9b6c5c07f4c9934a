"""The one redactor: no credential leaves camaudit, in an Observation, a report or an evidence file."""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterable, Sequence
from functools import cached_property, lru_cache
from urllib.parse import quote

from scanner.model import Credential, Observation, Sent

REDACTED = "[REDACTED]"  # brackets, not <redacted>: a redacted XML or JSON body stays well-formed
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

_SECRET_HEADER = "|".join(sorted(SECRET_HEADERS, key=len, reverse=True))
_SECRET_FIELD = r"\w*(?:password|passwd|passphrase|secret)\w*|pwd|pass"  # noqa: S105 - field names, not a secret
_HEADER_WORDS = ("authorization", "cookie")
_FIELD_WORDS = ("pass", "pwd", "secret")  # every _SECRET_FIELD holds one (password, passwd, passphrase: "pass")
# Each pattern with the words (any case) every text it replaces holds: a text without any of them is passed over.
_PATTERNS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    # Secret headers as JSON members ("Cookie": "..."), and as header lines: anchored at the start of a line so
    # that a page's minified script (document.cookie:...) keeps its evidence.
    (re.compile(rf'(?i)"({_SECRET_HEADER})"(\s*:\s*)"(?:[^"\\]|\\.)*"'), rf'"\1"\2"{REDACTED}"', _HEADER_WORDS),
    (re.compile(rf"(?im)^([ \t]*(?:{_SECRET_HEADER}))([ \t]*:[ \t]*)[^\r\n]+"), rf"\1\2{REDACTED}", _HEADER_WORDS),
    # user:password@ in any URL.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@\"'<>]+@"), rf"\1{REDACTED}@", ("@",)),
    # WS-Security: the whole UsernameToken (username, password digest, nonce), and any Password or Nonce element.
    (re.compile(r"(?is)<((?:[\w.-]+:)?UsernameToken)(\s[^>]*)?>.*?</\1\s*>"), rf"<\1\2>{REDACTED}</\1>",
     ("usernametoken",)),
    (re.compile(r"(?is)<((?:[\w.-]+:)?(?:\w*Password\w*|Nonce))(\s[^>]*)?>.*?</\1\s*>"), rf"<\1\2>{REDACTED}</\1>",
     ("password", "nonce")),
    # JSON "password": "..." and key=value / query-string password=...
    (re.compile(rf'(?i)"({_SECRET_FIELD})"(\s*:\s*)"(?:[^"\\]|\\.)*"'), rf'"\1"\2"{REDACTED}"', _FIELD_WORDS),
    (re.compile(rf"(?i)\b({_SECRET_FIELD})(\s*=\s*)[^&\s\"'<>;]*"), rf"\1\2{REDACTED}", _FIELD_WORDS),
)  # fmt: skip
# Every credential-shaped text _PATTERNS replace holds one of these words (any case; a URL's login: "://"): a text
# without any is left as it is without running the patterns, which is most of a report's strings.
_HINTS = (*_HEADER_WORDS, "://", "usernametoken", "nonce", *_FIELD_WORDS)
_ANY_HINT = re.compile("|".join(map(re.escape, _HINTS)), re.IGNORECASE)
Trie = dict[str, "Trie"]
FEW = 8  # up to this many secrets, replacing each one in turn is as fast as looking for all at once


class Secrets(tuple[str, ...]):
    """The owner's secrets, longest first, and one search for any of them (a trie-shaped pattern), so that a text
    holding none of a thousand devices' passwords is passed over in one scan instead of a thousand."""

    def __new__(cls, secrets: Iterable[str] = ()) -> Secrets:
        return super().__new__(cls, sorted(dict.fromkeys(s for s in secrets if s), key=len, reverse=True))

    @cached_property
    def _any(self) -> re.Pattern[str] | None:
        return re.compile(_trie(self)) if len(self) > FEW else None

    @cached_property
    def latin1(self) -> Secrets:
        """The same secrets as their UTF-8 bytes read as Latin-1 (to look for them in raw bytes)."""
        return Secrets(s.encode("utf-8").decode("latin-1") for s in self)

    def replace(self, text: str) -> str:
        """The text with each secret replaced by the marker, longest first (a password inside its token)."""
        if self._any is not None and self._any.search(text) is None:
            return text
        for secret in self:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


def _trie(words: Iterable[str]) -> str:
    """A pattern that matches any of `words` (branching one character at a time: fast in Python's re)."""
    root: Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: Trie) -> str:
        kids = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not kids:
            return ""
        body = kids[0] if len(kids) == 1 else "(?:" + "|".join(kids) + ")"
        return f"(?:{body})?" if "" in node else body

    return branch(root)


def secrets_set(secrets: Sequence[str]) -> Secrets:
    """`secrets` as a Secrets (itself when it already is one: built once per scan, used for every text)."""
    return secrets if isinstance(secrets, Secrets) else Secrets(secrets)


def secret_forms(username: str, password: str) -> tuple[str, ...]:
    """A password as a device may echo it: plain, URL-encoded, and inside a Basic token."""
    basic = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return tuple(dict.fromkeys(s for s in (password, quote(password, safe=""), basic) if s))


def secrets_of(logins: Iterable[Credential]) -> Secrets:
    """Every form in which any of the owner's passwords could show up in a device's answer or our output (pass
    the logins of a credentials file: `secrets_of(e.credential for e in credentials.entries)`)."""
    return Secrets(s for login in logins for s in secret_forms(login.username, login.password))


def replace_secrets(text: str, secrets: Iterable[str]) -> str:
    """The text with each given secret replaced by the marker, longest first (a password inside its token)."""
    return (secrets if isinstance(secrets, Secrets) else Secrets(secrets)).replace(text)


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """The text with credentials replaced by [REDACTED]: the given secrets wherever they appear, then every
    Authorization/Cookie header, URL userinfo, WS-Security token, and password field in query strings, forms,
    JSON and XML."""
    text = secrets_set(secrets).replace(text)
    if _ANY_HINT.search(text) is None:
        return text
    lowered = text.lower()
    for pattern, replacement, words in _PATTERNS:
        if any(word in lowered for word in words):
            text = pattern.sub(replacement, text)
    return text


def redact_bytes(body: bytes, secrets: Sequence[str] = ()) -> bytes:
    """`redact` on raw bytes, keeping every byte that is not a credential (Latin-1 maps bytes 1:1)."""
    return redact(body.decode("latin-1"), secrets_set(secrets).latin1).encode("latin-1")


def redact_header(name: str, value: str) -> str:
    """The header's value, or the marker when the header carries a login or a session."""
    return REDACTED if name.lower() in SECRET_HEADERS else value


def scrub(obs: Observation, credential: Credential | None) -> Observation:
    """The observation with secret headers blanked and the credential's password (plain, URL-encoded, in its
    Basic token) replaced everywhere: the last line of defence, applied by every probe.

    A body that had to be changed says so in `detail`, since its hash no longer matches the bytes received.
    """
    headers = tuple((k, redact_header(k, v)) for k, v in obs.headers)
    secrets = _forms(credential.username, credential.password) if credential and credential.password else None
    if secrets is None or not _holds_any(obs, headers, secrets):
        return obs if headers == obs.headers else dataclasses.replace(obs, headers=headers)
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


def _holds_any(obs: Observation, headers: Sequence[tuple[str, str]], secrets: Secrets) -> bool:
    """Whether a form of the password is anywhere `scrub` replaces it; most answers hold none, and are then kept
    as they are instead of rebuilt field by field (scrub runs on every observation of every device)."""
    texts = [obs.request, obs.detail, *(text for pair in headers for text in pair)]
    texts += [value for _, items in obs.values for value in items]
    blobs = [obs.body]
    if obs.sent is not None:
        texts.append(obs.sent.url)
        blobs.append(obs.sent.body)
    joined = "\n".join(texts)
    return any(secret in joined or any(secret.encode() in blob for blob in blobs) for secret in secrets)


@lru_cache(maxsize=1024)
def _forms(username: str, password: str) -> Secrets:
    """A login's secret forms, made once per login (scrub runs on every observation of every device)."""
    return Secrets(secret_forms(username, password))


def _scrub_sent(sent: Sent | None, secrets: Iterable[str]) -> Sent | None:
    """The request as recorded, with the credential replaced wherever it could appear (URL, body)."""
    if sent is None:
        return None
    url, body = replace_secrets(sent.url, secrets), _replace_in_bytes(sent.body, secrets)
    return sent if (url, body) == (sent.url, sent.body) else dataclasses.replace(sent, url=url, body=body)


def _replace_in_bytes(body: bytes, secrets: Iterable[str]) -> bytes:
    ordered = secrets if isinstance(secrets, Secrets) else sorted(secrets, key=len, reverse=True)  # longest first
    for secret in ordered:
        body = body.replace(secret.encode(), REDACTED.encode())
    return body


def blank_fields(body: bytes, names: Iterable[str]) -> tuple[bytes, int]:
    """The body with the value of every field of these names (case-insensitive) replaced by the marker, and how
    many were: XML elements and attributes, JSON members, and `key=value` lines whose key ends in the name
    (`table.Email.Password=`, `NAS[0].Password=`). For secrets a read returns (an FTP password, an EZVIZ
    verification code) that must be gone before the answer is recorded or hashed."""
    text, count = body.decode("latin-1"), 0
    for name in names:
        for pattern, replacement in _field_patterns(re.escape(name)):
            text, done = re.subn(pattern, replacement, text)
            count += done
    return text.encode("latin-1"), count


def _field_patterns(word: str) -> tuple[tuple[str, str], ...]:
    """A field's value as an XML element's text, an XML attribute, a JSON member and a `key=value` line."""
    element = rf"(?is)(<(?:[\w.-]+:)?{word}(?:\s[^>]*)?>)(?!\s*<)([^<]+)(</(?:[\w.-]+:)?{word}\s*>)"
    return (
        (element, rf"\1{REDACTED}\3"),
        (rf"""(?i)(\s{word}\s*=\s*)("[^"]*"|'[^']*')""", rf'\1"{REDACTED}"'),
        (rf'(?i)("{word}"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false)', rf'\1"{REDACTED}"'),
        (rf"(?im)^([ \t]*(?:[^=\r\n]*\.)?{word}(?:\[\d+\])*[ \t]*=)[ \t]*[^\r\n]+", rf"\1{REDACTED}"),
    )
