"""HttpClient against loopback web servers (Digest checked independently), and its pure helpers."""

from __future__ import annotations

import base64
import gc
import shutil
import ssl
import subprocess
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from scanner.matching.schema import RequestSpec
from scanner.model import MAX_BODY, Credential
from scanner.net import pace as pace_module
from scanner.net.login import DeviceLogin
from scanner.net.pace import Pace
from scanner.probes.http import Asked, HttpClient, auth_scheme, parse_title
from scanner.vocabulary import Reason
from tests.probes.servers import Reply, Seen, _handler, closed_port, digest_ok, http_server, read_request, tcp_server

HTTP = Path(__file__).parent / "fixtures" / "http"
REALM, NONCE, USER, SECRET = "IP Camera(C12345)", "4e6a4e7a4d44", "admin", "Very$ecret-42"
CAPS = b"<DeviceCap><SmartCap><isSupportFaceDetect>true</isSupportFaceDetect></SmartCap></DeviceCap>"
SPEC = RequestSpec(
    id="hikvision.isapi.capabilities", vendor="Hikvision", method="GET", path="/ISAPI/System/capabilities"
)


def camera(request: Seen) -> Reply:
    """A Hikvision-like web server: open root page, Digest-protected ISAPI."""
    if request.path == "/":
        return Reply(
            200, [("Server", "App-webs/"), ("Content-Type", "text/html")], (HTTP / "hanwha_root.html").read_bytes()
        )
    if request.path == SPEC.path:
        if not digest_ok(request.headers.get("Authorization"), request.method, REALM, NONCE, USER, SECRET):
            challenge = f'Digest qop="auth", realm="{REALM}", nonce="{NONCE}", stale="FALSE"'
            return Reply(401, [("WWW-Authenticate", challenge)], b"<html>401 Unauthorized</html>")
        return Reply(200, [("Content-Type", "application/xml")], CAPS)
    return Reply(404, [], b"not found")


def _everything(obs) -> str:
    return obs.request + obs.detail + obs.text + repr(obs.headers) + repr(obs.values)


# --- pure helpers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("dahua_root.html", "WEB SERVICE"),
        ("hanwha_root.html", "Wisenet WEBVIEWER"),
        ("entities_title.html", "NVR301-04-P4 & Co – Live"),
        ("no_title.html", None),
        ("empty_title.html", None),
        ("unclosed_title.html", "Unclosed title then the page goes on"),
    ],
)
def test_parse_title(name, title):
    assert parse_title((HTTP / name).read_bytes()) == title


def test_parse_title_of_hostile_input_is_bounded():
    assert parse_title(b"<title>" * 200_000) is None or len(parse_title(b"<title>" * 200_000)) <= 200
    assert parse_title(b"<title>\x1b[31mred\x07</title>") == "\\x1b[31mred\\x07"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('Digest realm="Hikvision", nonce="x", stale="FALSE", Basic realm="/"', ("digest", "Hikvision")),
        ('Basic realm="device"', ("basic", "device")),
        ("", ("", None)),
        ("=garbage", ("", None)),
    ],
)
def test_auth_scheme(value, expected):
    assert auth_scheme(value) == expected


# --- against loopback servers --------------------------------------------------------------------------------


def test_fetch_root_reads_title_and_headers_without_credentials():
    with http_server(camera) as server:
        client = HttpClient("127.0.0.1", 3.0, Credential(USER, SECRET))
        obs = client.fetch_root(server.port, tls=False)
        client.close()
    assert (obs.probe, obs.outcome, obs.status) == ("http.root", "ok", 200)
    assert obs.request == f"GET http://127.0.0.1:{server.port}/"
    assert obs.value("title") == ("Wisenet WEBVIEWER",)
    assert obs.header("server") == "App-webs/"
    assert "Authorization" not in server.seen[0].headers


def test_digest_protected_request_succeeds_and_leaks_nothing():
    with http_server(camera) as server:
        client = HttpClient("127.0.0.1", 3.0, Credential(USER, SECRET))
        first = client.run_request(server.port, False, SPEC)
        second = client.run_request(server.port, False, SPEC)
        client.close()
    assert (first.probe, first.outcome, first.status, first.body) == (SPEC.id, "ok", 200, CAPS)
    assert second.outcome == "ok"
    assert "Authorization" not in server.seen[0].headers  # the device's challenge comes first
    assert server.seen[1].headers["Authorization"].startswith("Digest ")
    assert len(server.seen) <= 4
    for obs in (first, second):
        assert SECRET not in _everything(obs) and "Digest username" not in _everything(obs)


def test_without_credentials_the_401_says_so_and_carries_the_realm():
    with http_server(camera) as server:
        client = HttpClient("127.0.0.1", 3.0, None)
        obs = client.run_request(server.port, False, SPEC)
    assert (obs.outcome, obs.status) == ("auth_required", 401)
    assert "no credentials were sent" in obs.detail
    assert obs.value("realm") == (REALM,)
    assert all("Authorization" not in s.headers for s in server.seen)


def test_refused_credentials_and_specs_that_need_none():
    with http_server(camera) as server:
        wrong = HttpClient("127.0.0.1", 3.0, Credential(USER, "not-it")).run_request(server.port, False, SPEC)
        public = RequestSpec(id="x.public", vendor=None, method="GET", path=SPEC.path, auth=False)
        unasked = HttpClient("127.0.0.1", 3.0, Credential(USER, SECRET)).run_request(server.port, False, public)
    assert wrong.outcome == "auth_required" and "refused the supplied credentials" in wrong.detail
    assert unasked.outcome == "auth_required" and "no credentials were sent" in unasked.detail
    assert "not-it" not in _everything(wrong)


BASIC = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
DEVTYPE = RequestSpec(
    id="dahua.devtype", vendor="Dahua", method="GET", path="/cgi-bin/magicBox.cgi?action=getDeviceType"
)


def dahua(request: Seen) -> Reply:
    """A device that wants HTTP Basic."""
    if request.headers.get("Authorization") != BASIC:
        return Reply(401, [("WWW-Authenticate", 'Basic realm="device"')], b"")
    return Reply(200, [], b"type=IPC-HFW2431S-S-S2\r\n")


def test_basic_only_device_gets_basic_when_allowed_and_it_is_remembered():
    token, spec = BASIC, DEVTYPE
    with http_server(dahua) as server:
        client = HttpClient("127.0.0.1", 3.0, Credential(USER, SECRET, allow_basic=True))
        first, second = client.run_request(server.port, False, spec), client.run_request(server.port, False, spec)
    assert first.outcome == second.outcome == "ok"
    assert [s.headers.get("Authorization") for s in server.seen] == [None, token, token]
    assert server.seen[0].path == spec.path
    assert token.split()[1] not in _everything(first)


def test_basic_in_clear_is_not_sent_unless_the_entry_allows_it():
    # Issue 13: any device that asked for Basic over plain HTTP got the password in clear.
    with http_server(dahua) as server:
        login = DeviceLogin(Credential(USER, SECRET))
        client = HttpClient("127.0.0.1", 3.0, login.credential, login=login)
        first, second = client.run_request(server.port, False, DEVTYPE), client.run_request(server.port, False, DEVTYPE)
    assert all("Authorization" not in s.headers for s in server.seen)
    for obs in (first, second):
        assert (obs.outcome, obs.status, obs.stopped) == ("auth_required", 401, Reason.BASIC_IN_CLEAR)
        assert "allow_basic = true" in obs.detail
    assert login.basic_declined and login.refused is None


@pytest.mark.parametrize("tls_server", [dahua], indirect=True)
def test_basic_over_tls_is_answered(tls_server):
    obs = HttpClient("127.0.0.1", 3.0, Credential(USER, SECRET)).run_request(tls_server, True, DEVTYPE)
    assert obs.outcome == "ok" and obs.body.startswith(b"type=")


def test_a_refused_login_is_never_offered_to_the_device_again():
    # Issue 13: with a wrong password one device got 8 failed logins in 4 s; cameras lock accounts after a few.
    with http_server(camera) as server:
        login = DeviceLogin(Credential(USER, "not-it"))
        web = HttpClient("127.0.0.1", 3.0, login.credential, login=login)
        other_port = HttpClient("127.0.0.1", 3.0, login.credential, login=login)  # another line of the same audit
        first = web.run_request(server.port, False, SPEC)
        later = [web.run_request(server.port, False, SPEC), other_port.run_request(server.port, False, SPEC)]
        public = web.fetch_root(server.port, False)  # what needs no login is still asked
    assert sum("Authorization" in s.headers for s in server.seen) == 1
    assert first.outcome == "auth_required" and login.refused == f"GET http://127.0.0.1:{server.port}{SPEC.path}"
    for obs in later:
        assert (obs.outcome, obs.stopped) == ("failed", Reason.LOGIN_REFUSED) and obs.detail.startswith("not sent")
    assert public.outcome == "ok"


def test_until_the_login_is_accepted_it_is_offered_by_one_request_at_a_time():
    def slow_refusal(request: Seen) -> Reply:
        if "Authorization" in request.headers:
            time.sleep(0.3)  # both lines are in flight while the device decides
        return camera(request)

    login = DeviceLogin(Credential(USER, "not-it"))
    with http_server(slow_refusal) as server, ThreadPoolExecutor(4) as pool:
        clients = [HttpClient("127.0.0.1", 3.0, login.credential, login=login) for _ in range(4)]
        results = list(pool.map(lambda c: c.run_request(server.port, False, SPEC), clients))
    assert sum("Authorization" in s.headers for s in server.seen) == 1
    assert sorted(o.outcome for o in results) == ["auth_required", "failed", "failed", "failed"]


def test_post_with_body_and_content_type():
    spec = RequestSpec(
        id="reolink.ai_state",
        vendor="Reolink",
        method="POST",
        path="/cgi-bin/api.cgi?cmd=GetAiState",
        body='[{"cmd":"GetAiState","param":{"channel":0}}]',
        content_type="application/json",
        auth=False,
    )
    with http_server(lambda r: Reply(200, [], b'[{"value":{"face":{"support":1}}}]')) as server:
        obs = HttpClient("127.0.0.1", 3.0, None).run_request(server.port, False, spec)
    assert obs.outcome == "ok" and obs.request.startswith("POST ")
    assert (server.seen[0].method, server.seen[0].body) == ("POST", spec.body.encode())
    assert server.seen[0].headers["Content-Type"] == "application/json"


def test_non_read_methods_are_never_sent():
    spec = RequestSpec(id="x.put", vendor=None, method="PUT", path="/ISAPI/System/reboot", auth=False)
    with http_server(camera) as server:
        obs = HttpClient("127.0.0.1", 3.0, None).run_request(server.port, False, spec)
    assert obs.outcome == "failed" and server.seen == []


@pytest.mark.parametrize(("status", "outcome"), [(404, "not_supported"), (501, "not_supported"), (500, "failed")])
def test_status_mapping(status, outcome):
    with http_server(lambda r: Reply(status, [], b"")) as server:
        obs = HttpClient("127.0.0.1", 3.0, None).run_request(server.port, False, SPEC)
    assert (obs.status, obs.outcome) == (status, outcome)


def test_same_host_redirects_are_followed_and_off_host_ones_are_not():
    dead = closed_port()

    def site(request: Seen) -> Reply:
        if request.path == "/":
            return Reply(302, [("Location", "/doc/page/login.asp")])
        if request.path == "/doc/page/login.asp":
            return Reply(200, [], b"<title>Login</title>")
        if request.path == "/tls-elsewhere":
            return Reply(301, [("Location", f"https://127.0.0.1:{dead}/")])  # same host, nothing listening
        if request.path == "/away":
            return Reply(302, [("Location", "http://203.0.113.5/steal")])  # must never be contacted
        return Reply(302, [("Location", "/loop")])

    with http_server(site) as server:
        client = HttpClient("127.0.0.1", 3.0, None)
        followed = client.fetch_root(server.port, False)
        away = client.run_request(server.port, False, RequestSpec("x.away", None, "GET", "/away", auth=False))
        loop = client.run_request(server.port, False, RequestSpec("x.loop", None, "GET", "/loop", auth=False))
        moved = client.run_request(server.port, False, RequestSpec("x.tls", None, "GET", "/tls-elsewhere", auth=False))
    assert followed.outcome == "ok" and followed.value("title") == ("Login",)
    assert "redirected to" in followed.request
    assert (away.status, away.outcome) == (302, "failed") and "not followed" in away.detail
    assert loop.status == 302 and [s.path for s in server.seen].count("/loop") == 4
    assert (moved.status, moved.outcome) == (301, "failed") and "could not be followed" in moved.detail


def test_an_oversized_body_is_cut_at_the_cap():
    with http_server(lambda r: Reply(200, [], b"x" * (MAX_BODY + 100_000))) as server:
        obs = HttpClient("127.0.0.1", 5.0, None).fetch_root(server.port, False)
    assert obs.outcome == "ok" and len(obs.body) == MAX_BODY and "cut" in obs.detail


def test_a_silent_device_times_out():
    with http_server(lambda r: Reply(200, [], b"late", pause=2.0)) as server:
        obs = HttpClient("127.0.0.1", 0.3, None).fetch_root(server.port, False)
    assert (obs.outcome, obs.status, obs.detail) == ("failed", None, "no answer in time")


def test_nothing_listening_and_non_http_services_fail_cleanly():
    assert HttpClient("127.0.0.1", 1.0, None).fetch_root(closed_port(), False).outcome == "failed"

    def rtsp(conn, seen):
        read_request(conn)
        conn.sendall(b"RTSP/1.0 400 Bad Request\r\nCSeq: 0\r\n\r\n")

    with tcp_server(rtsp) as server:
        obs = HttpClient("127.0.0.1", 1.0, None).fetch_root(server.port, False)
    assert obs.outcome == "failed" and obs.status is None


def test_a_port_answering_in_another_protocol_fails_at_once_not_at_the_timeout():
    """Hikvision's control port (8000) answers with a 16-byte binary header (nmap-service-probes: "Hikvision IPCam
    control port") and keeps the connection open: no line end ever comes. Read as HTTP it would keep the client
    waiting for a status line until the timeout; the first bytes say it is not HTTP."""
    done = threading.Event()

    def control_port(conn, seen):
        read_request(conn)
        conn.sendall(b"\0\0\0\x10\0\0\0\x1e\0\0\0\x1e\0\0\0\0")
        done.wait(10)  # the connection stays open, as the real port's does

    with tcp_server(control_port) as server:
        obs = HttpClient("127.0.0.1", 30.0, None).fetch_root(server.port, False, Asked.ONCE)
        done.set()
    assert obs.outcome == "failed" and obs.status is None
    assert "not a usable HTTP answer (BadStatusLine)" in obs.detail  # not "no answer in time"


def test_a_lost_page_behind_the_root_ends_a_first_try_early_and_the_root_is_asked_again_whole():
    """GET / redirects to the web app's page (a Hanwha camera's /wmf/); the device loses the first request for that
    page. In a first try (its caller asks again), the lost page ends the attempt at the first wait, not the whole
    timeout, and the root asked again leads to the page: the camera is read, not left at its redirect."""
    pages: list[str] = []

    def device(request: Seen) -> Reply:
        if request.path == "/":
            return Reply(302, [("Location", "/wmf/index.html")])
        pages.append(request.path)
        page = (HTTP / "hanwha_root.html").read_bytes()
        return Reply(200, [("Content-Type", "text/html")], page, pause=3.0 if len(pages) == 1 else 0.0)

    pace = Pace(per_host=2)
    for _ in range(pace_module.SCAN_BASIS):
        pace.answered(0.05)  # the scan's other devices answer in 50 ms: wait FIRST_WAIT_FLOOR
    with http_server(device) as server:
        client = HttpClient("127.0.0.1", 4.0, None, pace.host("127.0.0.1"))
        began = time.monotonic()
        first = client.fetch_root(server.port, False, Asked.BY_CALLER)
        waited = time.monotonic() - began
        again = client.fetch_root(server.port, False, Asked.ONCE)
    assert first.outcome == "failed" and first.stopped == Reason.TIMED_OUT
    assert pace_module.FIRST_WAIT_FLOOR <= waited < 2.9  # not the whole timeout (4 s)
    assert again.status == 200 and "redirected to" in again.request and again.value("title") == ("Wisenet WEBVIEWER",)


def test_a_device_echoing_the_password_is_redacted():
    with http_server(lambda r: Reply(200, [("X-Echo", SECRET)], f"hello {SECRET}".encode())) as server:
        spec = RequestSpec("x.echo", None, "GET", "/echo", auth=True)
        obs = HttpClient("127.0.0.1", 3.0, Credential(USER, SECRET)).run_request(server.port, False, spec)
    assert SECRET not in _everything(obs) and "redacted" in obs.detail


@pytest.fixture
def tls_server(tmp_path, request):
    """A loopback HTTPS server with a fresh self-signed certificate, as cameras ship (answering as `camera`, or
    as the handler given by indirect parametrization)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed: cannot make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "1",
            "-subj",
            "/CN=IP Camera",
        ],
        check=True,
        capture_output=True,
    )
    seen: list[Seen] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(getattr(request, "param", camera), seen))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_self_signed_tls_is_read_without_a_warning(tls_server):
    gc.collect()  # kept connections of earlier tests' clients, closed by the collector now, not inside the block
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the unverified-TLS warning must be silenced locally
        obs = HttpClient("127.0.0.1", 3.0, None).fetch_root(tls_server, tls=True)
    assert obs.outcome == "ok" and obs.request.startswith("GET https://127.0.0.1:")
    assert obs.value("title") == ("Wisenet WEBVIEWER",)


def test_a_new_connection_closed_unanswered_is_asked_again_after_ours_idle_are_closed(monkeypatch):
    """A device at its limit of connections accepts one more and closes it at once. The request is asked once more
    (counted as a retry), after the client closed its own idle connections to the device to make room."""
    monkeypatch.setattr(pace_module, "BUSY_PAUSE", 0.0)
    events: list[str] = []
    first, idle_closed = threading.Event(), threading.Event()

    def web(conn, seen):  # port A: answers, then notes when the client closes the kept connection
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        if conn.recv(4096) == b"":
            idle_closed.set()

    def busy(conn, seen):  # port B: closes its first connection unanswered, then answers
        read_request(conn)
        if not first.is_set():
            first.set()
            events.append("closed unanswered")
            return
        # kept open, the idle connection to A would only close after this answer (client.close() below)
        events.append("asked again, ours idle closed" if idle_closed.wait(2.0) else "asked again, ours idle open")
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with tcp_server(web) as a, tcp_server(busy) as b:
        host = Pace(per_host=2).host("127.0.0.1")
        host.limit(60)
        client = HttpClient("127.0.0.1", 5.0, None, pace=host)
        assert client.fetch_root(a.port, False).status == 200  # its connection kept, idle
        obs = client.run_request(b.port, False, SPEC)
        client.close()
    assert obs.status == 200 and host.retries == 1
    assert events == ["closed unanswered", "asked again, ours idle closed"]
    once = HttpClient("127.0.0.1", 2.0, None, pace=host)
    first.clear()
    with tcp_server(busy) as b:
        obs = once.fetch_root(b.port, False, asked=Asked.ONCE)  # never asked again: a port that may not be HTTP
    assert obs.outcome == "failed" and "closed the connection without answering" in obs.detail
