"""The Reolink web server and its JSON API behind a token session (cmd=Login ... cmd=Logout).

Answers follow starkillerOG/reolink_aio: JSON arrays of {"cmd", "code", "value"}; errors keep HTTP 200 and set
`code` with an `error.detail`; GetAiState (firmware 3.0.0-494 and later) gives support and alarm per AI type.
Sessions are few on a real camera, so the lab keeps a small table and refuses logins when it is full.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from typing import Any

from scanner.lab.httpd import Request, Response, http_date
from scanner.lab.personas import Persona, ReolinkSpec

JSON_TYPE = "application/json"
MAX_SESSIONS = 8
INDEX = b"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Reolink</title>
<link href="/css/app.css" rel="stylesheet">
</head>
<body>
<div id="app"></div>
<script src="/js/app.js"></script>
</body>
</html>
"""
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body>404 Not Found</body></html>\n"


def _error(cmd: str, detail: str, code: int) -> list[dict[str, Any]]:
    return [{"cmd": cmd, "code": 1, "error": {"detail": detail, "rspCode": code}}]


class ReolinkSite:
    """Answers like a Reolink IP camera: a plain web page, and /cgi-bin/api.cgi with token sessions."""

    auth = None  # no HTTP authentication: the API has its own login

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None and persona.reolink is not None
        self.persona, self.spec = persona, persona.reolink
        self.server = persona.web.server
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    @property
    def sessions(self) -> int:
        """Sessions open now (a scan must leave none behind)."""
        return len(self._tokens)

    def _headers(self) -> tuple[tuple[str, str], ...]:
        return (("Date", http_date()),) + ((("Server", self.server),) if self.server else ())

    def unauthorized(self, challenges: tuple[str, ...]) -> Response:
        return Response(401, b"", None, self._headers())

    def handle(self, request: Request) -> Response:
        if request.path == "/cgi-bin/api.cgi" and request.method == "POST":
            answer = self._api(request.params.get("cmd", ""), request.params.get("token", ""), request.body)
            return Response(200, json.dumps(answer, indent=1).encode(), JSON_TYPE, self._headers())
        if request.method in ("GET", "HEAD") and request.path in ("/", "/index.html"):
            return Response(200, INDEX, "text/html", self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())

    def _api(self, cmd: str, token: str, body: bytes) -> list[dict[str, Any]]:
        if cmd == "Login":
            return self._login(body)
        with self._lock:
            known = token in self._tokens
        if not known:
            return _error(cmd, "please login first", -6)
        if cmd == "Logout":
            with self._lock:
                self._tokens.discard(token)
            return [{"cmd": cmd, "code": 0, "value": {"rspCode": 200}}]
        if cmd == "GetAiState":
            return [{"cmd": cmd, "code": 0, "value": ai_state(self.spec)}]
        if cmd == "GetAiCfg":
            return [{"cmd": cmd, "code": 0, "value": ai_cfg(self.spec)}]
        return _error(cmd, "not support", -9)

    def _login(self, body: bytes) -> list[dict[str, Any]]:
        try:
            user = json.loads(body)[0]["param"]["User"]
            name, password = str(user["userName"]), str(user["password"])
        except (ValueError, LookupError, TypeError):
            return _error("Login", "param error", -4)
        good = hmac.compare_digest(name.encode(), self.persona.username.encode()) and hmac.compare_digest(
            password.encode(), self.persona.password.encode()
        )
        if not good:
            return _error("Login", "login failed", -7)
        with self._lock:
            if len(self._tokens) >= MAX_SESSIONS:
                return _error("Login", "max session", -5)
            token = secrets.token_hex(8)
            self._tokens.add(token)
        return [{"cmd": "Login", "code": 0, "value": {"Token": {"leaseTime": 3600, "name": token}}}]


def ai_state(spec: ReolinkSpec) -> dict[str, Any]:
    face = {"alarm_state": int(spec.face_alarm and spec.face_support), "support": int(spec.face_support)}
    return {
        "channel": 0,
        "dog_cat": {"alarm_state": 0, "support": 1},
        "face": face,
        "people": {"alarm_state": 0, "support": 1},
        "vehicle": {"alarm_state": 0, "support": 1},
    }


def ai_cfg(spec: ReolinkSpec) -> dict[str, Any]:
    enabled = int(spec.face_enabled and spec.face_support)
    return {
        "AiDetectType": {"dog_cat": 1, "face": enabled, "people": 1, "vehicle": 1},
        "aiTrack": 0,
        "channel": 0,
        "trackType": {"dog_cat": 0, "face": 0, "people": 1, "vehicle": 0},
    }
