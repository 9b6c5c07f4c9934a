"""The Axis web server (VAPIX): the legacy viewer redirect, open basic device information, and the ACAP list.

Answers follow the recorded ones in Kane610/axis (basic device info JSON, applications/list.cgi XML) and the
VAPIX documentation: getAllUnrestrictedProperties is open while allowAnonymous is on; the rest needs Digest.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import quoteattr

from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.personas import AxisSpec, Persona
from scanner.lab.site import VendorSite

JSON_TYPE = "application/json"
XML_TYPE = "text/xml"
# The legacy root page: a meta refresh to the live view (intrigueio/intrigue-ident's Axis check).
INDEX = b"""<html>
<head>
<noscript>
<meta http-equiv="refresh" content="0; URL=/view/viewer_index.shtml?id=120">
</noscript>
<meta http-equiv="refresh" content="0; URL=/view/viewer_index.shtml?id=120">
</head>
<body>
</body>
</html>
"""
UNAUTHORIZED = b"<HTML><HEAD><TITLE>401 Unauthorized</TITLE></HEAD><BODY><H1>401 Unauthorized</H1></BODY></HTML>\n"
NOT_FOUND = b"<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD><BODY><H1>404 Not Found</H1></BODY></HTML>\n"
OPEN_METHODS = frozenset({"getAllUnrestrictedProperties", "getSupportedVersions"})


class AxisSite(VendorSite):
    """Answers like an Axis network camera's web server."""

    unauthorized_page = UNAUTHORIZED

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None and persona.axis is not None
        super().__init__(persona, Authenticator(persona.web.realm, persona.username, persona.password))
        self.spec = persona.axis

    def _allowed(self, request: Request) -> bool:
        return self.auth.check(request.header("Authorization"), request.method, request.target)

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/axis-cgi/basicdeviceinfo.cgi" and request.method == "POST":
            return self._basic_device_info(request)
        if path == "/axis-cgi/applications/list.cgi" and request.method in ("GET", "POST"):
            if not self._allowed(request):
                return self.unauthorized(tuple(self.auth.challenges()))
            return Response(200, applications(self.spec), XML_TYPE, self._headers())
        if path in ("/", "/index.html") and request.method in ("GET", "HEAD"):
            return Response(200, INDEX, "text/html", self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())

    def _basic_device_info(self, request: Request) -> Response:
        try:
            method = json.loads(request.body).get("method", "")
        except (ValueError, AttributeError):
            method = ""
        if not (method in OPEN_METHODS and self.spec.anonymous) and not self._allowed(request):
            return self.unauthorized(tuple(self.auth.challenges()))
        return Response(200, basic_device_info(self.persona, method), JSON_TYPE, self._headers())


def basic_device_info(persona: Persona, method: str) -> bytes:
    """The JSON answer of basicdeviceinfo.cgi, as AXIS OS 9.80 writes it."""
    if method == "getSupportedVersions":
        return json.dumps({"method": method, "data": {"apiVersions": ["1.1"]}}).encode()
    if method not in ("getAllUnrestrictedProperties", "getAllProperties"):
        return json.dumps({"apiVersion": "1.1", "error": {"code": 2002, "message": "Method not supported"}}).encode()
    properties = {
        "Architecture": "armv7hf",
        "ProdNbr": persona.model,
        "HardwareID": "70E",
        "Version": persona.firmware,
        "ProdFullName": f"AXIS {persona.model} Network Camera",
        "Brand": "AXIS",
        "ProdType": "Network Camera",
        "Soc": "Ambarella S2L (Flattened Device Tree)",
        "SocSerialNumber": "",
        "WebURL": "http://www.axis.com",
        "ProdVariant": "",
        "SerialNumber": persona.serial,
        "ProdShortName": f"AXIS {persona.model}",
        "BuildDate": persona.firmware_date,
    }
    return json.dumps({"apiVersion": "1.1", "data": {"propertyList": properties}}).encode()


def applications(spec: AxisSpec) -> bytes:
    """applications/list.cgi: one <application> per installed ACAP."""
    lines = ['<reply result="ok">']
    for number, app in enumerate(spec.applications, start=1):
        lines.append(
            f" <application Name={quoteattr(app.name)} NiceName={quoteattr(app.nice_name)} "
            f'Vendor={quoteattr(app.vendor)} Version="1.{number}" ApplicationID="{470000 + number}" '
            f'License="None" Status={quoteattr(app.status)} ConfigurationPage="local/{app.name}/index.html" />'
        )
    lines.append("</reply>")
    return "\n".join(lines).encode()
