"""The closed vocabularies that flow between the stages, defined once: features, levels, verdicts, outcomes,
confidences, and the reason codes of what could not be checked.

Each is a `str` enum: its members compare equal to their values, which are what the JSON report, the signature
files and the translation catalogues (`report/data/<lang>.toml`, key `reason.<code>`) spell.
"""

from __future__ import annotations

from enum import StrEnum


class Feature(StrEnum):
    """A face function a signature rule can prove."""

    FACE_DETECTION = "face_detection"
    FACE_CAPTURE = "face_capture"
    FACE_RECOGNITION = "face_recognition"
    FACE_LIBRARY = "face_library"
    FACE_ATTRIBUTES = "face_attributes"
    FACE_METADATA = "face_metadata"


class Level(StrEnum):
    """How strongly a finding proves its feature, weakest first."""

    CAPABLE = "capable"  # the device states it can
    CONFIGURED = "configured"  # an enable switch of the function was read and is on
    ACTIVE = "active"  # enrolled faces counted, or face events seen

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Verdict(StrEnum):
    """A device's face-analytics verdict: the strongest level proven, or why none is."""

    ACTIVE = "active"
    CONFIGURED = "configured"
    CAPABLE = "capable"
    NOT_FOUND = "not_found"  # every check that could prove it ran and answered
    UNKNOWN = "unknown"  # some check could not run or conclude; the device's not_checked says why


FACE_VERDICTS = frozenset({Verdict.ACTIVE, Verdict.CONFIGURED, Verdict.CAPABLE})


class Outcome(StrEnum):
    """What one request to a device came to."""

    OK = "ok"  # the device answered authoritatively (HTTP 2xx, SOAP response, RTSP 200)
    AUTH_REQUIRED = "auth_required"  # 401/403 or ONVIF NotAuthorized: credentials needed or refused
    NOT_SUPPORTED = "not_supported"  # 400/404/405/501: the request names nothing here (not proof of absence)
    ABSENT = "absent"  # the device said, in its own documented way, that it lacks this function (e.g. SOAP
    # ActionNotSupported, Hikvision's notSupport status): the check concluded, and found nothing
    FAILED = "failed"  # timeout, reset, garbage, another status: nothing can be concluded


class Role(StrEnum):
    """What kind of device it is, as far as faces go."""

    CAMERA = "camera"
    RECORDER = "recorder"  # NVR, DVR, IVSS: records (and may analyse) the cameras on its channels
    FACE_TERMINAL = "face_terminal"  # an access-control or attendance terminal with a face reader
    PLATFORM = "platform"  # video-management or face platform software
    OTHER = "other"  # not a video device: something it answered says so
    UNKNOWN = "unknown"  # answered on a camera port, but nothing it answered says what it is


class DestinationKind(StrEnum):
    """Where a device sends (or lets someone fetch) its data, by the kind of receiver its settings name."""

    ALARM_HOST = "alarm_host"  # a receiver the device pushes its alarms to (Hikvision httpHosts, Dahua AlarmServer)
    PLATFORM = "platform"  # a management platform the device registers with (Hikvision ISUP, Dahua auto-register)
    FTP = "ftp"  # pictures or clips uploaded to an FTP or SFTP server
    EMAIL = "email"  # mailed through an SMTP server
    STORAGE = "storage"  # network storage the device records to (NAS: NFS, SMB/CIFS)
    CLOUD = "cloud"  # the maker's cloud or P2P service (Hik-Connect, Dahua P2P, Axis O3C, Reolink P2P)
    MQTT = "mqtt"  # an MQTT broker the device publishes its events to
    WEBHOOK = "webhook"  # an HTTP URL the device calls on events


class Place(StrEnum):
    """Where a destination is, as far as camaudit can tell without sending it anything (no DNS lookup either)."""

    PREMISES = "premises"  # an address in the scan's scope
    PRIVATE = "private"  # a private, shared or link-local address outside the scope: another site or network
    INTERNET = "internet"  # any other address: reached through the premises' way out
    VENDOR_CLOUD = "vendor_cloud"  # a host name under a maker's cloud domain, or a maker's cloud service
    UNRESOLVED = "unresolved"  # a host name camaudit does not look up (a lookup is network traffic)


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# The request names something the device does not have (551: RTSP's Option not supported).
ABSENT_STATUSES = frozenset({400, 404, 405, 501, 551})


def outcome_of_status(status: int) -> Outcome:
    """The outcome of an HTTP or RTSP status code (the one mapping every probe and the case runner share)."""
    if 200 <= status < 300:
        return Outcome.OK
    if status in (401, 403):
        return Outcome.AUTH_REQUIRED
    if status in ABSENT_STATUSES:
        return Outcome.NOT_SUPPORTED
    return Outcome.FAILED


class Reason(StrEnum):
    """Why a check could not run or could not conclude. Each code has an English and a Chinese text
    (`reason.<code>` in report/data/en.toml and zh.toml); a `{detail}` in the text takes the entry's detail,
    which is data from the device or the scan, never translated."""

    # the login
    NEEDS_LOGIN = "needs_login"
    LOGIN_REFUSED = "login_refused"  # refused once: nothing more is sent with it to the device (accounts lock)
    BASIC_IN_CLEAR = "basic_in_clear"  # the device wants the password in clear; the entry does not allow_basic
    LOGIN_IN_CLEAR = "login_in_clear"  # a maker's login form over plain HTTP; the entry does not allow_basic
    LOGIN_REFUSED_STOP = "login_refused_stop"  # ONVIF: no further queries, to avoid locking the account
    NO_LOGIN_ONVIF = "no_login_onvif"
    OBSERVE_LOGIN = "observe_login"
    SESSION_NEEDS_LOGIN = "session_needs_login"
    SESSION_LOGIN_REFUSED = "session_login_refused"
    SESSION_NOT_OFFERED = "session_not_offered"
    SESSION_NO_ANSWER = "session_no_answer"
    # what the device offers
    NOT_OFFERED = "not_offered"
    NO_MANAGEMENT = "no_management"
    MEDIA2_ONLY = "media2_only"
    NO_MEDIA = "no_media"
    NO_ANALYTICS = "no_analytics"
    NO_ANALYTICS_CONFIG = "no_analytics_config"
    NO_EVENTS = "no_events"
    SUBSCRIPTION_UNUSABLE = "subscription_unusable"
    # the maker's own face interface is out of reach (signatures/vendors.toml `no_face_api`), or the maker is unknown
    DEVICE_UNKNOWN = "device_unknown"  # not even whether it is a camera: nothing it answered names a maker or a kind
    MAKER_UNKNOWN = "maker_unknown"
    FACE_API_UNDOCUMENTED = "face_api_undocumented"
    FACE_API_NONE_PUBLIC = "face_api_none_public"
    FACE_API_NEEDS_KEY = "face_api_needs_key"
    FACE_CAPS_UNDOCUMENTED = "face_caps_undocumented"
    # how the device answered
    NO_ANSWER = "no_answer"
    NOT_ASKED = "not_asked"
    NOT_RECORDED = "not_recorded"  # re-judging a bundle: today's signatures ask what it did not record
    CHANNELS_UNREAD = "channels_unread"
    NO_ANSWER_TO = "no_answer_to"
    TIMED_OUT = "timed_out"  # no answer in time, also when asked again (a slow device: never a negative)
    ANSWER_CUT = "answer_cut"
    DISCOVERY_REJECTED = "discovery_rejected"
    # time and the scan
    BUDGET_SPENT = "budget_spent"  # the device's own time budget
    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM
    STAGE_BUDGET = "stage_budget"  # the audit stage's time budget
    AUDIT_FAILED = "audit_failed"
    # a reason read back from a report written before reason codes: its text is kept as the detail
    OTHER = "other"


# The reasons that explain a device's `unknown` verdict, the most telling first: a note about a service the device
# does not have (no analytics service...) is context, never the reason (scanner.model.main_reason).
REASON_PRIORITY = (
    Reason.INTERRUPTED, Reason.STAGE_BUDGET, Reason.BUDGET_SPENT, Reason.AUDIT_FAILED, Reason.TIMED_OUT,
    Reason.DEVICE_UNKNOWN,
    Reason.MAKER_UNKNOWN,
    Reason.FACE_API_NONE_PUBLIC, Reason.FACE_API_UNDOCUMENTED, Reason.FACE_API_NEEDS_KEY, Reason.FACE_CAPS_UNDOCUMENTED,
    Reason.NEEDS_LOGIN, Reason.NO_LOGIN_ONVIF, Reason.SESSION_NEEDS_LOGIN, Reason.LOGIN_REFUSED,
    Reason.LOGIN_REFUSED_STOP, Reason.SESSION_LOGIN_REFUSED, Reason.BASIC_IN_CLEAR, Reason.LOGIN_IN_CLEAR,
    Reason.NO_MANAGEMENT, Reason.CHANNELS_UNREAD,
    Reason.NO_ANSWER, Reason.NO_ANSWER_TO, Reason.SESSION_NO_ANSWER, Reason.NOT_OFFERED, Reason.SESSION_NOT_OFFERED,
    Reason.NOT_ASKED, Reason.NOT_RECORDED, Reason.MEDIA2_ONLY, Reason.ANSWER_CUT, Reason.OBSERVE_LOGIN,
    Reason.SUBSCRIPTION_UNUSABLE,
    Reason.DISCOVERY_REJECTED, Reason.NO_MEDIA, Reason.NO_ANALYTICS_CONFIG, Reason.NO_ANALYTICS, Reason.NO_EVENTS,
    Reason.OTHER,
)  # fmt: skip

# The scan's own limits cut a check short: a device with one of these in its not_checked was not fully audited.
STOP_REASONS = frozenset({Reason.BUDGET_SPENT, Reason.INTERRUPTED, Reason.STAGE_BUDGET})
FACE_API_REASONS = frozenset({
    Reason.FACE_API_UNDOCUMENTED, Reason.FACE_API_NONE_PUBLIC, Reason.FACE_API_NEEDS_KEY, Reason.FACE_CAPS_UNDOCUMENTED,
})  # fmt: skip
