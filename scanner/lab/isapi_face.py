"""Hikvision ISAPI face documents: face library capabilities and counts, the face detection switch, and a
terminal's access control and user counts.

Shapes follow the sources the signatures cite: FDLibCap element names from Hikvision's official schema,
`FDRecordDataInfo` counts as terminal clients read them (counts only: the lab holds no faces), and the
AccessControl capability flags of an observed face terminal answer.
"""

from __future__ import annotations

import json

from lxml import etree

from scanner.lab.isapi_channels import channel_ids
from scanner.lab.personas import IsapiSpec
from scanner.lab.xmlgen import default_ns, el, serialize

JSON_TYPE = "application/json; charset=UTF-8"
XML_TYPE = 'application/xml; charset="UTF-8"'
LIBRARY_TYPES = ("blackFD", "staticFD", "infraredFD")
# A face terminal's access-control flags (abridged), face nodes last as the firmware lists them.
TERMINAL_FLAGS = (
    ("isSupportIdentityTerminal", True),
    ("isSupportFaceCompareCond", False),
    ("isSupportUserInfo", True),
    ("isSupportCardInfo", True),
    ("isSupportFDLib", True),
    ("isSupportFingerPrintCfg", False),
    ("isSupportAcsEvent", True),
    ("isSupportCaptureCardInfo", True),
    ("isSupportCaptureFace", True),
    ("isSupportCaptureInfraredFace", False),
    ("isSupportFaceRecognizeMode", True),
)


def _doc(spec: IsapiSpec, root: etree._Element) -> bytes:
    root.set("version", "2.0")
    return serialize(default_ns(root, spec.namespace))


# A fingerprint and card terminal (FingerPrint Terminals Pro Series): the same document without a face reader. No
# public dump exists; CONSTRUCTED from the face terminal's flags with the face ones false (research note 1.9).
FINGERPRINT_FLAGS = (
    ("isSupportIdentityTerminal", True),
    ("isSupportFaceCompareCond", False),
    ("isSupportUserInfo", True),
    ("isSupportCardInfo", True),
    ("isSupportFDLib", False),
    ("isSupportFingerPrintCfg", True),
    ("isSupportAcsEvent", True),
    ("isSupportCaptureCardInfo", True),
    ("isSupportCaptureFingerPrint", True),
    ("isSupportCaptureFace", False),
    ("isSupportFaceRecognizeMode", False),
)


def access_control(spec: IsapiSpec) -> bytes:
    flags = FINGERPRINT_FLAGS if spec.fingerprint else TERMINAL_FLAGS
    return _doc(spec, el("AccessControl", [el(name, value) for name, value in flags]))


def user_count(spec: IsapiSpec) -> bytes:
    """A terminal's users and how many have a face, a fingerprint or a card bound: numbers only."""
    counts = {
        "userNumber": spec.users,
        "bindFaceUserNumber": spec.face_users,
        "bindFingerprintUserNumber": spec.users - spec.face_users,
        "bindCardUserNumber": 0,
        "bindRemoteControlNumber": 0,
    }
    return json.dumps({"UserInfoCount": counts}, indent="\t").encode()


def fdlib_capabilities(spec: IsapiSpec) -> bytes:
    create = el(
        "CreateFDLib",
        el("id", {"min": 1, "max": len(spec.fdlib)}),
        el("name", {"min": 1, "max": 48}),
        el("faceDataMax", {"min": 1, "max": 50000}),
    )
    return _doc(
        spec,
        el(
            "FDLibCap",
            el("CreateFDLibList", {"size": len(spec.fdlib)}, create),
            el("FaceAppendData", el("name", {"min": 0, "max": 96}), el("bornTime")),
        ),
    )


def fdlib_count(spec: IsapiSpec) -> bytes:
    """Record counts per library: how many faces are enrolled, never the faces themselves."""
    libraries = [
        {"FDID": str(i + 1), "faceLibType": LIBRARY_TYPES[i % len(LIBRARY_TYPES)], "name": "", "recordDataNumber": n}
        for i, n in enumerate(spec.fdlib)
    ]
    body = {"statusCode": 1, "statusString": "OK", "subStatusCode": "ok", "FDRecordDataInfo": libraries}
    return json.dumps(body, indent="\t").encode()


def face_detect(spec: IsapiSpec, channel: str) -> bytes:
    """The face detection switch of one channel, in the FaceDetect document Hikvision's web SDK reads."""
    on = "true" if channel in spec.face_detect_on else "false"
    return _doc(spec, el("FaceDetect", el("id", channel), el("enabled", on), el("sensitivityLevel", 3)))


def document(spec: IsapiSpec, path: str) -> tuple[bytes, str] | None:
    """The face document at `path` for this device, or None when it has none (the site answers notSupport)."""
    channel = path.rsplit("/", 1)[1]
    if path.startswith("/ISAPI/Smart/FaceDetect/") and spec.face_detect and channel in channel_ids(spec):
        return face_detect(spec, channel), XML_TYPE
    if path == "/ISAPI/AccessControl/capabilities" and spec.access_control:
        return access_control(spec), XML_TYPE
    if path == "/ISAPI/AccessControl/UserInfo/Count" and spec.access_control:
        return user_count(spec), JSON_TYPE
    if path == "/ISAPI/Intelligent/FDLib/capabilities" and spec.fdlib:
        return fdlib_capabilities(spec), XML_TYPE
    if path == "/ISAPI/Intelligent/FDLib/Count" and spec.fdlib:
        return fdlib_count(spec), JSON_TYPE
    return None
