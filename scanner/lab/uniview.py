"""The Uniview web server and its LAPI behind Digest auth: the people libraries, counted (never the people).

Every LAPI answer is wrapped in {"Response": {"ResponseURL", "ResponseCode", "ResponseString", "StatusCode",
"StatusString", "Data"}} (research note vendor-face-apis.md 3); BasicInfo's Data holds Num and LibList with each
library's PersonNum and FaceNum. Other LAPI resources are not emulated (404).
"""

from __future__ import annotations

import json

from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.personas import PeopleLibrary, Persona
from scanner.lab.site import VendorSite

JSON_TYPE = "application/json; charset=UTF-8"
BASIC_INFO = "/LAPI/V1.0/PeopleLibraries/BasicInfo"
INDEX = b"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Web</title>
<script src="/js/login.js"></script>
</head>
<body>
<div id="login"></div>
</body>
</html>
"""
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body>404 Not Found</body></html>\n"


def people_libraries(url: str, libraries: tuple[PeopleLibrary, ...]) -> bytes:
    listed = [
        {"ID": 3 + i, "Type": 3 + i, "Name": lib.name, "PersonNum": lib.persons, "FaceNum": lib.faces}
        for i, lib in enumerate(libraries)
    ]
    envelope = {
        "ResponseURL": url,
        "CreatedID": -1,
        "ResponseCode": 0,
        "SubResponseCode": 0,
        "ResponseString": "Succeed",
        "StatusCode": 0,
        "StatusString": "Succeed",
        "Data": {"Num": len(listed), "LibList": listed},
    }
    return json.dumps({"Response": envelope}, indent=4).encode()


class UniviewSite(VendorSite):
    """Answers like a Uniview IP camera: a login page, and /LAPI/ behind Digest."""

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None and persona.lapi is not None
        super().__init__(persona, Authenticator(persona.web.realm, persona.username, persona.password))
        self.libraries = persona.lapi

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/LAPI/"):
            if not self.auth.check(request.header("Authorization"), request.method, request.target):
                return self.unauthorized(tuple(self.auth.challenges()))
            if request.path == BASIC_INFO and request.method in ("GET", "HEAD"):
                return Response(200, people_libraries(BASIC_INFO, self.libraries), JSON_TYPE, self._headers())
            return Response(404, NOT_FOUND, "text/html", self._headers())
        if request.method in ("GET", "HEAD") and request.path in ("/", "/index.htm", "/index.html"):
            return Response(200, INDEX, "text/html", self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())
