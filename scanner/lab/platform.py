"""A video-management platform's web client (Dahua ICC): its login page at `/`, nothing else without a login.

The page carries the body marker of the public fingerprint signatures/platforms.toml cites (0x727/FingerprintHub,
web-fingerprint/dahua/icc.yaml); the rest of the page is the lab's own. camaudit asks a platform nothing behind a
login, so the lab serves nothing behind one.
"""

from __future__ import annotations

from scanner.lab.httpd import Request, Response, http_date
from scanner.lab.personas import Persona

PAGES = {
    "dahua-icc": """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>智能物联综合管理平台</title>
<link rel="icon" href="/favicon.ico">
</head>
<body>
<div id="app"></div>
<p class="tip">*客户端会小于800*</p>
<script src="/static/js/app.js"></script>
</body>
</html>
""".encode(),
}
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n"


class PlatformSite:
    """GET / is the platform's login page; everything else is 404."""

    auth = None  # the login is the web client's own form, never asked

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None
        self.server = persona.web.server
        self.page = PAGES[persona.web.page]

    def _headers(self) -> tuple[tuple[str, str], ...]:
        return (("Date", http_date()),) + ((("Server", self.server),) if self.server else ())

    def unauthorized(self, challenges: tuple[str, ...]) -> Response:
        return Response(401, NOT_FOUND, "text/html", self._headers())

    def handle(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD") and request.path in ("/", "/index.html"):
            return Response(200, self.page, "text/html; charset=utf-8", self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())
