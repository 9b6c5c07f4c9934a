"""The typed records that flow between the stages: scope -> discover -> probe -> match -> report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scanner import __version__
from scanner.vocabulary import (
    REASON_PRIORITY,
    STOP_REASONS,
    Confidence,
    DestinationKind,
    Feature,
    Level,
    Outcome,
    Place,
    Reason,
    Role,
    Verdict,
)

# The vocabularies as tuples of their values, for membership tests and choices (scanner.vocabulary defines them).
FEATURES = tuple(Feature)
LEVELS = tuple(Level)  # weakest first
VERDICTS = tuple(Verdict)
CONFIDENCES = tuple(Confidence)
OK, AUTH_REQUIRED, NOT_SUPPORTED, FAILED = Outcome.OK, Outcome.AUTH_REQUIRED, Outcome.NOT_SUPPORTED, Outcome.FAILED
ABSENT = Outcome.ABSENT
OUTCOMES = tuple(Outcome)

MAX_BODY = 1 << 20  # 1 MiB: no real camera API response is larger
REJECTED = "rejected"  # the discovery fact (and Found key) for replies a method could not use


def utc_now() -> str:
    """The current time as ISO 8601 UTC with a Z suffix, to the millisecond."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class Credential:
    """An owner-supplied login. Its repr never shows the password. `allow_basic`: the owner accepts that a device
    asking for HTTP Basic over plain HTTP or RTSP, or a maker's login form over plain HTTP (Reolink's), gets the
    password in clear (base64 is no protection)."""

    username: str
    password: str = field(repr=False)
    allow_basic: bool = False

    def __repr__(self) -> str:
        return f"Credential(username={self.username!r}, password=<redacted>, allow_basic={self.allow_basic})"


@dataclass(frozen=True, slots=True)
class Service:
    """An open port and what speaks on it (`http`, `https`, `rtsp`, `onvif`, `ws-discovery`, `tcp`)."""

    port: int
    protocol: str


@dataclass(frozen=True)
class WsdReply:
    """One WS-Discovery ProbeMatch: who answered and what it announced."""

    address: str
    epr: str
    types: tuple[str, ...]
    scopes: tuple[str, ...]
    xaddrs: tuple[str, ...]


@dataclass(frozen=True)
class DiscoveryFact:
    """What one discovery method revealed about a device, as (name, value) pairs in the order read.

    Common names across methods: `vendor`, `model`, `serial`, `firmware`, `mac`; each method adds its own
    (`http_port`, `activated`, `service`, `location`...). Values are device claims, capped and printable.
    """

    method: str  # "nmap", "connect", "arp", "ws-discovery", "sadp", "dhip", "ssdp", "mdns"; "merge" for links
    facts: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        """The first value of that name, or None."""
        return next((value for key, value in self.facts if key == name), None)


@dataclass(frozen=True)
class Host:
    """A live address found by discovery, before any identification.

    `mac_vendor` is the MAC-vendor organisation (nmap-mac-prefixes) of `mac`; `facts` says, per discovery
    method that found the host, what that method revealed.
    """

    address: str
    open_ports: tuple[int, ...]
    mac: str | None = None
    discovered_by: tuple[str, ...] = ()
    wsd: tuple[WsdReply, ...] = ()
    mac_vendor: str | None = None
    facts: tuple[DiscoveryFact, ...] = ()


@dataclass(frozen=True, slots=True)
class Sent:
    """What a request was, precisely enough to serve its answer again (replay, issue 12): never a credential.

    `body` is the request body without anything secret: for SOAP only the Body element (the WS-Security header
    stays out); for a vendor login nothing at all. `login` says how the request proved the owner's login, so a
    replay can ask for one as the device did: `basic` or `digest` (an HTTP or RTSP challenge answered, in
    `realm`), `wsse` (a WS-Security UsernameToken alone), or "" (none was sent)."""

    protocol: str  # http | https | onvif | rtsp
    method: str
    url: str  # as sent: the device's address, port, path and query
    action: str = ""  # the SOAP operation (ONVIF)
    body: bytes = b""
    login: str = ""  # "" | basic | digest | wsse
    realm: str = ""  # the realm of the challenge that was answered


@dataclass(frozen=True, slots=True)  # thousands per scan: no __dict__ each
class Observation:
    """One request to a device and its (capped, raw) answer: the unit of evidence.

    `probe` is a stable id that signatures refer to (`http.root`, `rtsp.describe`,
    `onvif.events.properties`, `hikvision.isapi.capabilities`, ...). `request` is a one-line,
    credential-free description of what was sent. `values` holds facts the probe derived from the
    answer (e.g. ONVIF topic paths) as name -> tuple of strings.
    """

    probe: str
    request: str
    outcome: Outcome
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    at: str = ""
    detail: str = ""
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Set when the scan's own limits kept this request from being sent or cut it short (the device's time
    # budget, the audit stage's, a Ctrl-C): then nothing about the device can be concluded from it.
    stopped: Reason | None = None
    truncated: bool = False  # the body is only the start of the answer: it was larger than the cap
    channel: str | None = None  # the channel a per-channel request asked about
    sent: Sent | None = None  # the request, for serving the answer again; None for what discovery revealed

    @property
    def text(self) -> str:
        """The body decoded leniently (devices send broken UTF-8)."""
        return self.body.decode("utf-8", errors="replace")

    @property
    def sha256(self) -> str:
        """SHA-256 of the raw body, so an excerpt can be tied to the bytes received."""
        return hashlib.sha256(self.body).hexdigest()

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return None

    def value(self, name: str) -> tuple[str, ...]:
        """A derived fact by name; empty when the probe did not produce it."""
        for key, items in self.values:
            if key == name:
                return items
        return ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a finding rests on: which request, the matching excerpt, and the hash of the full answer."""

    probe: str
    request: str
    excerpt: str
    sha256: str
    at: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A signature rule that matched: the feature it proves at which level."""

    rule: str
    feature: Feature
    level: Level
    confidence: Confidence
    evidence: tuple[Evidence, ...]
    channel: str | None = None  # the recorder channel (or camera input) the evidence is about, when it says


@dataclass(frozen=True)
class Route:
    """One face event whose linkage sends its data somewhere: the event as the device names it, its channel, and
    the method (the device's own word: `FTP`, `center`, `MessageEnable`), with the linkage's evidence."""

    event: str
    channel: str | None
    method: str
    rule: str  # the [[linkage]] table that read it
    evidence: Evidence


@dataclass(frozen=True)
class Destination:
    """A receiver a device's settings name for its data: what kind, where, and the face events routed to it.

    A destination with no route is a registration (a cloud or platform that reaches the device whatever its
    linkage). `place` and `device` are known only once the whole scan is in: whether the host is in the scan's
    scope, and which audited device it is. A destination never raises a verdict level (docs/evidence-standard.md).
    """

    rule: str  # the [[destination]] table that read it
    kind: DestinationKind
    host: str | None  # an address or a host name as the device holds it; None for a cloud service without one
    port: int | None
    evidence: Evidence
    path: str | None = None  # the URL path or folder, as the device holds it
    protocol: str | None = None  # as the device words it (HTTP, HTTPS, FTP, SMB/CIFS, DAHUA...)
    service: str | None = None  # a named maker service (the [[destination]]'s `service`), e.g. Dahua P2P
    status: str | None = None  # the live state the device reports (registered, online...), as it words it
    pictures: bool | None = None  # the device says it sends pictures there (None: it does not say)
    registration: bool = False  # reaches the device whatever the face linkage (a cloud, a platform)
    routes: tuple[Route, ...] = ()
    place: Place | None = None
    device: str | None = None  # the address of the audited device it points at


@dataclass(frozen=True, slots=True)
class Channel:
    """A video input of a device: a camera's own sensor, or a recorder channel and the camera behind it, as the
    device lists it (any field the device did not give is None)."""

    id: str
    name: str | None = None
    address: str | None = None
    model: str | None = None
    serial: str | None = None
    maker: str | None = None


@dataclass(frozen=True)
class Coverage:
    """The face checks that apply to a device (its maker's and role's, and ONVIF's when it speaks ONVIF): those
    read, those the device said it lacks, and those that could not be read (each with a not_checked reason)."""

    read: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotChecked:
    """A check that could not run or could not conclude: which, why (a code the report puts into words), and
    the detail that goes with it (a status, the device's error, a count), shown as data."""

    check: str
    reason: Reason
    detail: str = ""


@dataclass(frozen=True)
class Identity:
    """Who a device is. Each field is None when no probe revealed it."""

    vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    mac: str | None = None
    maker: str | None = None  # whose firmware an OEM brand runs (brand Amcrest, maker Dahua); None when the same


@dataclass(frozen=True)
class AuditInputs:
    """What a device's judgement rests on besides its answers: what discovery knew, what the probes chose not to
    ask (and why), the checks the device said it has no service for, and whether a login was supplied. Kept in the
    evidence bundle, so a device can be judged again later from what was recorded (`camaudit rejudge`)."""

    host: Host
    skipped: tuple[NotChecked, ...] = ()
    absent: tuple[str, ...] = ()
    has_credential: bool = False
    services: tuple[Service, ...] = ()
    channels: tuple[Channel, ...] = ()


@dataclass(frozen=True)
class DeviceReport:
    """Everything camaudit concluded about one address."""

    address: str
    identity: Identity
    is_camera: bool
    services: tuple[Service, ...]
    face_analytics: Verdict
    findings: tuple[Finding, ...]
    not_checked: tuple[NotChecked, ...]
    discovered_by: tuple[str, ...] = ()
    observations: tuple[Observation, ...] = ()
    discovery: tuple[DiscoveryFact, ...] = ()  # what each discovery method revealed (Host.facts)
    role: Role = Role.CAMERA
    coverage: Coverage = Coverage()
    channels: tuple[Channel, ...] = ()
    inputs: AuditInputs | None = None  # for judging again; None for a report read back from JSON
    destinations: tuple[Destination, ...] = ()  # where its settings send data (face routes and registrations)


def main_reason(device: DeviceReport) -> NotChecked | None:
    """The note that best explains why the device could not be checked (a stop or a missing login before a note
    about a service the device lacks); None when there is none."""
    rank = {reason: n for n, reason in enumerate(REASON_PRIORITY)}
    return min(device.not_checked, key=lambda note: rank.get(note.reason, len(rank)), default=None)


def cut_short(device: DeviceReport) -> bool:
    """The device's audit was cut short by the scan's own limits (a budget, a Ctrl-C) before its checks all ran."""
    return any(note.reason in STOP_REASONS for note in device.not_checked)


@dataclass(frozen=True)
class ScanError:
    """A problem with the scan as a whole (not one device): e.g. nmap missing, a stage over budget."""

    stage: str
    message: str

    @property
    def discovery_unfinished(self) -> bool:
        """It says that discovery did not finish (some addresses were never looked at: a resume sweeps again)."""
        return self.stage == "discover" and DISCOVERY_UNFINISHED in self.message


DISCOVERY_UNFINISHED = "before discovery finished"  # in the scan error of a discovery stopped, failed or over budget


@dataclass(frozen=True)
class ScanResult:
    """The outcome of one audit."""

    started_at: str
    finished_at: str
    targets: tuple[str, ...]
    devices: tuple[DeviceReport, ...]
    errors: tuple[ScanError, ...] = ()
    partial: bool = False
    tool_version: str = __version__  # of the camaudit that made the scan (a stored scan keeps its own)


def strongest_level(levels: list[str] | tuple[str, ...]) -> Level | None:
    """The strongest of the given levels (active > configured > capable), or None if empty."""
    ranked = [lvl for lvl in Level if lvl in levels]
    return ranked[-1] if ranked else None
