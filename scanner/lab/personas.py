"""The records that describe one emulated device: who it is, what it serves, and what a scan should conclude."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Expectation:
    """The answer key: what camaudit should report for this device, with and without its owner's login."""

    vendor: str | None
    model: str | None
    is_camera: bool
    face_analytics: str
    face_analytics_without_credentials: str
    face_analytics_observed: str | None = None  # with --observe (and the login); None: as face_analytics
    # The device's role with the login (scanner.vocabulary.Role); None: not part of the key.
    role: str | None = None
    # Every finding with the login, as `feature:level` or `feature:level@channel` (no duplicates); None: not part
    # of the key. `[]` says: no finding at all.
    findings: tuple[str, ...] | None = None
    # Without the login a device may look like a camera that it is not (a fingerprint terminal's web server is a
    # Hikvision one); None: as is_camera.
    is_camera_without_credentials: bool | None = None
    # Every destination with the login, one key per route (scanner.lab.answer_key.destination_keys, `@id` naming
    # lab devices); None: not part of the key. `[]` says: none at all.
    destinations: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Stream:
    """One video stream: an ONVIF media profile and the RTSP path that serves it."""

    token: str  # ONVIF profile token
    name: str  # ONVIF profile name
    path: str  # RTSP path, with the vendor's query string if any
    encoding: str  # H264 or H265
    width: int
    height: int
    fps: int
    bitrate: int  # kbit/s
    metadata: bool = False  # the SDP also carries an ONVIF metadata track


@dataclass(frozen=True)
class WebSpec:
    """The device's own web server: which vendor's pages and API it speaks."""

    flavor: str  # hikvision | dahua | nginx | axis | hanwha | reolink | zkteco | uniview | huawei | platform
    server: str  # Server header; "" = none (many firmwares send none)
    realm: str  # HTTP Digest realm; "" = the site has no login
    page: str = ""  # a variant of the root page (dahua: "amcrest"; platform: "dahua-icc")


@dataclass(frozen=True)
class RtspSpec:
    """The RTSP server: banner, authentication schemes offered on 401, and the vendor's SDP style."""

    flavor: str  # hikvision | dahua | generic | hipcam
    server: str  # Server header; "" = none (Hikvision sends none)
    schemes: tuple[str, ...]  # WWW-Authenticate schemes in order: digest, basic
    realm: str
    port: int | None = None  # a fixed port (8554) whatever the lab's port plan; None: 554, or 8554 unprivileged


@dataclass(frozen=True)
class AnalyticsItem:
    """A configured ONVIF analytics rule or module instance."""

    name: str
    type: str  # QName such as tt:FaceRecognition


@dataclass(frozen=True)
class EventSpec:
    """A notification the device has for the first PullMessages of a subscription (observe mode)."""

    topic: str  # e.g. tns1:RuleEngine/MyRuleDetector/FaceDetect
    data: tuple[tuple[str, str], ...]  # SimpleItem Name/Value pairs of tt:Data, e.g. (("State", "true"),)
    source: tuple[tuple[str, str], ...] = (("VideoSourceConfigurationToken", "VideoSourceToken"),)
    operation: str = "Changed"  # PropertyOperation: Initialized | Changed | "" (not a property)


@dataclass(frozen=True)
class OnvifSpec:
    """The ONVIF services: where they listen, how they authenticate, and what analytics they describe."""

    port: int  # the port on a real device (80 shares the web server)
    device_path: str
    media_path: str
    events_path: str
    analytics_path: str  # "" = no analytics service
    auth: str  # "digest": HTTP Digest or WS-UsernameToken, 401 when neither; "token": token only, 400 fault
    clock_offset: int  # seconds the device clock is ahead of UTC
    token_window: int  # seconds of skew tolerated in a UsernameToken's Created
    hardware_id: str
    version: str  # service version announced in GetServices, "major.minor"
    scopes: tuple[str, ...]
    topics: tuple[str, ...]  # event topic paths, e.g. tns1:RuleEngine/CellMotionDetector/Motion
    qualified_topics: bool  # every topic level carries a prefix (some firmwares leave inner levels bare)
    analytics_token: str
    supported_rules: tuple[str, ...] = ()
    rules: tuple[AnalyticsItem, ...] = ()
    supported_modules: tuple[str, ...] = ()
    modules: tuple[AnalyticsItem, ...] = ()
    object_classes: tuple[str, ...] = ()  # GetRuleOptions ClassFilter options of tt:ObjectDetection
    metadata: tuple[str, ...] = ()  # GetSupportedMetadata sample: object classes, plus "HumanFace" for a face
    events: tuple[EventSpec, ...] = ()  # what PullMessages delivers (observe mode)


@dataclass(frozen=True)
class Receiver:
    """A receiver a persona's settings name: `host` is an address, a host name, or `@<persona id>` (that device's
    lab address, filled in when the lab starts: scanner/lab/references.py). Only ever written into answers: nothing
    in camaudit or the lab connects to it."""

    host: str
    port: int
    path: str = ""


@dataclass(frozen=True)
class IsapiDestinations:
    """Where a Hikvision persona's settings send data; every slot not named here answers as the factory left it (the
    EZVIZ, FTP and mail answers still carry a verification code and passwords: secrets camaudit must blank)."""

    notify: tuple[tuple[str, tuple[str, ...]], ...] = ()  # eventType -> its trigger's methods (default: record, center)
    http_hosts: tuple[Receiver, ...] = ()  # HTTP alarm hosts in use (the rest of the slots: 0.0.0.0)
    ftp: Receiver | None = None  # an FTP server, enabled, face pictures on
    isup: Receiver | None = None  # an ISUP (Ehome) platform, enabled and registered
    ezviz_code: str = ""  # the EZVIZ verification code the answer carries (a secret), the cloud switched off
    ftp_password: str = ""  # the FTP slot's password, as some firmware returns it (a secret)


@dataclass(frozen=True)
class ProxyChannel:
    """A recorder channel and the camera behind it, as /ISAPI/ContentMgmt/InputProxy/channels lists it."""

    id: str
    name: str
    address: str
    model: str
    serial: str
    firmware: str


@dataclass(frozen=True)
class IsapiSpec:
    """Hikvision ISAPI content: capability flags and the event triggers that notify the surveillance center."""

    namespace: str  # http://www.hikvision.com/ver20/XMLSchema or http://www.isapi.org/ver20/XMLSchema
    face_detect: bool
    face_snap: bool
    face_contrast: bool
    face_lib: bool
    triggers: tuple[str, ...]  # eventType values of channel 1, linked to record and the center, e.g. VMD, faceSnap
    fdlib: tuple[int, ...] = ()  # face records per face library (FDLib); empty: no face libraries (404)
    access_control: bool = False  # a terminal: /ISAPI/AccessControl/capabilities and UserInfo/Count
    face_detect_on: tuple[str, ...] = ()  # channels whose /ISAPI/Smart/FaceDetect/<channel> switch is on
    device_type: str = "IPCamera"  # DeviceInfo deviceType: IPCamera, NVR, ACS
    channels: tuple[ProxyChannel, ...] = ()  # a recorder's InputProxy channels; empty: a camera (notSupport)
    face_contrast_on: tuple[str, ...] = ()  # channels whose faceContrast switch is on (with a library armed)
    record_triggers: tuple[str, ...] = ()  # `<eventType>-<channel>` triggers linked to record only (the default)
    fingerprint: bool = False  # a terminal that reads fingerprints and cards, no faces
    users: int = 0  # a terminal's users (UserInfo/Count userNumber)
    face_users: int = 0  # of those, users with a face (bindFaceUserNumber); the rest have a fingerprint
    destinations: IsapiDestinations | None = None  # None: the destination resources answer 404 (older firmware)


@dataclass(frozen=True)
class DahuaRule:
    """One row of Dahua's VideoAnalyseRule table."""

    name: str
    type: str  # FaceRecognition, CrossLineDetection, FaceCompare (IVSS), ...
    enable: bool
    channel: int = 0  # the table's first index: Dahua's 0-based channel


@dataclass(frozen=True)
class RemoteCamera:
    """One slot of a Dahua recorder's RemoteDevice table: the camera on channel slot+1 and its login."""

    name: str
    address: str
    device_type: str
    serial: str
    vendor: str  # Private (Dahua's own protocol) or Onvif
    username: str
    password: str = field(repr=False)  # the recorder keeps it in clear; camaudit must never record it
    enable: bool = True


@dataclass(frozen=True)
class CgiDestinations:
    """Where a Dahua persona's settings send data; the rest answers as the factory left it. The switched-off mail
    and NAS settings still hold passwords (secrets camaudit must blank before recording)."""

    upload: bool = False  # the rules' EventHandler.MessageEnable: upload to the alarm server
    alarm_server: Receiver | None = None  # AlarmServer, enabled
    p2p: bool = False  # T2UServer.Enable
    mail_password: str = ""
    nas_password: str = ""


@dataclass(frozen=True)
class CgiSpec:
    """Dahua CGI content: the intelligent scene and its rules, capabilities, face groups and a recorder's cameras."""

    scene: str  # VideoAnalyseGlobal Scene.Type: Normal, FaceRecognition, ...
    rules: tuple[DahuaRule, ...]
    processor: str
    analyse_status: int = 200  # 400: the VideoAnalyse tables answer "Bad Request!" (firmware without them)
    caps: tuple[str, ...] = ()  # devVideoAnalyse getCaps: supported scenes and rule types; empty: 400
    face_groups: tuple[int, ...] = ()  # faceRecognitionServer findGroup: faces per group; empty: no CGI (400)
    face_info: int | None = None  # a face terminal's stored faces (FaceInfoManager Total); None: no CGI (400)
    remote: tuple[RemoteCamera, ...] = ()  # a recorder's RemoteDevice slots; empty: no table (400)
    destinations: CgiDestinations | None = None  # None: the destination tables answer 400


@dataclass(frozen=True)
class AxisApp:
    """One camera application (ACAP) as applications/list.cgi lists it."""

    name: str
    nice_name: str
    vendor: str
    status: str  # Running | Stopped


@dataclass(frozen=True)
class AxisSpec:
    """Axis VAPIX content: open basic device information and the installed applications."""

    applications: tuple[AxisApp, ...] = ()
    anonymous: bool = True  # allowAnonymous: getAllUnrestrictedProperties without a login


@dataclass(frozen=True)
class SunapiSpec:
    """Hanwha SUNAPI content: the event types the eventstatus monitor reports (attributes.cgi/cgis), the face
    detection support attribute and the face detection switch."""

    event_types: tuple[str, ...]
    rule_sources: tuple[str, ...] = ()  # eventrules EventSource options (may name FaceDetection: a trap)
    face_support: bool = False  # Eventsource/Support/FaceDetection; False: the facedetection submenu answers 608
    face_enabled: bool = False  # eventsources facedetection Enable


@dataclass(frozen=True)
class PeopleLibrary:
    """A Uniview people library as LAPI PeopleLibraries/BasicInfo counts it."""

    name: str
    persons: int
    faces: int


@dataclass(frozen=True)
class FaceLibrary:
    """A Huawei SDC face library as FaceLibs/Libs describes it (no records)."""

    name: str
    kind: int  # FaceListType: 1 block list, 2 allow list
    armed: bool  # OnControl
    pictures: int  # TotalPicNum (ExtractedNum the same: all modelled)


@dataclass(frozen=True)
class ReolinkSpec:
    """Reolink HTTP API content (behind the token login): the face AI's support, switch and alarm."""

    face_support: bool
    face_enabled: bool
    face_alarm: bool = False


@dataclass(frozen=True)
class SegmentSpec:
    """How the device answers on a real L2 segment (the namespace lab): its discovery protocols and names.

    `loopback = false` leaves the device out of the loopback lab, where no multicast reaches it and nothing
    else would name its vendor.
    """

    protocols: tuple[str, ...]  # sadp | dhip | ssdp | mdns
    loopback: bool = True
    mdns_instance: str = ""  # e.g. "AXIS M3045-V - ACCC8E7B1C13"
    mdns_services: tuple[str, ...] = ()  # e.g. ("_axis-video._tcp", "_http._tcp")
    upnp_port: int = 49152  # where the UPnP description is served (SSDP LOCATION)


@dataclass(frozen=True)
class Persona:
    """One emulated device. The password never appears in its repr."""

    id: str
    name: str  # plain-English description
    vendor: str | None  # canonical vendor a scan should name (None: not identifiable)
    manufacturer: str  # what the device itself reports
    model: str
    firmware: str
    firmware_date: str
    serial: str
    mac: str
    device_name: str
    username: str
    password: str = field(repr=False)
    streams: tuple[Stream, ...] = ()
    web: WebSpec | None = None
    rtsp: RtspSpec | None = None
    onvif: OnvifSpec | None = None
    isapi: IsapiSpec | None = None
    cgi: CgiSpec | None = None
    axis: AxisSpec | None = None
    sunapi: SunapiSpec | None = None
    reolink: ReolinkSpec | None = None
    lapi: tuple[PeopleLibrary, ...] | None = None  # Uniview LAPI people libraries (web flavor uniview)
    sdc: tuple[FaceLibrary, ...] | None = None  # Huawei SDC face libraries (web flavor huawei)
    sdk_port: int | None = None  # vendor SDK port: Hikvision's 8000 answers with its 16-byte header, Dahua's 37777
    # reads and stays silent (binary protocols, never HTTP)
    segment: SegmentSpec | None = None  # discovery protocols answered in the namespace lab
    expect: Expectation = field(default_factory=lambda: Expectation(None, None, False, "unknown", "unknown"))
