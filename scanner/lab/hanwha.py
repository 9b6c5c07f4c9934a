"""The Hanwha (Wisenet) web server: the Wisenet WEBVIEWER page and SUNAPI's Digest-protected attributes.cgi and
face detection configuration (eventsources.cgi).

attributes.cgi/cgis is written in the shape networkoptix/nx_open's Hanwha plugin parses: cgi / submenu / action /
parameter, each parameter with a dataType whose enum (or csv) entries are the possible values.
"""

from __future__ import annotations

import json

from lxml import etree

from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.personas import Persona, SunapiSpec
from scanner.lab.site import VendorSite
from scanner.lab.xmlgen import default_ns, el, serialize

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain"
ATTRIBUTES_NS = "http://www.samsungtechwin.com/AttributesSchema"
# SUNAPI error codes and their words (SUNAPI reference, Introduction), all sent with HTTP 200.
ERRORS = {
    600: "Submenu Not Found",
    601: "Action Not Found",
    608: "Feature(s) Not Implemented OR Not Supported",
}
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
            if request.method not in ("GET", "HEAD"):
                return Response(404, NOT_FOUND, "text/html", self._headers())
            if path == "/stw-cgi/attributes.cgi/cgis":
                return Response(200, attributes(self.spec), XML_TYPE, self._headers())
            if path == "/stw-cgi/attributes.cgi/attributes":
                return Response(200, attribute_values(self.spec), XML_TYPE, self._headers())
            if path == "/stw-cgi/eventsources.cgi":
                return self._event_source(request)
            return Response(404, NOT_FOUND, "text/html", self._headers())
        if request.method in ("GET", "HEAD") and path in ("/", "/index.html"):
            return Response(302, b"", None, self._headers((("Location", "/wmf/index.html"),)))
        if request.method in ("GET", "HEAD") and path == "/wmf/index.html":
            return Response(200, VIEWER, "text/html", self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())

    def _event_source(self, request: Request) -> Response:
        """eventsources.cgi: the face detection configuration (JSON when asked for it); SUNAPI's errors keep 200."""
        json_wanted = "application/json" in (request.header("Accept") or "")
        params = request.params
        if (params.get("msubmenu"), params.get("action")) != ("facedetection", "view"):
            return self._error(600 if params.get("action") == "view" else 601, json_wanted)
        if not self.spec.face_support:
            return self._error(608, json_wanted)
        if json_wanted:
            body = {"FaceDetection": [{"Channel": 0, "Enable": self.spec.face_enabled, "Sensitivity": 70}]}
            return Response(200, json.dumps(body, indent=4).encode(), JSON_TYPE, self._headers())
        text = f"Channel.0.Enable={'True' if self.spec.face_enabled else 'False'}\r\nChannel.0.Sensitivity=70\r\n"
        return Response(200, text.encode(), TEXT_TYPE, self._headers())

    def _error(self, code: int, json_wanted: bool) -> Response:
        details = ERRORS[code]
        if json_wanted:
            body = json.dumps({"Response": "Fail", "Error": {"Code": code, "Details": details}}).encode()
            return Response(200, body, JSON_TYPE, self._headers())
        return Response(200, f"NG\r\nError Code: {code}\r\nError Details:\r\n{details}\r\n".encode(), TEXT_TYPE,
                        self._headers())  # fmt: skip


def attribute_values(spec: SunapiSpec) -> bytes:
    """attributes.cgi/attributes: group / category / attribute name and value, as nx_open's parser reads them."""
    support = [
        el("attribute", {"accesslevel": "guest", "value": "True" if on else "False", "type": "bool", "name": name})
        for name, on in (("MotionDetection", True), ("Tampering", True), ("FaceDetection", spec.face_support))
    ]
    channels = el("attribute", {"accesslevel": "guest", "value": 1, "type": "int", "name": "MaxChannel"})
    system = el("group", {"name": "System"}, el("category", {"name": "Limit"}, channels))
    eventsource = el("group", {"name": "Eventsource"}, el("category", {"name": "Support"}, support))
    return serialize(default_ns(el("capabilities", el("attributes", system, eventsource)), ATTRIBUTES_NS))


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
