"""Vendor web servers over real sockets: Digest auth, ISAPI and CGI bodies, nginx, HTTP/1.1 behaviour."""

from __future__ import annotations

import asyncio
import http.client
import socket
import struct
import xml.etree.ElementTree as ET

import pytest
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from scanner.lab import Lab, httpd
from scanner.lab.httpd import Request, Response
from tests.lab.clients import base_url, challenge_params, device, session

pytestmark = pytest.mark.lab
NETWORK = "127.77.12.0/24"
HIK = "{http://www.hikvision.com/ver20/XMLSchema}"
ISAPI_ORG = "{http://www.isapi.org/ver20/XMLSchema}"


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK) as running:
        yield running


def _get(lab, persona_id, path, password=None, auth=HTTPDigestAuth):
    d = device(lab, persona_id)
    login = auth(d.persona.username, password if password is not None else d.persona.password)
    return session().get(base_url(d) + path, auth=login, timeout=3)


def test_hikvision_digest_challenge_and_refusals(lab):
    d = device(lab, "hik-face")
    reply = session().get(base_url(d) + "/ISAPI/System/deviceInfo", timeout=3)
    assert reply.status_code == 401 and reply.headers["Server"] == "App-webs/"
    challenge = reply.headers["WWW-Authenticate"]
    assert challenge.startswith("Digest ")
    params = challenge_params(challenge)
    assert params["realm"] == "IP Camera(F5678)" and params["qop"] == "auth" and params["stale"] == "FALSE"
    assert "Document Error: Unauthorized" in reply.text
    assert _get(lab, "hik-face", "/ISAPI/System/deviceInfo", password="wrong").status_code == 401
    # Digest only: Basic with the right password is refused, as App-webs does by default.
    assert _get(lab, "hik-face", "/ISAPI/System/deviceInfo", auth=HTTPBasicAuth).status_code == 401


def test_hikvision_device_info(lab):
    reply = _get(lab, "hik-face", "/ISAPI/System/deviceInfo")
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(reply.content)
    assert root.tag == f"{HIK}DeviceInfo" and root.get("version") == "2.0"
    fields = {child.tag.removeprefix(HIK): child.text for child in root}
    persona = device(lab, "hik-face").persona
    assert fields["model"] == persona.model and fields["serialNumber"] == persona.serial
    assert fields["macAddress"] == persona.mac and fields["deviceType"] == "IPCamera"
    assert {"deviceName", "deviceID", "firmwareVersion", "firmwareReleasedDate"} <= set(fields)


def test_hikvision_capabilities_face_flags(lab):
    root = ET.fromstring(_get(lab, "hik-face", "/ISAPI/System/capabilities").content)
    assert root.findtext(f"{HIK}SmartCap/{HIK}isSupportFaceDetect") == "true"
    assert root.findtext(f"{HIK}EventCap/{HIK}isSupportFaceSnap") == "true"
    assert root.findtext(f"{HIK}EventCap/{HIK}isSupportFaceContrast") == "false"
    assert root.findtext(f"{HIK}EventCap/{HIK}isSupportFaceLib") == "false"
    opts = [e.get("opt") for e in root.iter(f"{HIK}secondaryType")]
    assert any("localfaceBaseCreate" in o for o in opts)


def test_hikvision_trap_camera(lab):
    reply = _get(lab, "hik-trap", "/ISAPI/System/capabilities")
    root = ET.fromstring(reply.content)
    assert root.tag == f"{ISAPI_ORG}DeviceCap"
    flags = [e.text for e in root.iter() if e.tag.removeprefix(ISAPI_ORG).startswith("isSupportFace")]
    assert flags and set(flags) == {"false"}
    opt_text = " ".join(e.get("opt", "") for e in root.iter(f"{ISAPI_ORG}secondaryType"))
    for word in ("localfaceBaseCreate", "remoteFaceContrastTask", "faceModelException", "facesnapResolutionOverflow"):
        assert word in opt_text
    triggers = ET.fromstring(_get(lab, "hik-trap", "/ISAPI/Event/triggers").content)
    assert not [t for t in triggers.iter(f"{ISAPI_ORG}eventType") if "face" in (t.text or "").lower()]
    assert _get(lab, "hik-trap", "/onvif/device_service").status_code == 404


def test_hikvision_triggers(lab):
    root = ET.fromstring(_get(lab, "hik-face", "/ISAPI/Event/triggers").content)
    triggers = {t.findtext(f"{HIK}id"): t for t in root.iter(f"{HIK}EventTrigger")}
    assert "VMD-1" in triggers
    face = triggers["faceSnap-1"]
    assert face.findtext(f"{HIK}eventType") == "faceSnap"
    methods = [n.text for n in face.iter(f"{HIK}notificationMethod")]
    assert "center" in methods


@pytest.mark.parametrize("path", ["/ISAPI/Intelligent/FDLib/Count?format=json", "/ISAPI/No/Such/Thing"])
def test_hikvision_not_supported(lab, path):
    reply = _get(lab, "hik-face", path)
    assert reply.status_code == 404
    root = ET.fromstring(reply.content)
    assert root.tag == f"{HIK}ResponseStatus"
    assert (
        root.findtext(f"{HIK}statusCode"),
        root.findtext(f"{HIK}statusString"),
        root.findtext(f"{HIK}subStatusCode"),
    ) == ("4", "Invalid Operation", "notSupport")
    assert root.findtext(f"{HIK}requestURL") == path


def test_hikvision_login_page_and_404(lab):
    d = device(lab, "hik-face")
    root = session().get(base_url(d) + "/", timeout=3)
    assert root.status_code == 200 and "/doc/page/login.asp" in root.text
    assert "Hikvision Digital Technology" in session().get(base_url(d) + "/doc/page/login.asp", timeout=3).text
    missing = session().get(base_url(d) + "/nothing-here", timeout=3)
    assert missing.status_code == 404 and "Document Error: Page not found" in missing.text


def test_isapi_is_read_only(lab):
    d = device(lab, "hik-face")
    login = HTTPDigestAuth(d.persona.username, d.persona.password)
    reply = session().put(base_url(d) + "/ISAPI/Event/triggers", data=b"<x/>", auth=login, timeout=3)
    assert reply.status_code == 405 and b"methodNotAllowed" in reply.content


def test_dahua_page_and_realm(lab):
    d = device(lab, "dahua-fr")
    page = session().get(base_url(d) + "/", timeout=3)
    assert page.status_code == 200 and "<title>WEB SERVICE</title>" in page.text
    refused = session().get(base_url(d) + "/cgi-bin/magicBox.cgi?action=getDeviceType", timeout=3)
    params = challenge_params(refused.headers["WWW-Authenticate"])
    assert refused.status_code == 401 and params["realm"] == f"Login to {d.persona.serial}"
    assert params["qop"] == "auth" and "opaque" in params


def test_dahua_magicbox(lab):
    persona = device(lab, "dahua-fr").persona
    reply = _get(lab, "dahua-fr", "/cgi-bin/magicBox.cgi?action=getDeviceType")
    assert reply.status_code == 200 and reply.content == f"type={persona.model}\r\n".encode()
    info = _get(lab, "dahua-fr", "/cgi-bin/magicBox.cgi?action=getSystemInfo").text
    lines = dict(line.split("=", 1) for line in info.split("\r\n") if line)
    assert lines["deviceType"] == persona.model and lines["serialNumber"] == persona.serial
    assert {"processor", "updateSerial"} <= set(lines)
    version = _get(lab, "dahua-fr", "/cgi-bin/magicBox.cgi?action=getSoftwareVersion").text
    assert version.startswith(f"version={persona.firmware}")
    assert _get(lab, "dahua-fr", "/cgi-bin/magicBox.cgi?action=getDeviceType", password="nope").status_code == 401


def test_dahua_face_scene_and_rule(lab):
    scene = _get(lab, "dahua-fr", "/cgi-bin/configManager.cgi?action=getConfig&name=VideoAnalyseGlobal").text
    assert "table.VideoAnalyseGlobal[0].Scene.Type=FaceRecognition\r\n" in scene
    rules = _get(lab, "dahua-fr", "/cgi-bin/configManager.cgi?action=getConfig&name=VideoAnalyseRule").text
    for line in ("Type=FaceRecognition", "Class=FaceRecognition", "Enable=true", "Name=Entrance faces"):
        assert f"table.VideoAnalyseRule[0][0].{line}\r\n" in rules


def test_dahua_plain_has_no_face(lab):
    scene = _get(lab, "dahua-plain", "/cgi-bin/configManager.cgi?action=getConfig&name=VideoAnalyseGlobal").text
    rules = _get(lab, "dahua-plain", "/cgi-bin/configManager.cgi?action=getConfig&name=VideoAnalyseRule").text
    assert "Scene.Type=Normal" in scene and "face" not in (scene + rules).lower()
    assert "table.VideoAnalyseRule[0][0].Type=CrossLineDetection\r\n" in rules
    assert "table.VideoAnalyseRule[0][0].Enable=true\r\n" in rules


def test_dahua_unknown_config_is_bad_request(lab):
    reply = _get(lab, "dahua-fr", "/cgi-bin/configManager.cgi?action=getConfig&name=NoSuchTable")
    assert reply.status_code == 400 and reply.content == b"Error\r\nBad Request!\r\n"


def test_nginx_is_not_a_camera(lab):
    d = device(lab, "web-server")
    page = session().get(base_url(d) + "/", timeout=3)
    assert page.status_code == 200 and page.headers["Server"] == "nginx/1.22.1" and "Welcome" in page.text
    for path in ("/ISAPI/System/deviceInfo", "/cgi-bin/magicBox.cgi?action=getDeviceType", "/onvif/device_service"):
        assert session().get(base_url(d) + path, timeout=3).status_code == 404


def test_keep_alive_and_content_length(lab):
    d = device(lab, "hik-face")
    conn = http.client.HTTPConnection(d.address, d.ports["http"], timeout=3)
    conn.request("GET", "/")
    first = conn.getresponse()
    body = first.read()
    sock = conn.sock
    assert first.getheader("Content-Length") == str(len(body)) and first.getheader("Connection") == "keep-alive"
    conn.request("HEAD", "/doc/page/login.asp")
    second = conn.getresponse()
    assert second.read() == b"" and int(second.getheader("Content-Length")) > 0
    assert conn.sock is sock  # same TCP connection served both
    conn.close()


def test_a_stalled_client_does_not_block_others(lab):
    d = device(lab, "dahua-fr")
    stalled = socket.create_connection((d.address, d.ports["http"]), timeout=3)
    stalled.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
    try:
        assert session().get(base_url(d) + "/", timeout=3).status_code == 200
    finally:
        stalled.close()


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 431),
        (b"POST /onvif/device_service HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413),
        (b"NOT-HTTP\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
    ],
)
def test_bounded_and_strict_parsing(lab, request_bytes, status):
    d = device(lab, "hik-face")
    with socket.create_connection((d.address, d.ports["http"]), timeout=3) as sock:
        sock.sendall(request_bytes)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.split(b"\r\n", 1)[0].split(b" ")[1] == str(status).encode()


def test_a_device_does_not_answer_a_client_that_left_while_it_thought():
    # A slow device whose client gave up (closed with a reset) must not build or write its answer: the transport
    # is gone, and uvloop's refuses the write with an error; the handler is never called.
    calls: list[str] = []

    def handler(request: Request) -> Response:
        calls.append(request.path)
        return Response(200, b"late")

    async def think(_request: str) -> None:
        await asyncio.sleep(0.3)

    async def scenario() -> None:
        server = await asyncio.start_server(lambda r, w: httpd.serve(r, w, handler, think), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.05)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
            writer.close()
            await asyncio.sleep(0.5)
            reader2, writer2 = await asyncio.open_connection("127.0.0.1", port)  # the device still serves others
            writer2.write(b"GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await reader2.read()).startswith(b"HTTP/1.1 200")
            writer2.close()

    asyncio.run(scenario())
    assert calls == ["/next"]
