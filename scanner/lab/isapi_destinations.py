"""Hikvision ISAPI destination settings (alarm hosts, FTP, mail, EZVIZ, ISUP, network storage) from a persona.

Shapes follow the answers the destination signatures cite (signatures/destinations-hikvision.toml and its cases):
three HTTP host slots, two FTP slots, one mail server with three receivers, the EZVIZ and Ehome (ISUP) switches, and
the storage list. Every slot a persona does not name answers as the factory left it: 0.0.0.0, empty hosts, port 0
or 1024, switches off. The FTP password and the EZVIZ verification code are in the answers, as some firmware
returns them: camaudit must blank them before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from scanner.lab.personas import IsapiDestinations, IsapiSpec, Receiver
from scanner.lab.xmlgen import default_ns, el, serialize

ISAPI_ORG = "http://www.isapi.org/ver20/XMLSchema"  # the namespace newer firmware uses for EZVIZ and Ehome


def _doc(root: etree._Element, namespace: str) -> bytes:
    root.set("version", "2.0")
    return serialize(default_ns(root, namespace))


def _address(receiver: Receiver | None) -> list[etree._Element]:
    host = receiver.host if receiver is not None else "0.0.0.0"  # noqa: S104 - a factory slot's text, never bound
    named = not host.replace(".", "").isdigit() and ":" not in host
    return [
        el("addressingFormatType", "hostname" if named else "ipaddress"),
        el("hostName", host if named else ""),
        el("ipAddress", "" if named else host),
    ]


def http_hosts(spec: IsapiDestinations) -> etree._Element:
    slots = [*spec.http_hosts, *[None] * (3 - len(spec.http_hosts))]
    return el(
        "HttpHostNotificationList",
        [
            el(
                "HttpHostNotification",
                el("id", i),
                el("url", r.path if r is not None and r.path else "/"),
                el("protocolType", "HTTP"),
                el("parameterFormatType", "XML"),
                _address(r),
                el("portNo", r.port if r is not None else 80),
                el("userName", ""),
                el("httpAuthenticationMethod", "none"),
            )
            for i, r in enumerate(slots, start=1)
        ],
    )


def ftp(spec: IsapiDestinations) -> etree._Element:
    def slot(index: int, receiver: Receiver | None) -> etree._Element:
        on = receiver is not None
        return el(
            "FTPNotification",
            el("id", index),
            el("enabled", on),
            _address(receiver),
            el("portNo", receiver.port if receiver is not None else 21),
            el("userName", "faces" if on else ""),
            el("password", spec.ftp_password if on else ""),
            el("annoyftp", False),
            el("uploadPath", el("pathDepth", 1), el("topDirNameRule", "customize"), el("topDirName", "faces")),
            el("uploadPicture", on),
            el("uploadFaceEnable", on),
            el("uploadProtocolType", "FTP"),
        )

    return el("FTPNotificationList", slot(1, spec.ftp), slot(2, None))


def mailing(spec: IsapiDestinations) -> etree._Element:
    smtp = el(
        "smtp",
        el("enableAuthorization", False),
        el("enableSSL", False),
        el("addressingFormatType", "hostname"),
        el("hostName", ""),
        el("portNo", 25),
        el("accountName", ""),
    )
    receivers = [el("receiver", el("id", i), el("name", ""), el("emailAddress", "")) for i in (1, 2, 3)]
    return el(
        "mailing",
        el("id", 1),
        el("sender", el("emailAddress", ""), el("name", ""), smtp),
        el("receiverList", receivers),
        el("attachment", el("snapshot", el("enabled", False), el("interval", 2))),
    )


def ezviz(spec: IsapiDestinations) -> etree._Element:
    return el(
        "EZVIZ",
        el("enabled", False),
        el("registerStatus", False),
        el("serverAddress", el("addressingFormatType", "hostname"), el("hostName", "litedev.hik-connect.com")),
        el("verificationCode", spec.ezviz_code),
        el("bindStatus", "unbind"),
    )


def ehome(spec: IsapiDestinations) -> etree._Element:
    on = spec.isup is not None
    return el(
        "Ehome",
        el("enabled", on),
        _address(spec.isup),
        el("portNo", spec.isup.port if spec.isup is not None else 1024),
        el("deviceID", "lab-isup-01" if on else "0"),
        el("registerStatus", on),
        el("protocolVersion", "v5.0"),
    )


def storage(spec: IsapiDestinations) -> etree._Element:
    return el(
        "storage",
        el("hddList", el("hdd", el("id", 1), el("hddName", "hdde"), el("hddType", "SATA"), el("status", "ok"))),
        el("nasList", el("supportMountType", {"opt": "NFS,SMB/CIFS"}), el("authentication", {"opt": "SMB/CIFS"})),
    )


DOCUMENTS: dict[str, tuple[Callable[[IsapiDestinations], etree._Element], bool]] = {
    "/ISAPI/Event/notification/httpHosts": (http_hosts, False),
    "/ISAPI/System/Network/ftp": (ftp, False),
    "/ISAPI/System/Network/mailing": (mailing, False),
    "/ISAPI/System/Network/EZVIZ": (ezviz, True),
    "/ISAPI/System/Network/Ehome": (ehome, True),
    "/ISAPI/ContentMgmt/Storage": (storage, False),
}


def document(spec: IsapiSpec, path: str) -> bytes | None:
    """The answer to a GET of one destination resource; None when the persona has none (404 as older firmware)."""
    found = DOCUMENTS.get(path)
    if found is None or spec.destinations is None:
        return None
    build, isapi_org = found
    return _doc(build(spec.destinations), ISAPI_ORG if isapi_org else spec.namespace)
