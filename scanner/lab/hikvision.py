"""The Hikvision web server (App-webs): login page, Digest-protected ISAPI, GoAhead-style error pages."""

from __future__ import annotations

from html import escape

from scanner.lab import isapi, isapi_channels, isapi_destinations, isapi_face
from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.personas import IsapiSpec, Persona
from scanner.lab.site import VendorSite

XML_TYPE = 'application/xml; charset="UTF-8"'
INDEX = b"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="Pragma" content="no-cache" />
<meta http-equiv="Cache-Control" content="no-cache" />
<title></title>
<script>
window.location.href = "/doc/page/login.asp?_" + (new Date()).getTime();
</script>
</head>
<body>
</body>
</html>
"""
LOGIN = b"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title></title>
<link rel="stylesheet" type="text/css" href="../../css/ui.css" />
<script type="text/javascript" src="../script/lib/require/require.js" data-main="login"></script>
</head>
<body>
<div id="login" class="login"></div>
<div class="footer">&copy;Hikvision Digital Technology Co., Ltd. All Rights Reserved.</div>
</body>
</html>
"""
UNAUTHORIZED = (
    b"<!DOCTYPE html>\n<html><head><title>Document Error: Unauthorized</title></head>\n"
    b"<body><h2>Access Error: 401 -- Unauthorized</h2>\n"
    b"<p>Authentication Error: Access Denied! Authorization required.</p>\n</body>\n</html>\n"
)


class HikvisionSite(VendorSite):
    """Answers like a Hikvision IP camera's built-in web server."""

    unauthorized_page = UNAUTHORIZED

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None
        auth = Authenticator(persona.web.realm, persona.username, persona.password, style="hikvision", qop=True)
        super().__init__(persona, auth)
        self.isapi: IsapiSpec | None = persona.isapi

    def _not_found(self, path: str) -> Response:
        body = (
            "<!DOCTYPE html>\n<html><head><title>Document Error: Page not found</title></head>\n"
            f"<body><h2>Access Error: 404 -- Not Found</h2>\n<p>Can't locate document: {escape(path)}</p>\n"
            "</body>\n</html>\n"
        )
        return Response(404, body.encode(), "text/html", self._headers())

    def handle(self, request: Request) -> Response:
        path = request.path
        self.asked.append(f"{request.method} {request.target}")
        if path.startswith("/ISAPI/") and self.isapi is not None:
            if not self.auth.check(request.header("Authorization"), request.method, request.target):
                return self.unauthorized(tuple(self.auth.challenges()))
            return self._isapi(request, self.isapi)
        if request.method not in ("GET", "HEAD"):
            return self._not_found(path)
        if path in ("/", "/index.asp", "/index.html"):
            return Response(200, INDEX, "text/html", self._headers())
        if path == "/doc/page/login.asp":
            return Response(200, LOGIN, "text/html", self._headers())
        return self._not_found(path)

    def _isapi(self, request: Request, spec: IsapiSpec) -> Response:
        documents = {
            "/ISAPI/System/deviceInfo": lambda: isapi.device_info(self.persona, spec),
            "/ISAPI/System/capabilities": lambda: isapi.capabilities(spec),
            "/ISAPI/Event/triggers": lambda: isapi.triggers(spec),
        }
        build = documents.get(request.path)
        if build is not None and request.method in ("GET", "HEAD"):
            return Response(200, build(), XML_TYPE, self._headers())
        if request.method in ("GET", "HEAD"):
            found = isapi_face.document(spec, request.path) or isapi_channels.document(spec, request.path)
            if found is not None:
                return Response(200, found[0], found[1], self._headers())
            settings = isapi_destinations.document(spec, request.path)
            if settings is not None:
                return Response(200, settings, XML_TYPE, self._headers())
        if build is not None or (spec.destinations is not None and request.path in isapi_destinations.DOCUMENTS):
            # The lab is read-only: a write is refused the way firmware refuses unsupported methods.
            body = isapi.response_status(spec, request.target, 4, "Invalid Operation", "methodNotAllowed")
            return Response(405, body, XML_TYPE, self._headers())
        body = isapi.response_status(spec, request.target, 4, "Invalid Operation", "notSupport")
        return Response(404, body, XML_TYPE, self._headers())
