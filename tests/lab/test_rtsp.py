"""RTSP as cameras speak it: OPTIONS open, DESCRIBE challenged for any path, SDP per vendor behind auth."""

from __future__ import annotations

import base64

import pytest

from scanner.lab import Lab
from tests.lab.clients import RtspClient, challenge_params, device, digest_header

pytestmark = pytest.mark.lab
NETWORK = "127.77.14.0/24"


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK) as running:
        yield running


@pytest.fixture
def connect(lab):
    opened = []

    def open_(persona_id: str):
        d = device(lab, persona_id)
        client = RtspClient(d.address, d.ports["rtsp"])
        opened.append(client)
        port = "" if d.ports["rtsp"] == 554 else f":{d.ports['rtsp']}"
        return d, client, f"rtsp://{d.address}{port}"

    yield open_
    for client in opened:
        client.close()


@pytest.mark.parametrize(
    ("persona_id", "server"),
    [
        ("hik-face", None),
        ("dahua-fr", "Dahua Rtsp Server"),
        ("rtsp-only", "Hipcam RealServer/V1.0"),
        ("onvif-plain", None),
    ],
)
def test_options(connect, persona_id, server):
    _, client, root = connect(persona_id)
    reply = client.send("OPTIONS", root, 7)
    assert reply.status == 200 and reply.header("CSeq") == "7"
    assert "DESCRIBE" in reply.header("Public")
    assert reply.header("Server") == server


def test_describe_is_challenged_for_any_path(connect):
    _, client, root = connect("hik-face")
    for cseq, path in enumerate(["/Streaming/Channels/101", "/no/such/stream", "/"], start=1):
        reply = client.send("DESCRIBE", root + path, cseq, {"Accept": "application/sdp"})
        assert reply.status == 401
        params = challenge_params(reply.header("WWW-Authenticate"))
        assert params["realm"] == "IP Camera(F5678)" and len(params["nonce"]) == 32 and "qop" not in params


def test_hikvision_describe_with_digest(connect):
    d, client, root = connect("hik-face")
    url = root + "/Streaming/Channels/101"
    challenge = client.send("DESCRIBE", url, 1).header("WWW-Authenticate")
    wrong = digest_header(challenge, d.persona.username, "wrong", "DESCRIBE", url)
    assert client.send("DESCRIBE", url, 2, {"Authorization": wrong}).status == 401
    challenge = client.send("DESCRIBE", url, 3).header("WWW-Authenticate")
    auth = digest_header(challenge, d.persona.username, d.persona.password, "DESCRIBE", url)
    reply = client.send("DESCRIBE", url, 4, {"Authorization": auth, "Accept": "application/sdp"})
    assert reply.status == 200 and reply.header("Content-Type") == "application/sdp"
    assert reply.header("Content-Base") == url + "/"
    sdp = reply.body.decode()
    assert sdp.startswith("v=0\r\n") and "m=video 0 RTP/AVP 96" in sdp and "a=rtpmap:96 H264/90000" in sdp
    assert int(reply.header("Content-Length")) == len(reply.body)
    missing = root + "/Streaming/Channels/909"
    auth = digest_header(challenge, d.persona.username, d.persona.password, "DESCRIBE", missing)
    assert client.send("DESCRIBE", missing, 5, {"Authorization": auth}).status == 404


def test_dahua_digest_realm_and_vendor_query(connect):
    d, client, root = connect("dahua-fr")
    url = root + "/cam/realmonitor?channel=1&subtype=0"
    reply = client.send("DESCRIBE", url, 1)
    assert reply.status == 401 and reply.header("Server") == "Dahua Rtsp Server"
    challenge = reply.header("WWW-Authenticate")
    assert challenge_params(challenge)["realm"] == f"Login to {d.persona.serial}"
    auth = digest_header(challenge, d.persona.username, d.persona.password, "DESCRIBE", url)
    sdp = client.send("DESCRIBE", url, 2, {"Authorization": auth}).body.decode()
    assert "a=rtpmap:96 H264/90000" in sdp and "s=Media Server" in sdp


def test_basic_realm_device(connect):
    d, client, root = connect("dahua-plain")
    url = root + "/cam/realmonitor?channel=1&subtype=1"
    assert client.send("DESCRIBE", url, 1).header("WWW-Authenticate") == 'Basic realm="device"'
    token = base64.b64encode(f"{d.persona.username}:{d.persona.password}".encode()).decode()
    assert client.send("DESCRIBE", url, 2, {"Authorization": f"Basic {token}"}).status == 200
    bad = base64.b64encode(f"{d.persona.username}:nope".encode()).decode()
    assert client.send("DESCRIBE", url, 3, {"Authorization": f"Basic {bad}"}).status == 401


def test_hipcam_offers_digest_and_basic(connect):
    d, client, root = connect("rtsp-only")
    challenges = client.send("DESCRIBE", root + "/11", 1).all("WWW-Authenticate")
    assert [c.split(" ")[0] for c in challenges] == ["Digest", "Basic"]
    token = base64.b64encode(f"{d.persona.username}:{d.persona.password}".encode()).decode()
    reply = client.send("DESCRIBE", root + "/11", 2, {"Authorization": f"Basic {token}"})
    assert reply.status == 200 and b"H264/90000" in reply.body


def test_onvif_metadata_track(connect):
    d, client, root = connect("onvif-m-face")
    url = root + "/main"
    challenge = client.send("DESCRIBE", url, 1).header("WWW-Authenticate")
    auth = digest_header(challenge, d.persona.username, d.persona.password, "DESCRIBE", url)
    sdp = client.send("DESCRIBE", url, 2, {"Authorization": auth}).body.decode()
    assert "m=application 0 RTP/AVP 107" in sdp and "a=rtpmap:107 vnd.onvif.metadata/90000" in sdp


def test_other_methods(connect):
    d, client, root = connect("hik-face")
    url = root + "/Streaming/Channels/101"
    assert client.send("PLAY", url, 1, {"Session": "12345"}).status == 454
    assert client.send("ANNOUNCE", url, 2).status == 405
    assert client.send("FROBNICATE", url, 3).status == 501
    assert client.send("SETUP", url + "/trackID=1", 4).status == 401
    challenge = client.send("SETUP", url + "/trackID=1", 5).header("WWW-Authenticate")
    auth = digest_header(challenge, d.persona.username, d.persona.password, "SETUP", url + "/trackID=1")
    assert client.send("SETUP", url + "/trackID=1", 6, {"Authorization": auth}).status == 461


def test_protocol_errors(connect):
    _, client, root = connect("hik-face")
    assert client.send("OPTIONS", root, None).status == 400  # no CSeq
    _, client, root = connect("hik-face")
    assert client.raw(f"OPTIONS {root} RTSP/2.0\r\nCSeq: 1\r\n\r\n".encode()).status == 505
    _, client, _ = connect("hik-face")
    reply = client.raw(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: " + b"a" * 10000 + b"\r\n\r\n")
    assert reply is not None and reply.status == 400
    assert client.read() is None  # and the connection is closed
