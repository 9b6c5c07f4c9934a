"""The Huawei HoloSens SDC web API behind Digest auth: the face libraries, described without their records.

FaceLibs/Libs answers with the status fields at the top level (RequestURL, StatusCode, StatusString), FaceLibNum
and FaceListsArry[], each library with its type, arming (OnControl) and picture counts, as the public Go SDK reads
them (research note vendor-face-apis.md 5.1). Other SDCAPI resources are not emulated (404).
"""

from __future__ import annotations

import json

from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.personas import FaceLibrary, Persona
from scanner.lab.site import VendorSite

JSON_TYPE = "application/json"
FACE_LIBS = "/SDCAPI/V1.0/FaceApp/FaceRecog/FaceLibs/Libs"
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body>404 Not Found</body></html>\n"


def face_libraries(libraries: tuple[FaceLibrary, ...]) -> bytes:
    listed = [
        {
            "ID": i + 1,
            "FaceListName": lib.name,
            "FaceListType": lib.kind,
            "OnControl": int(lib.armed),
            "Threshold": 80,
            "AlgVersion": "1.0",
            "FeaStatus": 1,
            "ExtractedNum": lib.pictures,
            "TotalPicNum": lib.pictures,
            "libLinkAlarm": int(lib.armed),
        }
        for i, lib in enumerate(libraries)
    ]
    body = {"RequestURL": FACE_LIBS, "StatusCode": 0, "StatusString": "OK", "FaceLibNum": len(listed),
            "FaceListsArry": listed}  # fmt: skip
    return json.dumps(body, indent=4).encode()


class HuaweiSite(VendorSite):
    """Answers like a HoloSens SDC camera's API (the lab serves it on its plain web port)."""

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None and persona.sdc is not None
        super().__init__(persona, Authenticator(persona.web.realm, persona.username, persona.password))
        self.libraries = persona.sdc

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/SDCAPI/"):
            if not self.auth.check(request.header("Authorization"), request.method, request.target):
                return self.unauthorized(tuple(self.auth.challenges()))
            if request.path == FACE_LIBS and request.method in ("GET", "HEAD"):
                return Response(200, face_libraries(self.libraries), JSON_TYPE, self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())
