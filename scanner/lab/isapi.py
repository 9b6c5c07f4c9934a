"""Hikvision ISAPI documents (DeviceInfo, DeviceCap, EventTriggerList, ResponseStatus) generated from a persona.

Shapes follow responses recorded from real cameras (e.g. the DS-2CD2386G2-IU fixture in maciej-or/hikvision_next):
the default namespace on the root, `version="2.0"`, booleans as text, and option lists in `opt` attributes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from lxml import etree

from scanner.lab.personas import IsapiSpec, Persona
from scanner.lab.xmlgen import default_ns, el, serialize

# Log types every recent firmware lists, whatever the camera can do: the "face" words here prove nothing.
OPERATION_LOG_TYPES = (
    "all,alarmSmsSend,callOnline,devicePowerOff,devicePowerOn,localCfgNetwork,localCfgPara,localCfgTime,"
    "localDownloadPicFile,localDownloadRecFile,localFormatDisk,localLogin,localLogOut,localUpdate,remoteArm,"
    "remoteCfgNetwork,remoteCfgPara,remoteCfgTime,remoteDisArm,remoteDownloadRecFile,remoteFormatHd,remoteGetPara,"
    "remoteGetStatus,remoteLogin,remoteLogout,remotePlayByTime,remoteReboot,remoteUpgrade,localfaceBaseCreate,"
    "localfaceBaseModify,localfaceBaseDelete,localfaceDataAppend,localfaceDataEdit,localfaceDataDelete,"
    "localVcaAnalysisConfig,remotefaceBaseCreate,remotefaceBaseModify,remotefaceBaseDelete,remotefaceDataAppend,"
    "remotefaceDataEdit,remotefaceDataDelete,remoteVcaAnalysisConfig,localCheckTime,remoteCheckTime,"
    "remoteFaceContrastTask,unlockSession,terminateHttp,terminateHttps,terminateSSH,selfTest"
)
EVENT_LOG_TYPES = (
    "all,hdError,hdFull,illlegealAccess,ipConflict,netBroken,recordError,videoException,videoLost,SDCardAbnormal,"
    "SDCardDamage,vcaCameraAngleAnomaly,intelligentSystemRunningError,facesnapResolutionOverflow,"
    "SMDResolutionOverflow,vcaSenceException,faceModelException,validateCert,establishSecSession,ntpCheckTime,"
    "httpConnect,httpsConnect,sshConnect,httpDisconnect,httpsDisconnect,sshDisconnect"
)
TRIGGER_IDS = {
    "VMD": "VMD-1",
    "tamperdetection": "tamper-1",
    "faceSnap": "faceSnap-1",
    "facedetection": "facedetection-1",
}
TRIGGER_TEXT = {
    "VMD": "VMD",
    "tamperdetection": "shelteralarm",
    "linedetection": "Linedetection",
    "regionEntrance": "RegionEntrance",
    "regionExiting": "RegionExiting",
}


def _doc(spec: IsapiSpec, root: etree._Element) -> bytes:
    root.set("version", "2.0")
    return serialize(default_ns(root, spec.namespace))


def _flags(names_values: Sequence[tuple[str, object]]) -> list[etree._Element]:
    return [el(name, value) for name, value in names_values]


def device_info(persona: Persona, spec: IsapiSpec) -> bytes:
    device_id = uuid.uuid5(uuid.NAMESPACE_OID, f"camaudit-lab:{persona.serial}")
    return _doc(
        spec,
        el(
            "DeviceInfo",
            _flags(
                [
                    ("deviceName", persona.device_name),
                    ("deviceID", device_id),
                    ("deviceDescription", spec.device_type),
                    ("deviceLocation", "hangzhou"),
                    ("systemContact", "Hikvision.China"),
                    ("model", persona.model),
                    ("serialNumber", persona.serial),
                    ("macAddress", persona.mac),
                    ("firmwareVersion", persona.firmware),
                    ("firmwareReleasedDate", persona.firmware_date),
                    ("encoderVersion", "V7.3"),
                    ("encoderReleasedDate", "build 210601"),
                    ("bootVersion", "V1.3.4"),
                    ("bootReleasedDate", "100316"),
                    ("hardwareVersion", "0x0"),
                    ("deviceType", spec.device_type),
                    ("telecontrolID", "88"),
                    ("supportBeep", False),
                    ("supportVideoLoss", False),
                    ("firmwareVersionInfo", "B-R-G5-0"),
                    ("manufacturer", "hikvision"),
                ]
            ),
        ),
    )


def _security_log() -> etree._Element:
    kinds = (("All", "all"), ("Operation", OPERATION_LOG_TYPES), ("Event", EVENT_LOG_TYPES), ("Other", "all"))
    types = [
        el("SecurityLogType", el("primaryType", primary), el("secondaryType", {"opt": opt})) for primary, opt in kinds
    ]
    return el(
        "SecurityLog",
        el("isSupportSecurityLog", True),
        el("isSupportLogServer", True),
        el("isSupportLogServerTest", True),
        el("SecurityLogTypeList", types),
    )


def _sys_cap() -> etree._Element:
    network = el(
        "NetworkCap",
        _flags(
            [
                (f"isSupport{n}", n not in ("Wireless", "Bond"))
                for n in ("Wireless", "PPPoE", "Bond", "802_1x", "Ntp", "Ftp", "Upnp", "Ddns", "Https")
            ]
        ),
    )
    return el(
        "SysCap",
        el("isSupportDst", True),
        network,
        el("IOCap", el("IOInputPortNums", 1), el("IOOutputPortNums", 1)),
        el("VideoCap", el("videoInputPortNums", 1), el("videoOutputPortNums", 0), el("isSupportPrivacyMask", True)),
        el("AudioCap", el("audioInputNums", 1), el("audioOutputNums", 1)),
        el("isSupportSubscribeEvent", True),
        el("isSupportMetadata", True),
    )


EVENT_CAP = (
    ("isSupportHDFull", True),
    ("isSupportHDError", True),
    ("isSupportNicBroken", True),
    ("isSupportIpConflict", True),
    ("isSupportIllAccess", True),
    ("isSupportMotionDetection", True),
    ("isSupportTamperDetection", True),
)
SMART_CAP = (
    ("isSupportROI", True),
    ("isSupportAudioDetection", True),
    ("isSupportLineDetection", True),
    ("isSupportFieldDetection", True),
    ("isSupportRegionEntrance", True),
    ("isSupportRegionExiting", True),
    ("isSupportLoitering", False),
    ("isSupportSceneChangeDetection", True),
)


def _event_cap(spec: IsapiSpec) -> etree._Element:
    face = [
        ("isSupportFaceContrast", spec.face_contrast),
        ("isSupportFaceLib", spec.face_lib),
        ("isSupportFaceSnap", spec.face_snap),
        ("isSupportPersonDensityDetection", False),
        ("isSupportFaceSnapModeling", False),
        ("isSupportMixedTargetDetection", False),
    ]
    return el("EventCap", _flags([*EVENT_CAP, *face]))


def _smart_cap(spec: IsapiSpec) -> etree._Element:
    flags = [*SMART_CAP[:2], ("isSupportFaceDetect", spec.face_detect), *SMART_CAP[2:]]
    return el("SmartCap", _flags(flags))


def _racm_cap() -> etree._Element:
    return el(
        "RacmCap",
        el("nasNums", 8),
        el("pictureSearchType", {"opt": "allPic,CMR,MOTION,LineDetection,FieldDetection"}),
        el("recordSearchType", {"opt": "CMR,MOTION,EDR,LineDetection,FieldDetection,AllEvent"}),
        _security_log(),
    )


def capabilities(spec: IsapiSpec) -> bytes:
    return _doc(
        spec,
        el(
            "DeviceCap",
            _sys_cap(),
            el("voicetalkNums", 1),
            el("isSupportSnapshot", True),
            el("SecurityCap", el("supportUserNums", 32), el("isSupportOnvifInfo", True)),
            _event_cap(spec),
            _racm_cap(),
            _smart_cap(spec),
            el("isSupportFaceCaptureStatistics", False),
            el("isSupportRtspOverHTTPS", True),
            el("isSupportChannelEventCap", True),
        ),
    )


def _notification(method: str, channel: str | None = None) -> etree._Element:
    return el(
        "EventTriggerNotification",
        el("id", f"{method}-1" if method == "record" else method),
        el("notificationMethod", method),
        el("notificationRecurrence", "beginning"),
        el("videoInputID", channel) if channel is not None else None,
    )


def _trigger(event_type: str, channel: str = "1", methods: Sequence[str] | None = None) -> etree._Element:
    """One trigger: by default channel 1's, linked to the center (and to record, for all but VMD and tamper)."""
    if methods is None:
        methods = ("center",) if event_type in ("VMD", "tamperdetection") else ("record", "center")
    trigger_id = TRIGGER_IDS.get(event_type, f"{event_type}-1") if channel == "1" else f"{event_type}-{channel}"
    notifications = [_notification(m, channel if m == "record" else None) for m in methods]
    return el(
        "EventTrigger",
        el("id", trigger_id),
        el("eventType", event_type),
        el("eventDescription", f"{TRIGGER_TEXT.get(event_type, event_type)} Event trigger Information"),
        el("videoInputChannelID", channel),
        el("dynVideoInputChannelID", channel),
        el("EventTriggerNotificationList", notifications),
    )


def triggers(spec: IsapiSpec) -> bytes:
    """Channel 1's triggers, then the `<eventType>-<channel>` ones a recorder links to record by default."""
    notify = dict(spec.destinations.notify) if spec.destinations is not None else {}
    linked = [_trigger(t, methods=notify.get(t)) for t in spec.triggers]
    for trigger in spec.record_triggers:
        event_type, _, channel = trigger.rpartition("-")
        linked.append(_trigger(event_type, channel, ("record",)))
    return _doc(spec, el("EventTriggerList", linked))


def response_status(spec: IsapiSpec, url: str, code: int, text: str, sub: str) -> bytes:
    return _doc(
        spec,
        el(
            "ResponseStatus",
            el("requestURL", url),
            el("statusCode", code),
            el("statusString", text),
            el("subStatusCode", sub),
        ),
    )
