"""The Hanwha (Wisenet) web server: the Wisenet WEBVIEWER page and SUNAPI's Digest-protected attributes.cgi.

attributes.cgi/cgis is written in the shape networkoptix/nx_open's Hanwha plugin parses: cgi / submenu / action /
parameter, each parameter with a dataType whose enum (or csv) entries are the possible values.
"""

from __future__ import annotations

from lxml import etree

from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.personas import Persona, SunapiSpec
from scanner.lab.site import VendorSite
from scanner.lab.xmlgen import el, serialize

XML_TYPE = "text/xml; charset=utf-8"
VIEWER = b"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Wisenet WEBVIEWER</title>
<link rel="stylesheet" href="./css/main.css">
</head>
<body>
<div id="wrap"></div>
<script src="./js/app.js"></script>
</body>
</html>
"""
UNAUTHORIZED = b"<html><head><title>401 Unauthorized</title></head><body>401 Unauthorized</body></html>\n"
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body>404 Not Found</body></html>\n"


class HanwhaSite(VendorSite):
    """Answers like a Wisenet camera: `/` redirects to the viewer; /stw-cgi needs Digest."""

    unauthorized_page = UNAUTHORIZED

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None and persona.sunapi is not None
        super().__init__(persona, Authenticator(persona.web.realm, persona.username, persona.password))
        self.spec = persona.sunapi

    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/stw-cgi/"):
            if not self.auth.check(request.header("Authorization"), request.method, request.target):
                return self.unauthorized(tuple(self.auth.challenges()))
            if path == "/stw-cgi/attributes.cgi/cgis" and request.method in ("GET", "HEAD"):
                return Response(200, attributes(self.spec), XML_TYPE, self._headers())
            return Response(404, NOT_FOUND, "text/html", self._headers())
        if request.method in ("GET", "HEAD") and path in ("/", "/index.html"):
            return Response(302, b"", None, self._headers((("Location", "/wmf/index.html"),)))
        if request.method in ("GET", "HEAD") and path == "/wmf/index.html":
            return Response(200, VIEWER, "text/html", self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())


def _parameter(name: str, values: tuple[str, ...], kind: str = "enum") -> etree._Element:
    entries = [el("entry", {"value": value}) for value in values]
    return el("parameter", {"name": name, "request": False, "response": True}, el("dataType", el(kind, entries)))


def attributes(spec: SunapiSpec) -> bytes:
    """The eventstatus monitor's event types, and (when set) the event-rule sources of eventrules."""
    cgis = []
    if spec.rule_sources:
        rules = _parameter("EventSource", spec.rule_sources)
        cgis.append(
            el("cgi", {"name": "eventrules"}, el("submenu", {"name": "rules"}, el("action", {"name": "view"}, rules)))
        )
    channel = el("parameter", {"name": "Channel", "request": True, "response": False},
                 el("dataType", el("int", {"min": 0, "max": 0})))  # fmt: skip
    monitor = el("action", {"name": "monitor"}, _parameter("Channel.#.EventType", spec.event_types))
    submenu = el("submenu", {"name": "eventstatus"}, el("action", {"name": "check"}, channel), monitor)
    cgis.append(el("cgi", {"name": "eventstatus"}, submenu))
    return serialize(el("cgis", cgis))
