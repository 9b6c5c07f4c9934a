"""rtsp_probe against loopback RTSP servers that replay recorded replies and check Digest/Basic independently."""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scanner.model import Credential
from scanner.net.login import DeviceLogin
from scanner.net.pace import DEVICE_BYTES, LEAN_BODY, Pace
from scanner.probes.rtsp import rtsp_probe
from scanner.vocabulary import Reason
from tests.probes.servers import Seen, closed_port, digest_ok, parse_request, read_request, tcp_server

RTSP = Path(__file__).parent / "fixtures" / "rtsp"
MOUNT = "/Streaming/Channels/101"
NONCE = "4ce11d8121ac4e5f"  # the nonce in the recorded GStreamer 401
REALM = "GStreamer RTSP Server"
SECRET = "s3cret-Pa55"


def recorded(name: str, request: Seen) -> bytes:
    """A recorded reply with its CSeq set to the request's, as the device would have answered it."""
    return re.sub(rb"CSeq: \d+", b"CSeq: " + request.headers.get("CSeq", "0").encode(), (RTSP / name).read_bytes())


def serve(script: Callable[[Seen], bytes | None]):
    """A loopback RTSP device answering each request with script(request); None closes the connection."""
    return serve_on("127.0.0.1", script)


def serve_on(host: str, script: Callable[[Seen], bytes | None]):
    """serve() on a chosen loopback address."""

    def respond(conn: socket.socket, seen: list[Seen]) -> None:
        while True:
            data = read_request(conn)
            if not data:
                return
            request = parse_request(data)
            seen.append(request)
            reply = script(request)
            if reply is None:
                return
            conn.sendall(reply)

    return tcp_server(respond, host)


def gstreamer(user: str | None = "admin", password: str = SECRET) -> Callable[[Seen], bytes | None]:
    def script(request: Seen) -> bytes:
        if request.method == "OPTIONS":
            return recorded("gst_options.bin", request)
        if not urlsplit(request.path).path.endswith(MOUNT):
            return recorded("gst_describe_404.bin", request)
        auth = request.headers.get("Authorization")
        if user and not (digest_ok(auth, "DESCRIBE", REALM, NONCE, user, password) and f'uri="{request.path}"' in auth):
            return recorded("gst_describe_401_digest.bin", request)
        return recorded("gst_describe.bin", request)

    return script


def _text(observations) -> str:
    return " ".join(o.request + o.detail + o.text + repr(o.headers) + repr(o.values) for o in observations)


def test_digest_login_gets_the_sdp_and_never_shows_the_password():
    with serve(gstreamer()) as server:
        uri = f"rtsp://127.0.0.1:{server.port}{MOUNT}"
        options, describe = rtsp_probe("127.0.0.1", server.port, Credential("admin", SECRET), [uri], 3.0)
    assert (options.probe, options.outcome, options.value("server")) == (
        "rtsp.options",
        "ok",
        ("GStreamer RTSP server",),
    )
    assert "DESCRIBE" in options.value("public")
    assert (describe.probe, describe.outcome, describe.status) == ("rtsp.describe", "ok", 200)
    assert describe.value("sdp_media") == ("video H264/90000",)
    assert describe.value("realm") == (REALM,)
    assert describe.request == f"DESCRIBE {uri}"
    assert [s.method for s in server.seen] == ["OPTIONS", "DESCRIBE", "DESCRIBE"]
    assert server.seen[1].headers.get("Accept") == "application/sdp"
    assert SECRET not in _text((options, describe)) and "Authorization" not in _text((options, describe))


def test_without_credentials_a_401_is_reported_and_nothing_more_is_tried():
    with serve(gstreamer()) as server:
        uris = [f"rtsp://127.0.0.1:{server.port}{MOUNT}", f"rtsp://127.0.0.1:{server.port}/other"]
        observations = rtsp_probe("127.0.0.1", server.port, None, uris, 3.0)
    describe = observations[-1]
    assert len(observations) == 2
    assert (describe.outcome, describe.status, describe.value("realm")) == ("auth_required", 401, (REALM,))
    assert "no credentials were sent" in describe.detail
    assert not any("Authorization" in s.headers for s in server.seen)


def test_refused_credentials_are_tried_once_only():
    with serve(gstreamer(password="the-real-one")) as server:
        uris = [f"rtsp://127.0.0.1:{server.port}{MOUNT}", f"rtsp://127.0.0.1:{server.port}/other"]
        observations = rtsp_probe("127.0.0.1", server.port, Credential("admin", SECRET), uris, 3.0)
    assert observations[-1].outcome == "auth_required"
    assert "refused the supplied credentials" in observations[-1].detail
    assert [s.method for s in server.seen] == ["OPTIONS", "DESCRIBE", "DESCRIBE"]  # no lockout-prone retries


def test_candidates_are_rewritten_onto_the_address_and_stripped_of_credentials():
    with serve(gstreamer(user=None)) as server:
        port = server.port
        uris = [
            f"rtsp://198.51.100.9:{port}/nope",  # another host: must be re-pointed, never contacted
            f"rtsp://{port}:1/ignored",  # another port: belongs to that port's probe
            f"rtsp://viewer:{SECRET}@camera.local:{port}{MOUNT}?channel=1",
        ]
        observations = rtsp_probe("127.0.0.1", port, Credential("viewer", SECRET), uris, 3.0)
    assert [s.path for s in server.seen] == [
        f"rtsp://127.0.0.1:{port}/",
        f"rtsp://127.0.0.1:{port}/nope",
        f"rtsp://127.0.0.1:{port}{MOUNT}?channel=1",
    ]
    assert [o.outcome for o in observations] == ["ok", "not_supported", "ok"]
    assert SECRET not in _text(observations)


def test_empty_uri_list_describes_the_root():
    with serve(gstreamer(user=None)) as server:
        observations = rtsp_probe("127.0.0.1", server.port, None, [], 3.0)
    assert [s.path for s in server.seen] == [f"rtsp://127.0.0.1:{server.port}/"] * 2
    assert observations[1].outcome == "not_supported"


TOKEN = base64.b64encode(f"admin:{SECRET}".encode()).decode()


def basic_only(request: Seen) -> bytes:
    if request.method == "OPTIONS":
        return recorded("gst_options.bin", request)
    if request.headers.get("Authorization") != f"Basic {TOKEN}":
        return recorded("dahua_describe_401_basic.bin", request)
    return recorded("uniview_describe_metadata.bin", request)


def test_basic_challenge_is_answered_with_basic_when_the_entry_allows_it():
    token = TOKEN
    with serve(basic_only) as server:
        observations = rtsp_probe("127.0.0.1", server.port, Credential("admin", SECRET, allow_basic=True), [], 3.0)
    describe = observations[-1]
    assert describe.outcome == "ok" and "Basic" in describe.detail
    assert describe.value("realm") == ("device",)
    assert "application vnd.onvif.metadata/90000" in describe.value("sdp_media")
    assert token not in _text(observations)


def test_basic_in_clear_is_not_sent_unless_the_entry_allows_it():
    # Issue 13: RTSP is always in clear; a device asking for Basic got the password base64-encoded.
    with serve(basic_only) as server:
        observations = rtsp_probe("127.0.0.1", server.port, Credential("admin", SECRET), [], 3.0)
    assert not any("Authorization" in s.headers for s in server.seen)
    describe = observations[-1]
    assert (describe.outcome, describe.stopped) == ("auth_required", Reason.BASIC_IN_CLEAR)
    assert "allow_basic = true" in describe.detail


def test_a_login_the_device_refused_elsewhere_is_not_offered():
    login = DeviceLogin(Credential("admin", SECRET))
    login.refuse("GET http://127.0.0.1/ISAPI/System/deviceInfo")  # by the web interface, earlier in the audit
    with serve(gstreamer()) as server:
        uri = f"rtsp://127.0.0.1:{server.port}{MOUNT}"
        observations = rtsp_probe("127.0.0.1", server.port, login.credential, [uri], 3.0, login=login)
    assert not any("Authorization" in s.headers for s in server.seen)
    assert "refused earlier" in observations[-1].detail


def test_a_login_refused_over_rtsp_is_refused_for_the_device():
    login = DeviceLogin(Credential("admin", SECRET))
    with serve(gstreamer(password="the-real-one")) as server:
        uri = f"rtsp://127.0.0.1:{server.port}{MOUNT}"
        rtsp_probe("127.0.0.1", server.port, login.credential, [uri], 3.0, login=login)
    assert login.refused == f"DESCRIBE {uri}"


def test_a_device_echoing_our_authorization_is_redacted():
    token = base64.b64encode(f"admin:{SECRET}".encode()).decode()

    def echo(request: Seen) -> bytes:
        if "Authorization" not in request.headers:
            return recorded("dahua_describe_401_basic.bin", request)
        body = f"you sent {request.headers['Authorization']} for {SECRET}".encode()
        head = f"RTSP/1.0 200 OK\r\nCSeq: {request.headers['CSeq']}\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    with serve(echo) as server:
        observations = rtsp_probe("127.0.0.1", server.port, Credential("admin", SECRET, allow_basic=True), [], 3.0)
    assert token not in _text(observations) and SECRET not in _text(observations)
    assert "redacted" in observations[-1].detail


def test_a_credential_refused_on_options_is_not_offered_again():
    def strict(request: Seen) -> bytes:
        return recorded("gst_describe_401_digest.bin", request)  # every request wants a login, none passes

    with serve(strict) as server:
        observations = rtsp_probe("127.0.0.1", server.port, Credential("admin", SECRET), [], 3.0)
    assert [o.outcome for o in observations] == ["auth_required", "auth_required"]
    assert sum("Authorization" in s.headers for s in server.seen) == 1
    assert "refused earlier" in observations[1].detail


def test_rtsp_answers_count_against_the_device_allowance():
    # Issue 13: RTSP answers were neither capped by nor counted in the device's allowance (HostPace.body_cap/spend).
    sdp = b"v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" + b"a=x-pad:" + b"p" * (100 << 10) + b"\r\n"

    def big(request: Seen) -> bytes:
        if request.method == "OPTIONS":
            return recorded("gst_options.bin", request)
        head = f"RTSP/1.0 200 OK\r\nCSeq: {request.headers['CSeq']}\r\nContent-Type: application/sdp\r\n"
        return (head + f"Content-Length: {len(sdp)}\r\n\r\n").encode() + sdp

    with serve(big) as server:
        fresh = Pace(per_host=2).host("127.0.0.1")
        options, describe = rtsp_probe("127.0.0.1", server.port, None, [], 3.0, fresh)
        assert describe.outcome == "ok" and fresh.spent > len(sdp)
        spent = Pace(per_host=2).host("127.0.0.1")
        spent.spend(DEVICE_BYTES)  # a device that already sent its allowance gets the lean cap
        options, describe = rtsp_probe("127.0.0.1", server.port, None, [], 3.0, spent)
    assert options.outcome == "ok"
    assert describe.outcome == "failed" and f"larger than {LEAN_BODY} bytes" in describe.detail


def test_cseq_with_a_method_suffix_is_accepted_but_a_wrong_cseq_is_not():
    def hikvision(request: Seen) -> bytes:
        return recorded("hikvision_options_cseq_method.bin", request)

    def confused(request: Seen) -> bytes:
        return re.sub(rb"CSeq: \d+", b"CSeq: 99", (RTSP / "gst_options.bin").read_bytes())

    with serve(hikvision) as server:
        assert rtsp_probe("127.0.0.1", server.port, None, [], 3.0)[0].outcome == "ok"
    with serve(confused) as server:
        observations = rtsp_probe("127.0.0.1", server.port, None, [], 3.0)
    assert len(observations) == 1 and observations[0].outcome == "failed" and "CSeq" in observations[0].detail


def test_a_dribbling_device_is_cut_off_by_the_overall_timeout():
    def respond(conn: socket.socket, seen: list[Seen]) -> None:
        read_request(conn)
        for byte in b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: slow" * 10:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)

    with tcp_server(respond) as server:
        started = time.monotonic()
        observations = rtsp_probe("127.0.0.1", server.port, None, [], 0.5)
    assert time.monotonic() - started < 2.0
    assert observations[0].outcome == "failed" and observations[0].status is None


def test_an_endless_header_block_is_refused():
    def respond(conn: socket.socket, seen: list[Seen]) -> None:
        read_request(conn)
        conn.sendall(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n" + b"X-Pad: " + b"a" * 40000)

    with tcp_server(respond) as server:
        observations = rtsp_probe("127.0.0.1", server.port, None, [], 2.0)
    assert observations[0].outcome == "failed" and "too large" in observations[0].detail


@pytest.mark.parametrize(
    "answer", [b"SSH-2.0-OpenSSH_9.2p1\r\n\r\n", b"", b"RTSP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nv=0"]
)
def test_non_rtsp_silent_or_truncated_answers_fail_cleanly(answer):
    def respond(conn: socket.socket, seen: list[Seen]) -> None:
        read_request(conn)
        conn.sendall(answer)

    with tcp_server(respond) as server:
        observations = rtsp_probe("127.0.0.1", server.port, None, [], 1.0)
    assert len(observations) == 1 and observations[0].outcome == "failed" and observations[0].detail


def test_nothing_listening():
    observations = rtsp_probe("127.0.0.1", closed_port(), None, ["rtsp://127.0.0.1/x"], 1.0)
    assert len(observations) == 1
    assert (observations[0].outcome, observations[0].status, observations[0].detail) == (
        "failed",
        None,
        "connection refused",
    )


def test_uris_that_would_break_the_request_line_are_skipped():
    with serve(gstreamer(user=None)) as server:
        bad = f"rtsp://127.0.0.1:{server.port}/a RTSP/1.0\r\nX-Injected: 1"
        rtsp_probe("127.0.0.1", server.port, None, [bad], 3.0)
    assert [s.path for s in server.seen] == [f"rtsp://127.0.0.1:{server.port}/"] * 2
    assert all("X-Injected" not in s.headers for s in server.seen)


def test_ipv6_loopback():
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(serve_on("::1", gstreamer(user=None)))
        except OSError as exc:
            pytest.skip(f"IPv6 loopback unavailable: {exc}")
        observations = rtsp_probe("::1", server.port, None, [f"rtsp://[::1]:{server.port}{MOUNT}"], 3.0)
    assert [o.outcome for o in observations] == ["ok", "ok"]
    assert observations[1].request == f"DESCRIBE rtsp://[::1]:{server.port}{MOUNT}"
