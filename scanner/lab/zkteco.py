"""The ZKTeco terminal web server ("ZK Web Server", as nmap's service probes name it): a login page, nothing else.

Face functions of these terminals are read over the ZK protocol with the device's comm key, which camaudit does
not use; the lab therefore offers only what a scanner may read without it.
"""

from __future__ import annotations

from scanner.lab.httpd import Request, Response, http_date
from scanner.lab.personas import Persona

LOGIN = b"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Login</title>
</head>
<body>
<form name="login" method="post" action="/csl/check">
<input type="text" name="username"> <input type="password" name="userpwd">
<input type="submit" value="Login">
</form>
</body>
</html>
"""
NOT_FOUND = b"<html><body>404 Not Found</body></html>\n"


class ZktecoSite:
    """GET / is the login form; everything else is 404 (the lab never accepts the form)."""

    auth = None

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None
        self.server = persona.web.server

    def _headers(self) -> tuple[tuple[str, str], ...]:
        return (("Date", http_date()),) + ((("Server", self.server),) if self.server else ())

    def unauthorized(self, challenges: tuple[str, ...]) -> Response:
        return Response(401, b"", None, self._headers())

    def handle(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD") and request.path in ("/", "/index.html"):
            return Response(200, LOGIN, "text/html", self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())
