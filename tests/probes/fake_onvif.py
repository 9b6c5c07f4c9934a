"""A loopback ONVIF device for the adapter tests: serves recorded SOAP 1.2 answers, checks logins like a camera."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from tests.probes.servers import Reply, Seen, digest_ok

ONVIF = Path(__file__).parent / "fixtures" / "onvif"
SOAP = "application/soap+xml; charset=utf-8"
WSSE = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"
WSU = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}"
PRE_AUTH = frozenset({"GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetServiceCapabilities"})
REALM, NONCE = "ONVIF device", "d41d8cd98f00b204"


@dataclass
class FakeOnvif:
    """Device behaviour: its login, clock, which answers it gives; every operation asked is logged."""

    user: str | None = None
    password: str = ""
    clock_offset: float = 0.0  # device clock minus real time, seconds
    http_digest: bool = False  # also demand HTTP Digest (as ONVIF Core says devices should support)
    auth_everything: bool = False  # even PRE_AUTH operations need a login (some Vivotek/Axis firmware)
    base: str = ""  # http://127.0.0.1:port, set once the server runs
    events_base: str = ""  # where GetServices says the event service is (default: base)
    replies: dict[str, Reply] = field(default_factory=dict)  # operation -> fixed answer
    date_fields: dict[str, str] = field(default_factory=dict)  # overrides of the UTC date fields
    operations: list[str] = field(default_factory=list)

    def respond(self, request: Seen) -> Reply:
        operation = _operation(request.body)
        self.operations.append(operation)
        if operation in self.replies:
            return self.replies[operation]
        if self.user is not None and (self.auth_everything or operation not in PRE_AUTH):
            refusal = self._login_refusal(request)
            if refusal is not None:
                return refusal
        path = ONVIF / f"{operation}.xml"
        if not path.is_file():
            return _fault("Fault_ActionNotSupported.xml", 500)
        return Reply(200, [("Content-Type", SOAP)], self._fill(path.read_text()).encode())

    def _login_refusal(self, request: Seen) -> Reply | None:
        if self.http_digest:
            auth = request.headers.get("Authorization")
            if not digest_ok(auth, "POST", REALM, NONCE, self.user or "", self.password):
                challenge = f'Digest realm="{REALM}", qop="auth", nonce="{NONCE}"'
                return Reply(401, [("WWW-Authenticate", challenge), ("Content-Type", "text/html")], b"<h1>401</h1>")
        if not self._token_ok(request.body):
            return _fault("Fault_NotAuthorized.xml", 400)
        return None

    def _token_ok(self, body: bytes) -> bool:
        """WS-UsernameToken PasswordDigest check, including the Created time against the device clock."""
        token = etree.fromstring(body).find(f".//{WSSE}UsernameToken")
        if token is None:
            return False
        nonce = base64.b64decode(token.findtext(f"{WSSE}Nonce") or "")
        created = token.findtext(f"{WSU}Created") or ""
        digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + self.password.encode()).digest()).decode()
        if token.findtext(f"{WSSE}Username") != self.user or token.findtext(f"{WSSE}Password") != digest:
            return False
        when = datetime.fromisoformat(created.replace("Z", "+00:00"))
        return abs((when - self.now()).total_seconds()) < 10  # cameras reject skewed tokens

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def _fill(self, text: str) -> str:
        now = self.now()
        fields = {"YEAR": now.year, "MONTH": now.month, "DAY": now.day}
        fields |= {"HOUR": now.hour, "MINUTE": now.minute, "SECOND": now.second}
        for name, value in fields.items():
            text = text.replace(f"@{name}@", self.date_fields.get(name, str(value)))
        return text.replace("@EVENTS@", self.events_base or self.base).replace("@BASE@", self.base)


def _operation(body: bytes) -> str:
    root = etree.fromstring(body)
    for child in root.find("{http://www.w3.org/2003/05/soap-envelope}Body"):
        return etree.QName(child).localname
    return ""


def _fault(name: str, status: int) -> Reply:
    return Reply(status, [("Content-Type", SOAP)], (ONVIF / name).read_bytes())
