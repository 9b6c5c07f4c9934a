"""What a device is, when its answers do not say it is a camera: `unknown` for a host listening on a camera port that
nothing identified, `other` only when a fingerprint rules a camera out; and a maker named by its identification
requests (pure: recorded answers in, hints out)."""

from __future__ import annotations

from pathlib import Path

from scanner.judge.identify import hints
from scanner.matching.loader import load_signatures
from scanner.model import AUTH_REQUIRED, NOT_SUPPORTED, OK, Observation
from scanner.vocabulary import Role

SIGSET = load_signatures()
CASES = Path(__file__).resolve().parent.parent / "signatures" / "cases"
NGINX = b"<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>Welcome to nginx!</body>\n</html>\n"


def _root(status: int, body: bytes = b"", title: str | None = None) -> Observation:
    outcome = OK if status == 200 else NOT_SUPPORTED
    values = (("title", (title,)),) if title else ()
    return Observation("http.root", "GET http://198.51.100.7:80/", outcome, status=status, body=body, values=values)


def _refused(probe: str, realm: str, server: str = "") -> Observation:
    headers = (("WWW-Authenticate", f'Digest realm="{realm}", nonce="a1"'),) + ((("Server", server),) if server else ())
    return Observation(
        probe, f"GET /{probe}", AUTH_REQUIRED, status=401, headers=headers, values=(("realm", (realm,)),)
    )


def test_a_listening_host_that_nothing_identified_is_unknown_not_other():
    """A root page that is a 404 or a bare single-page app says nothing either way: not "not a camera"."""
    for root in (_root(404, b"Not Found"), _root(200, b'<div id="app"></div>', "Login")):
        found = hints([root], SIGSET, listens=True)
        assert (found.role, found.is_camera, found.vendors) == (Role.UNKNOWN, False, ())
    assert hints([], SIGSET, listens=False).role == Role.OTHER  # no port open: nothing a camera audit could read


def test_a_web_servers_default_page_rules_a_camera_out_naming_no_maker():
    found = hints([_root(200, NGINX, "Welcome to nginx!")], SIGSET, listens=True)
    assert (found.role, found.is_camera, found.vendors) == (Role.OTHER, False, ())


def test_a_default_page_does_not_outweigh_a_camera_on_another_port():
    """The page speaks for the web server only: RTSP answering beside it still makes a camera."""
    rtsp = Observation("rtsp.options", "OPTIONS rtsp://198.51.100.7:554/", OK, status=200)
    found = hints([_root(200, NGINX, "Welcome to nginx!"), rtsp], SIGSET, listens=True)
    assert (found.role, found.is_camera) == (Role.CAMERA, True)


def test_a_makers_fingerprint_that_rules_a_camera_out_still_wins():
    """A Hikvision fingerprint terminal answers like a Hikvision camera; its model says it is not one."""
    device_info = (CASES / "hikvision" / "device-info-fingerprint-terminal.xml").read_bytes()
    root = Observation("http.root", "GET /", OK, status=200, headers=(("Server", "App-webs/"),))
    info = Observation("hikvision.isapi.device_info", "GET /ISAPI/System/deviceInfo", OK, status=200, body=device_info)
    found = hints([root, info], SIGSET, listens=True)
    assert (found.role, found.vendors[0]) == (Role.OTHER, "Hikvision")


def test_each_identification_answer_names_its_maker():
    """What the identification requests read, each without a login: an answer or the realm of a refusal."""
    reolink = (CASES / "reolink" / "no-token.json").read_bytes()
    brand = (CASES / "axis" / "param-brand.txt").read_bytes()
    status_401 = (CASES / "hikvision" / "isapi-status-401.html").read_bytes()
    answers = {
        "Reolink": Observation("reolink.api.no_token", "POST /cgi-bin/api.cgi", OK, status=200, body=reolink),
        "Axis": Observation("axis.vapix.param_brand", "POST /axis-cgi/param.cgi", OK, status=200, body=brand),
        "Hikvision": Observation(
            "hikvision.isapi.status_challenge",
            "GET /ISAPI/System/status",
            AUTH_REQUIRED,
            status=401,
            headers=(("Server", "App-webs/"),),
            body=status_401,
        ),  # fmt: skip
        "Dahua": _refused("dahua.cgi.device_type_challenge", "Login to 4M0747EPAA1D284"),
        "Hanwha": _refused("hanwha.sunapi.device_info_challenge", "iPolis_00-09-18-52-39-00"),
    }
    for vendor, answer in answers.items():
        found = hints([_root(404), answer], SIGSET, listens=True)
        assert (found.vendors[:1], found.role, found.is_camera) == ((vendor,), Role.CAMERA, True), vendor


def test_a_realm_read_on_another_makers_request_names_no_one():
    """A fingerprint reads its own request's answer: Hikvision's realm on the Dahua request is not Dahua."""
    found = hints([_refused("dahua.cgi.device_type_challenge", "IP Camera(83813)")], SIGSET, listens=True)
    assert (found.vendors, found.role) == ((), Role.UNKNOWN)
