"""Hikvision ISAPI face documents: face library capabilities and counts, and a face terminal's access control.

Shapes follow the sources the signatures cite: FDLibCap element names from Hikvision's official schema,
`FDRecordDataInfo` counts as terminal clients read them (counts only: the lab holds no faces), and the
AccessControl capability flags of an observed face terminal answer.
"""

from __future__ import annotations

import json

from lxml import etree

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


def access_control(spec: IsapiSpec) -> bytes:
    return _doc(spec, el("AccessControl", [el(name, value) for name, value in TERMINAL_FLAGS]))


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
    if path.startswith("/ISAPI/Smart/FaceDetect/") and spec.face_detect:
        return face_detect(spec, path.rsplit("/", 1)[1]), XML_TYPE
    if path == "/ISAPI/AccessControl/capabilities" and spec.access_control:
        return access_control(spec), XML_TYPE
    if path == "/ISAPI/Intelligent/FDLib/capabilities" and spec.fdlib:
        return fdlib_capabilities(spec), XML_TYPE
    if path == "/ISAPI/Intelligent/FDLib/Count" and spec.fdlib:
        return fdlib_count(spec), JSON_TYPE
    return None
