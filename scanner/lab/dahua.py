"""The Dahua web server: `WEB SERVICE` page and Digest-protected CGIs answering `key=value` lines (CRLF)."""

from __future__ import annotations

from collections.abc import Callable

from scanner.lab import dahua_destinations, dahua_face
from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.personas import CgiSpec, DahuaRule, Persona
from scanner.lab.site import VendorSite

TEXT_TYPE = "text/plain;charset=utf-8"
INDEX = b"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<title>WEB SERVICE</title>
<link rel="stylesheet" href="/css/login.css" />
<script type="text/javascript" src="/jsBase/lib/jquery.js"></script>
</head>
<body>
<div id="login_wrap" class="login-wrap"></div>
<script type="text/javascript" src="/js/login.js"></script>
</body>
</html>
"""
# Amcrest's own login page (Dahua firmware, rebranded): the copyright and LDAP login box nuclei's
# amcrest-login template looks for.
AMCREST_INDEX = b"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<link rel="stylesheet" href="/css/login.css" />
<script type="text/javascript" src="/jsBase/lib/jquery.js"></script>
</head>
<body>
<div id="login_wrap" class="login-wrap">
<input id="LDAPUser" type="checkbox" /><label for="LDAPUser">LDAP</label>
</div>
<div id="copyright">Copyright &copy; Amcrest Technologies. All rights reserved.</div>
<script type="text/javascript" src="/js/login.js"></script>
</body>
</html>
"""
BAD_REQUEST = b"Error\r\nBad Request!\r\n"
UNAUTHORIZED = b"<html><head><title>401 Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>\r\n"
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\r\n"
# Rule Class per rule Type, as the IVS tables pair them (FaceAttribute and FaceCompare: an IVSS's face classes).
RULE_CLASS = {name: name for name in ("FaceRecognition", "FaceDetection", "FaceAttribute", "FaceCompare")}
JSON_TYPE = "application/json; charset=utf-8"
_lines = dahua_face.lines


def _bool(value: bool) -> str:
    return "true" if value else "false"


def video_analyse_global(spec: CgiSpec) -> bytes:
    prefix = "table.VideoAnalyseGlobal[0]"
    return _lines(
        [
            (f"{prefix}.Scene.Depth", "Normal"),
            (f"{prefix}.Scene.Detail.CameraAngle", 30),
            (f"{prefix}.Scene.Detail.CameraDistance", "10.000000"),
            (f"{prefix}.Scene.Detail.CameraHeight", "3.000000"),
            (f"{prefix}.Scene.Type", spec.scene),
            (f"{prefix}.Scene.TypeList[0]", spec.scene),
        ]
    )


def _rule_lines(index: int, rule: DahuaRule, upload: bool = False) -> list[tuple[str, object]]:
    prefix = f"table.VideoAnalyseRule[{rule.channel}][{index}]"
    # The rule's upload to the alarm centre (listed only when the persona sends there, like the other switches).
    message: list[tuple[str, object]] = [(f"{prefix}.EventHandler.MessageEnable", "true")] if upload else []
    if rule.type == "CrossLineDetection":
        config = [
            (f"{prefix}.Config.DetectLine[0][0]", 0),
            (f"{prefix}.Config.DetectLine[0][1]", 4096),
            (f"{prefix}.Config.DetectLine[1][0]", 8191),
            (f"{prefix}.Config.DetectLine[1][1]", 4096),
            (f"{prefix}.Config.Direction", "Both"),
        ]
    else:
        config = [
            (f"{prefix}.Config.DetectRegion[0][0]", 0),
            (f"{prefix}.Config.DetectRegion[0][1]", 0),
            (f"{prefix}.Config.DetectRegion[1][0]", 8191),
            (f"{prefix}.Config.DetectRegion[1][1]", 8191),
            (f"{prefix}.Config.Sensitivity", 5),
        ]
    return [
        (f"{prefix}.Class", RULE_CLASS.get(rule.type, "Normal")),
        *config,
        (f"{prefix}.Enable", _bool(rule.enable)),
        *message,
        (f"{prefix}.EventHandler.RecordEnable", "true"),
        (f"{prefix}.EventHandler.SnapshotEnable", "true"),
        (f"{prefix}.Id", index + 1),
        (f"{prefix}.Name", rule.name),
        (f"{prefix}.ObjectTypes[0]", "Human"),
        (f"{prefix}.PtzPresetId", 0),
        (f"{prefix}.Type", rule.type),
    ]


def video_analyse_rule(spec: CgiSpec) -> bytes:
    """Each channel's rules, numbered from 0 within the channel."""
    pairs: list[tuple[str, object]] = []
    for channel in sorted({rule.channel for rule in spec.rules}):
        rules = [rule for rule in spec.rules if rule.channel == channel]
        upload = spec.destinations is not None and spec.destinations.upload
        pairs += [pair for i, rule in enumerate(rules) for pair in _rule_lines(i, rule, upload)]
    return _lines(pairs)


class DahuaSite(VendorSite):
    """Answers like a Dahua IP camera's built-in web server (no Server header, like recent firmware)."""

    unauthorized_page = UNAUTHORIZED

    def __init__(self, persona: Persona) -> None:
        assert persona.web is not None
        auth = Authenticator(persona.web.realm, persona.username, persona.password, style="dahua", qop=True)
        super().__init__(persona, auth)
        self.searches = dahua_face.FaceSearches()

    def _headers(self, extra: tuple[tuple[str, str], ...] = ()) -> tuple[tuple[str, str], ...]:
        return ((("Server", self.server),) if self.server else ()) + (("X-Frame-Options", "SAMEORIGIN"),) + extra

    def handle(self, request: Request) -> Response:
        path = request.path
        self.asked.append(f"{request.method} {request.target}")
        if path.startswith("/cgi-bin/"):
            if not self.auth.check(request.header("Authorization"), request.method, request.target):
                return self.unauthorized(tuple(self.auth.challenges()))
            return self._cgi(request)
        if request.method in ("GET", "HEAD") and path in ("/", "/index.html"):
            page = AMCREST_INDEX if self.persona.web and self.persona.web.page == "amcrest" else INDEX
            return Response(200, page, "text/html", self._headers())
        return Response(404, NOT_FOUND, "text/html", self._headers())

    def _cgi(self, request: Request) -> Response:
        answer = self._answers(request).get((request.path, request.params.get("action", "")))
        body = answer() if answer else None
        if body is None or request.method not in ("GET", "HEAD"):
            return Response(400, BAD_REQUEST, TEXT_TYPE, self._headers())
        kind = JSON_TYPE if body.startswith(b"{") else TEXT_TYPE
        return Response(200, body, kind, self._headers())

    def _answers(self, request: Request) -> dict[tuple[str, str], Callable[[], bytes | None]]:
        p, spec = self.persona, self.persona.cgi
        magic = "/cgi-bin/magicBox.cgi"
        return {
            (magic, "getDeviceType"): lambda: _lines([("type", p.model)]),
            (magic, "getSystemInfo"): lambda: _lines(
                [
                    ("appAutoStart", "true"),
                    ("deviceType", p.model),
                    ("hardwareVersion", "1.00"),
                    ("processor", spec.processor if spec else ""),
                    ("serialNumber", p.serial),
                    ("updateSerial", p.model),
                ]
            ),
            (magic, "getSoftwareVersion"): lambda: _lines([("version", f"{p.firmware},build:{p.firmware_date}")]),
            (magic, "getSerialNo"): lambda: _lines([("sn", p.serial)]),
            (magic, "getMachineName"): lambda: _lines([("name", p.device_name)]),
            (magic, "getHardwareVersion"): lambda: _lines([("version", "1.00")]),
            ("/cgi-bin/configManager.cgi", "getConfig"): lambda: self._config(request.params.get("name", "")),
            **self._face_answers(request),
        }

    def _face_answers(self, request: Request) -> dict[tuple[str, str], Callable[[], bytes | None]]:
        spec, faces = self.persona.cgi, "/cgi-bin/FaceInfoManager.cgi"
        if spec is None:
            return {}
        return {
            ("/cgi-bin/devVideoAnalyse.cgi", "getCaps"): lambda: dahua_face.video_analyse_caps(spec),
            ("/cgi-bin/faceRecognitionServer.cgi", "findGroup"): lambda: dahua_face.face_groups(spec),
            (faces, "startFind"): lambda: self.searches.start(spec.face_info) if spec.face_info is not None else None,
            (faces, "stopFind"): lambda: self.searches.stop(request.params.get("token", "")),
            (faces, "doFind"): self._photos,
        }

    def _photos(self) -> None:
        """doFind returns the stored photos: the lab refuses it (400) and notes that it was asked."""
        self.searches.refuse_photos()

    def _config(self, name: str) -> bytes | None:
        spec = self.persona.cgi
        if spec is not None and name == "RemoteDevice":
            return dahua_face.remote_device(spec)
        if spec is None or spec.analyse_status != 200:
            return None  # firmware without the IVS tables answers them with 400 Bad Request
        if spec.destinations is not None and name in dahua_destinations.TABLES:
            return dahua_destinations.TABLES[name](spec.destinations)
        tables = {"VideoAnalyseGlobal": video_analyse_global, "VideoAnalyseRule": video_analyse_rule}
        build = tables.get(name)
        return build(spec) if build else None
