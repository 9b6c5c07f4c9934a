"""A replay on loopback answers as the recording says: HTTP byte-exact, 404 for what was not recorded, answers in
recorded order, a login asked where the original needed one (and any login accepted), ONVIF by operation and path,
RTSP with the request's CSeq, WS-Discovery with the recorded ProbeMatch; and recorded URLs point at the replay."""

from __future__ import annotations

import pytest
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from scanner.discovery.ws_discovery import probe_unicast
from scanner.model import WsdReply
from scanner.replay.host import Replay
from scanner.replay.records import Exchange, RecordedDevice
from tests.lab.clients import RtspClient, digest_header, session

pytestmark = pytest.mark.lab
NETWORK = "127.77.204.0/24"
RECORDED_AT = "192.168.1.64"
SOAP = b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>%s</s:Body></s:Envelope>'
TDS = b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"'
TRT = b'xmlns:trt="http://www.onvif.org/ver10/media/wsdl"'
XML = (("Content-Type", "application/xml"),)


def _exchanges() -> tuple[Exchange, ...]:
    capabilities = b"<tds:GetCapabilitiesResponse %s><XAddr>http://192.168.1.64/onvif/media</XAddr>" % TDS
    return (
        Exchange("http", "GET", "/", 80, 302, (("Location", "http://192.168.1.64/doc/page/login.asp"),), b""),
        Exchange(
            "http",
            "GET",
            "/ISAPI/System/deviceInfo",
            80,
            200,
            XML,
            b"<DeviceInfo>\r\n<model>X</model>",
            login="digest",
            realm="IP Camera(A1234)",
        ),  # fmt: skip
        Exchange("http", "GET", "/basic", 80, 200, XML, b"<ok/>", login="basic", realm="Basic realm"),
        Exchange("http", "POST", "/cgi-bin/api.cgi?cmd=Login&token=null", 80, 200, (), b'[{"code": 1}]'),
        Exchange("http", "POST", "/cgi-bin/api.cgi?cmd=Login&token=null", 80, 200, (), b'[{"code": 0}]'),
        Exchange(
            "http",
            "POST",
            "/cgi-bin/api.cgi?cmd=GetAiState&token=<session>",
            80,
            200,
            (),
            b"[0]",
            body=b'[{"cmd": "GetAiState", "param": {"channel": 0}}]',
        ),  # fmt: skip
        Exchange("http", "GET", "/timeout", 80, None),
        Exchange("onvif", "POST", "/onvif/device_service", 80, 200, (), SOAP % capabilities, "GetCapabilities"),
        Exchange(
            "onvif",
            "POST",
            "/onvif/media",
            80,
            200,
            (),
            SOAP % b"<trt:GetProfilesResponse %s/>" % TRT,
            "GetProfiles",
            login="wsse",
        ),  # fmt: skip
        Exchange("rtsp", "OPTIONS", "/", 554, 200, (("CSeq", "7"), ("Public", "OPTIONS, DESCRIBE"))),
        Exchange(
            "rtsp",
            "DESCRIBE",
            "/Streaming/Channels/101",
            554,
            200,
            (("CSeq", "8"), ("Content-Base", "rtsp://192.168.1.64:554/Streaming/Channels/101/")),
            b"v=0\r\na=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1\r\n",
            login="digest",
            realm="IP Camera(A1234)",
        ),  # fmt: skip
    )


WSD = WsdReply(RECORDED_AT, "urn:uuid:1", ("dn:NetworkVideoTransmitter",),
               ("onvif://www.onvif.org/name/Camera",), ("http://192.168.1.64/onvif/device_service",))  # fmt: skip


@pytest.fixture(scope="module")
def replay():
    device = RecordedDevice("recorded camera", RECORDED_AT, (80, 554, 8000), _exchanges(), (WSD,))
    with Replay([device], network=NETWORK, standard_ports=False) as running:
        yield running


def _url(replay: Replay, path: str) -> str:
    placed = replay.devices[0]
    return f"http://{placed.address}:{placed.ports[80]}{path}"


def test_the_device_keeps_its_host_number_and_moves_to_high_ports(replay):
    placed = replay.devices[0]
    assert placed.address == "127.77.204.64"
    assert dict(placed.ports) == {80: 2020, 554: 8554, 8000: 8000}


def test_a_recorded_answer_is_served_and_points_at_the_replay(replay):
    answer = session().get(_url(replay, "/"), allow_redirects=False, timeout=3)
    assert answer.status_code == 302
    assert answer.headers["Location"] == _url(replay, "/doc/page/login.asp")
    missing = session().get(_url(replay, "/doc/page/login.asp"), timeout=3)
    assert missing.status_code == 404  # not in the recording: never made up


def test_a_login_is_asked_in_the_recorded_realm_and_any_login_is_accepted(replay):
    url = _url(replay, "/ISAPI/System/deviceInfo")
    challenge = session().get(url, timeout=3)
    assert challenge.status_code == 401
    assert 'realm="IP Camera(A1234)"' in challenge.headers["WWW-Authenticate"]
    answered = session().get(url, auth=HTTPDigestAuth("anyone", "any password"), timeout=3)
    assert (answered.status_code, answered.content) == (200, b"<DeviceInfo>\r\n<model>X</model>")
    basic = session().get(_url(replay, "/basic"), timeout=3)
    assert basic.headers["WWW-Authenticate"] == 'Basic realm="Basic realm"'
    assert session().get(_url(replay, "/basic"), auth=HTTPBasicAuth("u", "p"), timeout=3).content == b"<ok/>"


def test_answers_come_in_recorded_order_and_bodies_and_queries_match_as_data(replay):
    login = _url(replay, "/cgi-bin/api.cgi?cmd=Login&token=null")
    answers = [session().post(login, data=b'[{"cmd":"Login"}]', timeout=3).content for _ in range(3)]
    assert answers == [b'[{"code": 1}]', b'[{"code": 0}]', b'[{"code": 0}]']
    state = _url(replay, "/cgi-bin/api.cgi?cmd=GetAiState&token=%3Csession%3E")
    assert session().post(state, data=b'[{"cmd":"GetAiState","param":{"channel":0}}]', timeout=3).content == b"[0]"
    other = session().post(state, data=b'[{"cmd":"GetAiState","param":{"channel":1}}]', timeout=3)
    assert other.status_code == 404  # another channel was not recorded


def test_no_usable_answer_recorded_is_an_error_and_a_port_that_never_answered_closes(replay):
    assert session().get(_url(replay, "/timeout"), timeout=3).status_code == 500
    placed = replay.devices[0]
    with pytest.raises(requests.ConnectionError):
        session().get(f"http://{placed.address}:8000/", timeout=3)


def test_onvif_is_matched_by_operation_and_path_and_asks_for_a_token_where_the_original_sent_one(replay):
    device_service = _url(replay, "/onvif/device_service")
    get = b"<tds:GetCapabilities %s><tds:Category>All</tds:Category></tds:GetCapabilities>" % TDS
    answer = session().post(device_service, data=SOAP % get, timeout=3)
    assert answer.status_code == 200
    assert _url(replay, "/onvif/media").encode() in answer.content
    profiles = SOAP % b"<trt:GetProfiles %s/>" % TRT
    at_other_path = session().post(device_service, data=profiles, timeout=3)  # falls back to the operation
    assert at_other_path.status_code == 400 and b"NotAuthorized" in at_other_path.content
    token = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><Security '
        b'xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>'
        b"<Username>anyone</Username><Password>x</Password></UsernameToken></Security></s:Header><s:Body>"
        b"<trt:GetProfiles %s/></s:Body></s:Envelope>" % TRT
    )
    assert session().post(_url(replay, "/onvif/media"), data=token, timeout=3).status_code == 200
    unrecorded = SOAP % b"<tds:GetHostname %s/>" % TDS
    assert session().post(device_service, data=unrecorded, timeout=3).status_code == 404


def test_rtsp_answers_with_the_requests_cseq_after_the_recorded_challenge(replay):
    placed = replay.devices[0]
    client = RtspClient(placed.address, placed.ports[554])
    try:
        base = f"rtsp://{placed.address}:{placed.ports[554]}"
        options = client.send("OPTIONS", f"{base}/", 41)
        assert (options.status, options.header("CSeq"), options.header("Public")) == (200, "41", "OPTIONS, DESCRIBE")
        uri = f"{base}/Streaming/Channels/101"
        challenge = client.send("DESCRIBE", uri, 42)
        assert challenge.status == 401 and 'realm="IP Camera(A1234)"' in (challenge.header("WWW-Authenticate") or "")
        authorization = digest_header(challenge.header("WWW-Authenticate") or "", "any", "login", "DESCRIBE", uri)
        described = client.send("DESCRIBE", uri, 43, {"Authorization": authorization})
        assert (described.status, described.header("CSeq")) == (200, "43")
        assert described.header("Content-Base") == f"{uri}/"
        assert described.body == f"v=0\r\na=control:{uri}/trackID=1\r\n".encode()
        assert client.send("DESCRIBE", f"{base}/other", 44).status == 404
    finally:
        client.close()


def test_ws_discovery_answers_with_the_recorded_probe_match_pointed_at_the_replay(replay):
    placed = replay.devices[0]
    found = probe_unicast([placed.address], timeout=1.0)[placed.address]
    assert [(r.epr, r.types, r.scopes) for r in found] == [(WSD.epr, WSD.types, WSD.scopes)]
    assert found[0].xaddrs == (f"http://{placed.address}:2020/onvif/device_service",)
