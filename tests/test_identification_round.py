"""The identification round over the network (devices replayed on loopback): a host nothing identified is asked each
identification request once and never with a login; the maker it names gets its vendor round with the owner's
login; a host still unidentified gets no vendor request, is never sent the owner's login (checked where the replay
receives the requests) and is reported as unknown, not as "not a camera"; a web server's default page is left alone.

The recordings here are built for the test from the signatures' own cases (real answers where the cases are real);
the real recorded devices are in tests/corpus/ (tests/test_corpus.py)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.lab.httpd import Request, Response
from scanner.matching.loader import load_signatures
from scanner.model import AUTH_REQUIRED, DeviceReport, Observation, main_reason
from scanner.pipeline.scan import run_scan
from scanner.replay.host import REPLAY_LOGIN, Replay
from scanner.replay.records import Exchange, RecordedDevice
from scanner.replay.site import ReplaySite
from scanner.vocabulary import Reason, Role

pytestmark = pytest.mark.lab
NETWORK = "127.77.205.0/24"
CASES = Path(__file__).resolve().parent.parent / "signatures" / "cases"
SIGSET = load_signatures()
IDENTIFY = {spec.id for spec in SIGSET.requests if spec.when == "identify"}
VENDOR = {spec.id for spec in SIGSET.requests if spec.when != "identify"}
JSON = (("Content-Type", "application/json"),)
HTML = (("Content-Type", "text/html"),)
XML = (("Content-Type", "application/xml"),)
NGINX = b"<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>Welcome to nginx!</body>\n</html>\n"
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>"
SPA = b'<html><head><title>Login</title></head><body><div id="app"></div><script src="/app.js"></script></body></html>'


def _reolink() -> RecordedDevice:
    """A Reolink camera whose root page was not recorded: only its API, which it answers without a token with its
    own JSON error (and, after the login, with no face detection)."""
    api = "/cgi-bin/api.cgi?cmd={}&token=<session>"
    asked = '[{{"cmd":"{}","action":0,"param":{{"channel":0}}}}]'.format
    login = b'[{"cmd":"Login","code":0,"value":{"Token":{"leaseTime":3600,"name":"<session>"}}}]'
    not_support = b'[{"cmd":"GetChannelstatus","code":1,"error":{"detail":"not support","rspCode":-9}}]'
    reolink = CASES / "reolink"
    no_face, face_off = ((reolink / name).read_bytes() for name in ("ai-state-no-face.json", "ai-cfg-face-off.json"))
    exchanges = (
        Exchange("http", "POST", "/cgi-bin/api.cgi", 80, 200, HTML, (reolink / "no-token.json").read_bytes()),
        Exchange("http", "POST", "/cgi-bin/api.cgi?cmd=Login&token=null", 80, 200, JSON, login),
        Exchange("http", "POST", api.format("GetChannelstatus"), 80, 200, JSON, not_support),
        Exchange("http", "POST", api.format("GetAiState"), 80, 200, JSON, no_face, body=asked("GetAiState").encode()),
        Exchange("http", "POST", api.format("GetAiCfg"), 80, 200, JSON, face_off, body=asked("GetAiCfg").encode()),
        Exchange("http", "POST", api.format("Logout"), 80, 200, JSON, b'[{"cmd":"Logout","code":0}]'),
    )  # fmt: skip
    return RecordedDevice("reolink", "192.168.1.21", (80,), exchanges)


def _hikvision() -> RecordedDevice:
    """A Hikvision camera whose only clue is its refusal of /ISAPI/System/status without a login (the recorded 401 of
    a DS-2CD2155FWD-I, Server App-webs/); its capabilities answer only a request that proves a login (Digest)."""
    realm = "IP Camera(83813)"
    nonce = "5a6d466d4d5467314d3251365a446b31597a51355a413d3d"
    refused = (
        ("Content-Type", "text/html"),
        ("Server", "App-webs/"),
        ("WWW-Authenticate", f'Digest qop="auth", realm="{realm}", nonce="{nonce}", stale="FALSE"'),
    )
    status_401 = (CASES / "hikvision" / "isapi-status-401.html").read_bytes()
    capabilities = (CASES / "hikvision" / "capabilities-ptz-facesnap.xml").read_bytes()
    exchanges = (
        Exchange("http", "GET", "/ISAPI/System/status", 80, 401, refused, status_401),
        Exchange("http", "GET", "/ISAPI/System/capabilities", 80, 200, XML, capabilities, login="digest", realm=realm),
    )
    return RecordedDevice("hikvision", "192.168.1.24", (80,), exchanges)


def _trap() -> RecordedDevice:
    """A host of unknown make with answers behind a login on the paths of every maker's API: any request that brought
    the owner's login there would be answered (with face capabilities, a Reolink token, Axis applications). Its one
    answer to an identification request is a challenge in a realm no maker uses (never answered: no login goes to a
    host nothing identified). The replay credentials allow the login in clear, so only the pipeline keeps it back."""
    capabilities = (CASES / "hikvision" / "capabilities-ptz-facesnap.xml").read_bytes()
    login = b'[{"cmd":"Login","code":0,"value":{"Token":{"leaseTime":3600,"name":"<session>"}}}]'
    exchanges = (
        Exchange("http", "GET", "/", 80, 200, HTML, SPA),
        Exchange("http", "GET", "/cgi-bin/magicBox.cgi?action=getDeviceType", 80, 200, (), b"type=X", login="basic",
                 realm="WebServer"),
        Exchange("http", "GET", "/ISAPI/System/capabilities", 80, 200, XML, capabilities, login="digest",
                 realm="WebServer"),
        Exchange("http", "POST", "/cgi-bin/api.cgi?cmd=Login&token=null", 80, 200, JSON, login),
        Exchange("http", "POST", "/axis-cgi/applications/list.cgi", 80, 200, XML, b"<reply result=\"ok\"/>",
                 login="digest", realm="WebServer"),
    )  # fmt: skip
    return RecordedDevice("trap", "192.168.1.25", (80,), exchanges)


def _devices() -> list[RecordedDevice]:
    unknown = RecordedDevice(
        "plain-404", "192.168.1.22", (80,), (Exchange("http", "GET", "/", 80, 404, HTML, NOT_FOUND),)
    )
    nginx = RecordedDevice("nginx", "192.168.1.23", (80,), (Exchange("http", "GET", "/", 80, 200, HTML, NGINX),))
    return [_reolink(), _hikvision(), _trap(), unknown, nginx]


@pytest.fixture(scope="module")
def received() -> Iterator[list[tuple[tuple[Exchange, ...], Request]]]:
    """Every HTTP request the replayed devices receive, with the exchanges of the port that received it."""
    got: list[tuple[tuple[Exchange, ...], Request]] = []
    handle = ReplaySite.handle

    def recording(site: ReplaySite, request: Request) -> Response:
        got.append((site.exchanges, request))
        return handle(site, request)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ReplaySite, "handle", recording)
        yield got


@pytest.fixture(scope="module")
def scanned(received, tmp_path_factory: pytest.TempPathFactory) -> dict[str, DeviceReport]:
    with Replay(_devices(), network=NETWORK) as replay:
        creds = tmp_path_factory.mktemp("ident") / "creds.toml"
        creds.write_text(replay.credentials_toml(), encoding="utf-8")
        result = run_scan(ScanConfig(targets=(replay.network,), credentials=load_credentials(creds), use_nmap=False))
        names = {placed.address: placed.device.name for placed in replay.devices}
    return {names[d.address]: d for d in result.devices}


def _received_by(received: list[tuple[tuple[Exchange, ...], Request]], device: RecordedDevice) -> list[Request]:
    return [request for exchanges, request in received if set(exchanges) <= set(device.exchanges)]


def _asked(report: DeviceReport, probes: set[str]) -> list[Observation]:
    return [o for o in report.observations if o.probe in probes]


def test_the_identification_requests_go_once_each_and_never_with_a_login(scanned):
    for name in ("reolink", "hikvision", "trap", "plain-404"):
        asked = _asked(scanned[name], IDENTIFY)
        assert sorted(o.probe for o in asked) == sorted(IDENTIFY), name
        assert all(o.sent is not None and o.sent.login == "" for o in asked), name


def test_a_device_whose_only_clue_is_an_identification_answer_gets_its_vendor_round(scanned):
    """Reolink: its API's answer without a token names it; then its login session reads both face checks."""
    reolink = scanned["reolink"]
    assert (reolink.identity.vendor, reolink.role, reolink.is_camera) == ("Reolink", Role.CAMERA, True)
    assert reolink.face_analytics == "not_found"  # face.support 0 read on its only channel, and the switch off
    assert {"reolink.api.ai_state@0", "reolink.api.ai_cfg@0"} <= set(reolink.coverage.read)


def test_a_refusal_names_the_maker_and_the_owners_login_then_goes_to_its_api(scanned, received):
    """Hikvision: the 401 of /ISAPI/System/status names it; the capabilities are then asked with the owner's login
    (Digest, in the device's realm) and read. The identification request itself carried no login."""
    hik = scanned["hikvision"]
    assert (hik.identity.vendor, hik.role, hik.face_analytics) == ("Hikvision", Role.CAMERA, "capable")
    assert "hikvision.cap.face_snap" in {f.rule for f in hik.findings}
    (caps,) = _asked(hik, {"hikvision.isapi.capabilities"})
    assert caps.sent is not None and caps.sent.login == "digest"
    by_path = {(r.path, bool(r.header("Authorization"))) for r in _received_by(received, _hikvision())}
    assert ("/ISAPI/System/status", False) in by_path and ("/ISAPI/System/status", True) not in by_path
    assert ("/ISAPI/System/capabilities", True) in by_path


def test_a_host_of_unknown_make_is_never_sent_the_owners_login(scanned, received):
    """The trap answers every maker's API behind a login; nothing names its maker, so nothing reaches them."""
    trap = scanned["trap"]
    assert (trap.role, trap.identity.vendor, trap.face_analytics, trap.findings) == (Role.UNKNOWN, None, "unknown", ())
    (challenged,) = _asked(trap, {"dahua.cgi.device_type_challenge"})
    assert challenged.outcome == AUTH_REQUIRED  # the challenge came, and was left unanswered
    requests = _received_by(received, _trap())
    assert {r.path for r in requests} >= {"/", "/cgi-bin/magicBox.cgi"}  # the capture saw this device's requests
    user, password = REPLAY_LOGIN
    basic = base64.b64encode(f"{user}:{password}".encode())
    for request in requests:
        assert request.header("Authorization") is None, request.target
        assert password.encode() not in request.body and basic not in request.body, request.target
    assert all(o.sent is None or o.sent.login == "" for o in trap.observations)
    assert _asked(trap, VENDOR) == []


def test_a_host_nothing_identified_is_unknown_and_gets_no_vendor_request(scanned):
    plain = scanned["plain-404"]
    assert (plain.role, plain.is_camera, plain.face_analytics) == (Role.UNKNOWN, False, "unknown")
    reason = main_reason(plain)
    assert reason is not None and reason.reason == Reason.DEVICE_UNKNOWN
    assert _asked(plain, VENDOR) == []  # no maker: no maker's request, so never the owner's login


def test_a_web_servers_default_page_is_not_a_camera_and_is_not_asked_to_identify(scanned):
    nginx = scanned["nginx"]
    assert (nginx.role, nginx.is_camera, nginx.face_analytics) == (Role.OTHER, False, "not_found")
    assert _asked(nginx, IDENTIFY) == [] and nginx.not_checked == ()
