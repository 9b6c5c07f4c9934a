"""WWW-Authenticate challenges parsed, and the RFC 2617 / 7616 answers to them computed (pure)."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from scanner.errors import ParseError
from scanner.model import Credential

MAX_HEADER = 4096  # a real challenge is a few hundred bytes
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z/]+")
_SPACE = re.compile(r"[\s,]*")
_BLANK = re.compile(r"[ \t]*")
_HASHES = {"md5": hashlib.md5, "sha-256": hashlib.sha256}


@dataclass(frozen=True)
class Challenge:
    """One authentication challenge: lower-case scheme and its parameters (names lower-case)."""

    scheme: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None

    @property
    def realm(self) -> str | None:
        return self.param("realm")


def parse_challenges(header: str) -> tuple[Challenge, ...]:
    """Every challenge in a WWW-Authenticate value (several may share one header); ParseError on garbage."""
    text = header[:MAX_HEADER]
    found: list[tuple[str, list[tuple[str, str]]]] = []
    pos = _skip(_SPACE, text, 0)
    while pos < len(text):
        token = _TOKEN.match(text, pos)
        if token is None:
            raise ParseError(f"unreadable authentication challenge at character {pos}")
        pos = token.end()
        equals = _skip(_BLANK, text, pos)
        after = text[equals : equals + 1]
        if after == "=" and found:
            value, pos = _value(text, _skip(_BLANK, text, equals + 1))
            found[-1][1].append((token.group().lower(), value))
        elif after == "=":
            raise ParseError("authentication parameter before any scheme")
        else:
            found.append((token.group().lower(), []))
        pos = _skip(_SPACE, text, pos)
    if not found:
        raise ParseError("empty authentication challenge")
    return tuple(Challenge(scheme, tuple(params)) for scheme, params in found)


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """The position after the run of `pattern` (which matches the empty string) at pos."""
    match = pattern.match(text, pos)
    return match.end() if match else pos


def _value(text: str, pos: int) -> tuple[str, int]:
    """A quoted-string or token value starting at pos; returns it and the position after it."""
    if text[pos : pos + 1] == '"':
        out, i = [], pos + 1
        while i < len(text) and text[i] != '"':
            if text[i] == "\\" and i + 1 < len(text):
                i += 1
            out.append(text[i])
            i += 1
        return "".join(out), i + 1
    token = _TOKEN.match(text, pos)
    if token is None:  # token68 padding (`Negotiate abc==`) or an empty value
        end = pos
        while text[end : end + 1] == "=":
            end += 1
        return "", end
    return token.group(), token.end()


def preferred(challenges: tuple[Challenge, ...]) -> Challenge | None:
    """The challenge a client should answer: Digest with a hash we support, else Basic, else the first."""
    for challenge in challenges:
        if challenge.scheme == "digest" and digest_supported(challenge):
            return challenge
    for challenge in challenges:
        if challenge.scheme == "basic":
            return challenge
    return challenges[0] if challenges else None


def digest_supported(challenge: Challenge) -> bool:
    """True when we can answer this Digest challenge (MD5 or SHA-256, qop absent or including auth)."""
    algorithm = (challenge.param("algorithm") or "MD5").lower().removesuffix("-sess")
    qop = challenge.param("qop")
    has_auth = qop is None or "auth" in [q.strip().lower() for q in qop.split(",")]
    return algorithm in _HASHES and has_auth and bool(challenge.param("nonce"))


def basic_authorization(credential: Credential) -> str:
    """The Authorization value for Basic (RFC 7617)."""
    raw = f"{credential.username}:{credential.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def digest_authorization(
    challenge: Challenge, credential: Credential, method: str, uri: str, cnonce: str, nc: int = 1
) -> str:
    """The Authorization value answering a Digest challenge (RFC 2617, with RFC 7616's SHA-256)."""
    if not digest_supported(challenge):
        raise ValueError("unsupported Digest challenge")
    algorithm = challenge.param("algorithm")
    hash_name = (algorithm or "MD5").lower()
    digest = _HASHES[hash_name.removesuffix("-sess")]

    def h(text: str) -> str:
        return digest(text.encode()).hexdigest()

    realm, nonce = challenge.realm or "", challenge.param("nonce") or ""
    ha1 = h(f"{credential.username}:{realm}:{credential.password}")
    if hash_name.endswith("-sess"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    fields = [("username", _quote(credential.username)), ("realm", _quote(realm)), ("nonce", _quote(nonce))]
    fields.append(("uri", _quote(uri)))
    if challenge.param("qop") is None:
        fields.append(("response", _quote(h(f"{ha1}:{nonce}:{ha2}"))))
    else:
        count = f"{nc:08x}"
        fields.append(("response", _quote(h(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}"))))
        fields += [("qop", "auth"), ("nc", count), ("cnonce", _quote(cnonce))]
    if algorithm:
        fields.append(("algorithm", algorithm))
    if challenge.param("opaque") is not None:
        fields.append(("opaque", _quote(challenge.param("opaque") or "")))
    return "Digest " + ", ".join(f"{key}={value}" for key, value in fields)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
