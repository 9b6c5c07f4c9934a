"""HTTP/RTSP authentication as cameras do it: RFC 2617 Digest (MD5, optional qop=auth) and Basic."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections import OrderedDict
from urllib.parse import urlsplit

MAX_NONCES = 1024  # outstanding challenges remembered per realm; older ones are forgotten (client re-tries)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def parse_params(value: str) -> dict[str, str]:
    """`k=v, k2="quoted, \\"x\\""` -> dict (keys lower-cased). Malformed input yields what parsed before it."""
    params: dict[str, str] = {}
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i] in " ,\t":
            i += 1
        eq = value.find("=", i)
        if eq < 0:
            break
        key = value[i:eq].strip().lower()
        i = eq + 1
        if i < n and value[i] == '"':
            i, item = _quoted(value, i + 1)
        else:
            end = value.find(",", i)
            end = n if end < 0 else end
            item, i = value[i:end].strip(), end
        params[key] = item
    return params


def _quoted(value: str, i: int) -> tuple[int, str]:
    out = []
    while i < len(value) and value[i] != '"':
        if value[i] == "\\" and i + 1 < len(value):
            i += 1
        out.append(value[i])
        i += 1
    return i + 1, "".join(out)


class Authenticator:
    """One device login behind one realm; issues challenges in the vendor's wording and checks answers."""

    def __init__(
        self,
        realm: str,
        username: str,
        password: str,
        style: str = "generic",
        qop: bool = True,
        schemes: tuple[str, ...] = ("digest",),
    ) -> None:
        self.realm, self.style, self.qop, self.schemes = realm, style, qop, schemes
        self._username, self._password = username, password
        self._nonces: OrderedDict[str, None] = OrderedDict()

    def __repr__(self) -> str:
        return f"Authenticator(realm={self.realm!r}, schemes={self.schemes})"

    def challenges(self) -> list[str]:
        """WWW-Authenticate header values, one per offered scheme."""
        out = []
        for scheme in self.schemes:
            out.append(self._digest_challenge() if scheme == "digest" else f'Basic realm="{self.realm}"')
        return out

    def check(self, authorization: str | None, method: str, target: str) -> bool:
        """True when the Authorization header proves the password for this request."""
        if not authorization:
            return False
        scheme, _, rest = authorization.strip().partition(" ")
        if scheme.lower() == "digest" and "digest" in self.schemes:
            return self._check_digest(parse_params(rest), method, target)
        if scheme.lower() == "basic" and "basic" in self.schemes:
            return self._check_basic(rest.strip())
        return False

    def _new_nonce(self) -> str:
        if self.style == "hikvision" and self.qop:  # hex of a base64 text, as App-webs issues them
            nonce = binascii.hexlify(base64.b64encode(f"{secrets.token_hex(4)}:{secrets.randbelow(10**8)}".encode()))
            value = nonce.decode()
        elif self.style == "dahua" and self.qop:  # Dahua web servers issue a decimal number
            value = str(secrets.randbelow(10**9))
        else:
            value = secrets.token_hex(16)
        self._nonces[value] = None
        while len(self._nonces) > MAX_NONCES:
            self._nonces.popitem(last=False)
        return value

    def _digest_challenge(self) -> str:
        nonce, realm = self._new_nonce(), self.realm
        if self.style == "hikvision":
            qop = 'qop="auth", ' if self.qop else ""
            return f'Digest {qop}realm="{realm}", nonce="{nonce}", stale="FALSE"'
        if self.style == "dahua":
            extra = (
                f', qop="auth", nonce="{nonce}", opaque="{secrets.token_hex(20)}"' if self.qop else f', nonce="{nonce}"'
            )
            return f'Digest realm="{realm}"{extra}'
        qop = ', qop="auth"' if self.qop else ""
        return f'Digest realm="{realm}", nonce="{nonce}", algorithm="MD5"{qop}'

    def _check_digest(self, p: dict[str, str], method: str, target: str) -> bool:
        nonce, uri = p.get("nonce", ""), p.get("uri", "")
        if p.get("username") != self._username or p.get("realm") != self.realm or nonce not in self._nonces:
            return False
        if p.get("algorithm", "MD5").upper() != "MD5" or not _same_resource(uri, target):
            return False
        ha1 = _md5(f"{self._username}:{self.realm}:{self._password}")
        ha2 = _md5(f"{method}:{uri}")
        qop = p.get("qop", "")
        if qop == "auth":
            expected = _md5(f"{ha1}:{nonce}:{p.get('nc', '')}:{p.get('cnonce', '')}:auth:{ha2}")
        elif not qop:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        else:
            return False
        return hmac.compare_digest(expected, p.get("response", "").lower())

    def _check_basic(self, token: str) -> bool:
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        return hmac.compare_digest(user.encode(), self._username.encode()) and hmac.compare_digest(
            password.encode(), self._password.encode()
        )


def _same_resource(uri: str, target: str) -> bool:
    """The digest's uri names the requested resource (absolute or origin form, as clients differ)."""
    if uri == target:
        return True
    a, b = urlsplit(uri), urlsplit(target)
    return (a.path or "/", a.query) == (b.path or "/", b.query)
