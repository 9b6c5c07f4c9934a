"""A stock nginx (Debian package) serving its welcome page: the lab's ordinary non-camera web server."""

from __future__ import annotations

import hashlib

from scanner.lab.httpd import Request, Response, http_date
from scanner.lab.personas import Persona

WELCOME = b"""<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""
LAST_MODIFIED = 1_700_000_000.0  # when the package installed its welcome page (fixed, like a real file's mtime)


class NginxSite:
    """GET / is the welcome page; anything else is nginx's 404 (or 405 for other methods on /)."""

    auth = None  # no login anywhere

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None
        self.server = persona.web.server

    def _error(self, status: int, reason: str) -> Response:
        body = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>{self.server}</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return Response(status, body.encode(), "text/html", (("Server", self.server), ("Date", http_date())))

    def unauthorized(self, challenges: tuple[str, ...]) -> Response:
        return self._error(401, "Authorization Required")

    def handle(self, request: Request) -> Response:
        if request.path not in ("/", "/index.html", "/index.nginx-debian.html"):
            return self._error(404, "Not Found")
        if request.method not in ("GET", "HEAD"):
            return self._error(405, "Not Allowed")
        etag = hashlib.md5(WELCOME, usedforsecurity=False).hexdigest()[:12]
        headers = (
            ("Server", self.server),
            ("Date", http_date()),
            ("Last-Modified", http_date(LAST_MODIFIED)),
            ("ETag", f'"{etag}"'),
            ("Accept-Ranges", "bytes"),
        )
        return Response(200, WELCOME, "text/html", headers)
