"""Hand-made scans for the report tests: every verdict, hostile device data, Chinese text, credentials to redact."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from scanner.model import (
    Destination,
    DeviceReport,
    Evidence,
    Finding,
    Identity,
    NotChecked,
    Observation,
    Route,
    ScanError,
    ScanResult,
    Service,
)
from scanner.report.json_report import from_dict
from scanner.vocabulary import DestinationKind, Place, Reason, Role, Verdict

HOSTILE = '</pre><script>alert("pwned")</script><img src=x onerror=alert(1)>'
PASSWORD = "Secr3t-Pa55!"  # the lab login that must never reach a bundle
USERNAME = "auditor"
BASIC = "YXVkaXRvcjpTZWNyM3QtUGE1NSE="  # base64("auditor:Secr3t-Pa55!")


def _evidence(probe: str, request: str, excerpt: str) -> dict[str, Any]:
    return {
        "probe": probe,
        "request": request,
        "excerpt": excerpt,
        "sha256": "ab" * 32,
        "at": "2026-11-27T10:00:01.000Z",
    }


def _device(address: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "address": address,
        "mac": None,
        "vendor": None,
        "model": None,
        "firmware": None,
        "serial": None,
        "is_camera": True,
        "services": [{"port": 80, "protocol": "http"}, {"port": 554, "protocol": "rtsp"}],
        "face_analytics": "not_found",
        "findings": [],
        "not_checked": [],
        "discovered_by": ["nmap"],
    }
    base.update(fields)
    return base


DEVICES: list[dict[str, Any]] = [
    _device(
        "127.77.0.10",
        mac="44:19:b6:00:00:10",
        vendor="Hikvision",
        model="DS-2CD7A26G0/P-IZHS",
        serial="DS-HIK-0001",
        firmware="V5.5.800",
        face_analytics="active",
        discovered_by=["nmap", "ws-discovery"],
        services=[{"port": 80, "protocol": "onvif"}, {"port": 554, "protocol": "rtsp"}],
        findings=[
            {
                "rule": "hikvision.fdlib.enrolled",
                "feature": "face_library",
                "level": "active",
                "confidence": "high",
                "evidence": [
                    _evidence(
                        "hikvision.isapi.fdlib",
                        "GET http://127.77.0.10:80/ISAPI/Intelligent/FDLib",
                        "<FDLibBaseCfg><name>访客库 VIP</name><faceLibType>blackFD</faceLibType>" + HOSTILE,
                    )
                ],
            },
            {
                "rule": "hikvision.cap.face_detect",
                "feature": "face_detection",
                "level": "capable",
                "confidence": "high",
                "evidence": [
                    _evidence(
                        "hikvision.isapi.capabilities",
                        "GET http://127.77.0.10:80/ISAPI/System/capabilities",
                        "<isSupportFaceDetect>true</isSupportFaceDetect>",
                    )
                ],
            },
        ],
    ),
    _device(
        "127.77.0.11",
        mac="3c:ef:8c:00:00:11",
        vendor="Dahua",
        model="人脸抓拍机 IPC-HFW5442",
        serial="DH-0002",
        face_analytics="configured",
        findings=[
            {
                "rule": "dahua.facedetect.enabled",
                "feature": "face_capture",
                "level": "configured",
                "confidence": "medium",
                "evidence": [
                    _evidence(
                        "dahua.cgi.videoanalyse",
                        "GET http://127.77.0.11:80/cgi-bin/configManager.cgi",
                        "table.VideoAnalyseRule[0][0].Type=FaceDetection\ntable.VideoAnalyseRule[0][0].Enable=true",
                    )
                ],
            }
        ],
    ),
    _device(
        "127.77.0.12",
        vendor="ONVIF generic",
        model="Profile T camera",
        face_analytics="capable",
        findings=[
            {
                "rule": "onvif.rules.face",
                "feature": "face_recognition",
                "level": "capable",
                "confidence": "low",
                "evidence": [
                    _evidence("onvif.analytics.supported_rules", "ONVIF GetSupportedRules", "tt:FaceRecognition")
                ],
            }
        ],
    ),
    _device("127.77.0.13", vendor="Axis", model="P3245-LVE", serial="ACCC8E000013", face_analytics="not_found"),
    _device(
        "127.77.0.14",
        face_analytics="unknown",
        discovered_by=["connect"],
        not_checked=[
            {
                "check": "onvif.analytics.rules",
                "code": "needs_login",
                "detail": "",
                "reason": "needs a login: no credentials were supplied for this address",
            },
            {
                "check": "hikvision.isapi.capabilities",
                "code": "no_answer",
                "detail": "timed out after 4.0 s",
                "reason": "no usable answer: timed out after 4.0 s",
            },
            {
                "check": "onvif.media",
                "code": "not_offered",
                "detail": "HTTP 404",
                "reason": "the device does not offer this interface (HTTP 404)",
            },
            {
                "check": "face_analytics",
                "code": "no_management",
                "detail": "",
                "reason": "only the video stream answered; face settings need ONVIF or "
                "the maker's web interface, and neither answered",
            },
        ],
    ),
    _device(
        "127.77.0.20",
        vendor='=HYPERLINK("http://198.51.100.1","click")',
        model="LaserJet <b>400</b>",
        is_camera=False,
        services=[{"port": 80, "protocol": "http"}],
        face_analytics="not_found",
    ),
]


def sample_report() -> dict[str, Any]:
    """A JSON report (schema_version 1) as `json_report.to_dict` writes it."""
    return copy.deepcopy(
        {
            "schema_version": 1,
            "tool": {"name": "camaudit", "version": "0.1.0"},
            "scan": {
                "started_at": "2026-11-27T10:00:00.000Z",
                "finished_at": "2026-11-27T10:00:42.500Z",
                "targets": ["127.77.0.0/24"],
                "partial": False,
            },
            "devices": DEVICES,
            "errors": [{"stage": "discover", "message": "nmap was not found; the built-in TCP scan was used"}],
        }
    )


def report_with(*devices: dict[str, Any], started: str = "2026-11-27T10:00:00.000Z") -> dict[str, Any]:
    report = sample_report()
    report["devices"] = copy.deepcopy(list(devices))
    report["scan"]["started_at"] = started
    return report


def device(address: str, **fields: Any) -> dict[str, Any]:
    return _device(address, **fields)


def sample_scan() -> ScanResult:
    """The sample report read into the records, as the renderers take it."""
    return from_dict(sample_report())


def scan_with(*devices: dict[str, Any], started: str = "2026-11-27T10:00:00.000Z") -> ScanResult:
    return from_dict(report_with(*devices, started=started))


# ---- a live-scan result (with observations) for the bundle: full of credentials a careless tool would keep

WSSE_BODY = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><wsse:Security '
    'xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
    f"<wsse:UsernameToken><wsse:Username>{USERNAME}</wsse:Username>"
    '<wsse:Password Type="...#PasswordDigest">q1Zk8z0c9Xa0bH3sFfQx3yq6L2w=</wsse:Password>'
    "<wsse:Nonce>LKqI6G/AikKCQrN0zqZFlg==</wsse:Nonce><wsu:Created>2026-11-27T10:00:02Z</wsu:Created>"
    "</wsse:UsernameToken></wsse:Security></s:Header><s:Body><GetDeviceInformationResponse>"
    "<Manufacturer>HIKVISION</Manufacturer><SerialNumber>DS-HIK-0001</SerialNumber>"
    "</GetDeviceInformationResponse></s:Body></s:Envelope>"
)


def _obs(
    probe: str,
    request: str,
    body: bytes,
    headers: tuple[tuple[str, str], ...] = (),
    status: int = 200,
    values: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> Observation:
    return Observation(
        probe=probe,
        request=request,
        outcome="ok",
        status=status,
        headers=headers,
        body=body,
        at="2026-11-27T10:00:02.000Z",
        values=values,
    )


def sample_result() -> ScanResult:
    """A ScanResult whose observations hold the login in every place a device or a client might put it."""
    fdlib = _obs(
        "hikvision.isapi.fdlib",
        f"GET http://{USERNAME}:{PASSWORD}@127.77.0.10:80/ISAPI/Intelligent/FDLib?password={PASSWORD}",
        ("<FDLibBaseCfg><name>访客库 VIP</name>" + HOSTILE + f"<echo>{PASSWORD}</echo></FDLibBaseCfg>").encode(),
        headers=(
            ("Authorization", f"Basic {BASIC}"),
            ("Set-Cookie", "WebSession=8f1e2d; HttpOnly"),
            ("WWW-Authenticate", 'Digest realm="IP Camera", nonce="abc"'),
            ("Server", "App-webs/"),
        ),
    )
    info = _obs(
        "onvif.device.information",
        "ONVIF GetDeviceInformation",
        WSSE_BODY.encode(),
        values=(("serial", ("DS-HIK-0001",)),),
    )
    login = _obs(
        "hikvision.isapi.login",
        "POST http://127.77.0.10:80/ISAPI/Security/sessionLogin",
        f'username={USERNAME}&password={PASSWORD}&{{"userPassword": "{PASSWORD}"}}'.encode(),
        headers=(("Cookie", "WebSession=8f1e2d"), ("Proxy-Authorization", "Basic Zm9vOmJhcg==")),
    )
    binary = _obs(
        "rtsp.describe",
        "RTSP DESCRIBE rtsp://127.77.0.10:554/Streaming/Channels/101",
        b"\x00\xff\xfe" + PASSWORD.encode() + b"\x80 binary",
        headers=(("Authorization", 'Digest username="auditor", response="d41d8cd98f00b204"'),),
    )
    evidence = Evidence(
        "hikvision.isapi.fdlib",
        "GET http://127.77.0.10:80/ISAPI/Intelligent/FDLib",
        "<name>访客库 VIP</name>" + HOSTILE,
        fdlib.sha256,
        fdlib.at,
    )
    hik = DeviceReport(
        address="127.77.0.10",
        identity=Identity("Hikvision", "DS-2CD7A26G0", "V5.5", "DS-HIK-0001", "44:19:b6:00:00:10"),
        is_camera=True,
        services=(Service(80, "onvif"), Service(554, "rtsp")),
        face_analytics="active",
        findings=(Finding("hikvision.fdlib.enrolled", "face_library", "active", "high", (evidence,)),),
        not_checked=(),
        discovered_by=("nmap",),
        observations=(fdlib, info, login, binary),
    )
    odd = DeviceReport(
        address="127.77.0.11",
        identity=Identity(),
        is_camera=True,
        services=(Service(80, "http"),),
        face_analytics="unknown",
        findings=(),
        not_checked=(NotChecked("onvif", Reason.NEEDS_LOGIN),),
        observations=(_obs("../../etc/passwd", "GET http://127.77.0.11/", b"<html>evil</html>"),),
    )
    return ScanResult(
        "2026-11-27T10:00:00.000Z",
        "2026-11-27T10:00:42.500Z",
        ("127.77.0.0/24",),
        (hik, odd),
        errors=(ScanError("discover", "nmap was not found"),),
    )


# ---- where face data goes: destinations already placed, as a finished scan holds them (issue 14)


def _ev(probe: str, excerpt: str) -> Evidence:
    return Evidence(probe, f"GET http://127.77.0.10/{probe}", excerpt, "ab" * 32, "2026-11-27T10:00:03.000Z")


def flow_scan() -> ScanResult:
    """Two cameras and a device-less third: FTP on a NAS found on the premises, an ISUP platform on the internet,
    an alarm receiver that is the platform found here (two cameras send to it: one node), P2P in the maker's cloud,
    and a hostile host name that must stay text."""
    base = sample_scan()
    hik, dahua = base.devices[0], base.devices[1]
    trigger = _ev(
        "hikvision.isapi.triggers", "<eventType>faceSnap</eventType><notificationMethod>FTP</notificationMethod>"
    )
    rule = _ev("dahua.cgi.video_analyse_rule", "VideoAnalyseRule[0][0].EventHandler.MessageEnable=true")
    snap_ftp = Route("faceSnap", "1", "FTP", "hikvision.linkage.face_triggers", trigger)
    snap_center = Route("faceSnap", "1", "center", "hikvision.linkage.face_triggers", trigger)
    upload = Route("FaceDetection", "0", "MessageEnable", "dahua.linkage.face_rules", rule)
    nas, icc = "127.77.0.30", "127.77.0.31"
    hik_dest = (
        Destination("hikvision.destination.ftp", DestinationKind.FTP, nas, 21,
                    _ev("hikvision.isapi.ftp", f"<ipAddress>{nas}</ipAddress><uploadFaceEnable>true"),
                    protocol="FTP", pictures=True, routes=(snap_ftp,), place=Place.PREMISES, device=nas),
        Destination("hikvision.destination.isup", DestinationKind.PLATFORM, "203.0.113.45", 7660,
                    _ev("hikvision.isapi.ehome", "<ipAddress>203.0.113.45</ipAddress>"), status="registerStatus=true",
                    registration=True, routes=(snap_center,), place=Place.INTERNET),
        Destination("hikvision.destination.http_host", DestinationKind.ALARM_HOST, icc, 9500,
                    _ev("hikvision.isapi.http_hosts", f"<ipAddress>{icc}</ipAddress>"), routes=(snap_center,),
                    place=Place.PREMISES, device=icc),
        Destination("hikvision.destination.http_host", DestinationKind.ALARM_HOST, HOSTILE, 443,
                    _ev("hikvision.isapi.http_hosts", HOSTILE), routes=(snap_center,), place=Place.UNRESOLVED),
    )  # fmt: skip
    dahua_dest = (
        Destination("dahua.destination.alarm_server", DestinationKind.ALARM_HOST, icc, 9500,
                    _ev("dahua.cgi.alarm_server", f"AlarmServer.Address={icc}"), routes=(upload,),
                    place=Place.PREMISES, device=icc),
        Destination("dahua.destination.p2p", DestinationKind.CLOUD, None, None,
                    _ev("dahua.cgi.p2p", "T2UServer.Enable=true"), service="Dahua P2P (Easy4ip, DMSS)",
                    registration=True, place=Place.VENDOR_CLOUD),
    )  # fmt: skip
    nas_device = DeviceReport(nas, Identity(vendor="Synology", model="DS920+"), False, (), Verdict.NOT_FOUND, (), (),
                              role=Role.OTHER)  # fmt: skip
    icc_device = DeviceReport(icc, Identity(vendor="Dahua"), False, (), Verdict.NOT_FOUND, (), (), role=Role.PLATFORM)
    devices = (
        dataclasses.replace(hik, destinations=hik_dest),
        dataclasses.replace(dahua, destinations=dahua_dest),
        *base.devices[2:],
        nas_device,
        icc_device,
    )
    return dataclasses.replace(base, devices=devices)
