"""personas.toml -> Persona records; the file's shape as pydantic models, each mistake one line naming its key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, StrictStr, model_validator

from scanner.datafile import Matches, NonEmpty, OneOf, Strings, Table, fail, load_toml, say
from scanner.errors import LabError
from scanner.lab.analytics_catalog import CATALOG
from scanner.lab.personas import (
    AnalyticsItem,
    AxisApp,
    AxisSpec,
    CgiDestinations,
    CgiSpec,
    DahuaRule,
    EventSpec,
    Expectation,
    FaceLibrary,
    IsapiDestinations,
    IsapiSpec,
    OnvifSpec,
    PeopleLibrary,
    Persona,
    ProxyChannel,
    Receiver,
    RemoteCamera,
    ReolinkSpec,
    RtspSpec,
    SegmentSpec,
    Stream,
    SunapiSpec,
    WebSpec,
)
from scanner.model import VERDICTS
from scanner.vocabulary import Role

WEB_FLAVORS = ("hikvision", "dahua", "nginx", "axis", "hanwha", "reolink", "zkteco", "uniview", "huawei", "platform")
WEB_PAGES = ("", "amcrest", "dahua-icc")
RTSP_FLAVORS = ("hikvision", "dahua", "generic", "hipcam")
SCHEMES = ("digest", "basic")
ONVIF_AUTH = ("digest", "token")
ONVIF_PORTS = (80, 2020, 5000, 8000, 8080, 8899)  # real ports; the lab plan maps 80 to 8080 without root
SDK_PORTS = (8000, 37777, 34567)
RTSP_PORTS = (554, 8554)
SEGMENT_PROTOCOLS = ("sadp", "dhip", "ssdp", "mdns")

Verdict = Annotated[StrictStr, OneOf(VERDICTS)]
Scheme = Annotated[StrictStr, OneOf(SCHEMES)]
Pairs = Annotated[dict[StrictStr, StrictStr], say("values must be strings")]


_FINDING = r"^[a-z_]+:(capable|configured|active)(@[^\s@]+)?$"


class ExpectTable(Table):
    model: StrictStr | None = None
    is_camera: StrictBool
    face_analytics: Verdict
    face_analytics_without_credentials: Verdict
    face_analytics_observed: Verdict | None = None  # with --observe, when it differs from face_analytics
    role: Annotated[StrictStr, OneOf(tuple(Role))] | None = None
    findings: (
        tuple[Annotated[StrictStr, Matches(_FINDING, "{value!r} is not feature:level or feature:level@channel")], ...]
        | None
    ) = None
    is_camera_without_credentials: StrictBool | None = None
    destinations: tuple[StrictStr, ...] | None = None  # scanner.lab.answer_key.destination_keys

    @model_validator(mode="after")
    def _findings_once_each(self) -> ExpectTable:
        for name in ("findings", "destinations"):
            listed = getattr(self, name)
            if listed is not None and len(set(listed)) != len(listed):
                raise fail(f"{name} must not repeat an entry")
        return self

    def record(self, vendor: str | None) -> Expectation:
        return Expectation(vendor=vendor, **dict(self))


class StreamTable(Table):
    token: StrictStr
    name: StrictStr
    path: StrictStr
    encoding: Annotated[StrictStr, OneOf(("H264", "H265"))]
    width: StrictInt
    height: StrictInt
    fps: StrictInt
    bitrate: StrictInt
    metadata: StrictBool = False


class WebTable(Table):
    flavor: Annotated[StrictStr, OneOf(WEB_FLAVORS)]
    server: StrictStr = ""
    realm: StrictStr = ""
    page: Annotated[StrictStr, OneOf(WEB_PAGES)] = ""


class RtspTable(Table):
    flavor: Annotated[StrictStr, OneOf(RTSP_FLAVORS)]
    server: StrictStr = ""
    schemes: Annotated[tuple[Scheme, ...], NonEmpty("'schemes' must list digest and/or basic")]
    realm: StrictStr
    port: Annotated[StrictInt, OneOf(RTSP_PORTS)] | None = None


class SegmentTable(Table):
    protocols: tuple[Annotated[StrictStr, OneOf(SEGMENT_PROTOCOLS)], ...] = ()
    loopback: StrictBool = True
    mdns_instance: StrictStr = ""
    mdns_services: Strings = ()
    upnp_port: StrictInt = 49152

    @model_validator(mode="after")
    def _mdns_is_named(self) -> SegmentTable:
        if "mdns" in self.protocols and not (self.mdns_instance and self.mdns_services):
            raise fail("mdns needs mdns_instance and mdns_services")
        return self


class ItemTable(Table):
    name: StrictStr
    type: StrictStr


class EventTable(Table):
    topic: StrictStr
    data: Pairs = {}
    source: Pairs = {}  # empty: the video source configuration token
    operation: Annotated[StrictStr, OneOf(("Initialized", "Changed", ""))] = "Changed"

    def record(self) -> EventSpec:
        source = tuple(self.source.items()) or (("VideoSourceConfigurationToken", "VideoSourceToken"),)
        return EventSpec(self.topic, tuple(self.data.items()), source, self.operation)


class OnvifTable(Table):
    port: Annotated[StrictInt, OneOf(ONVIF_PORTS)]
    device_path: StrictStr
    media_path: StrictStr
    events_path: StrictStr
    analytics_path: StrictStr = ""
    auth: Annotated[StrictStr, OneOf(ONVIF_AUTH)]
    clock_offset: StrictInt = 0
    token_window: StrictInt = 10
    hardware_id: StrictStr
    version: StrictStr
    scopes: Strings = ()
    topics: Strings = ()
    qualified_topics: StrictBool = False
    analytics_token: StrictStr = "VideoAnalyticsToken"  # noqa: S105 (an ONVIF configuration token, no secret)
    supported_rules: Strings = ()
    rules: tuple[ItemTable, ...] = ()
    supported_modules: Strings = ()
    modules: tuple[ItemTable, ...] = ()
    object_classes: Strings = ()
    metadata: Strings = ()
    events: tuple[EventTable, ...] = ()

    def record(self) -> OnvifSpec:
        items = {key: tuple(AnalyticsItem(**dict(i)) for i in getattr(self, key)) for key in ("rules", "modules")}
        return OnvifSpec(**dict(self) | items | {"events": tuple(e.record() for e in self.events)})


TriggerId = Annotated[StrictStr, Matches(r"^\w+-\d+$", "{value!r} is not <eventType>-<channel>")]
Counts = Annotated[tuple[Annotated[StrictInt, Field(ge=0)], ...], say("must be a list of counts")]
Count = Annotated[StrictInt, Field(ge=0), say("must be a count")]


class ProxyChannelTable(Table):
    id: StrictStr
    name: StrictStr
    address: StrictStr
    model: StrictStr
    serial: StrictStr
    firmware: StrictStr


Port = Annotated[StrictInt, Field(ge=1, le=65535), say("must be a port number")]


class ReceiverTable(Table):
    host: Annotated[StrictStr, Matches(r"^(@[\w-]+|[\w.:-]+)$", "{value!r} is not an address, a name or @<persona id>")]
    port: Port
    path: StrictStr = ""

    def record(self) -> Receiver:
        return Receiver(**dict(self))


class IsapiDestinationsTable(Table):
    notify: dict[StrictStr, Strings] = {}
    http_hosts: tuple[ReceiverTable, ...] = ()
    ftp: ReceiverTable | None = None
    isup: ReceiverTable | None = None
    ezviz_code: StrictStr = ""
    ftp_password: StrictStr = ""

    @model_validator(mode="after")
    def _three_slots(self) -> IsapiDestinationsTable:
        if len(self.http_hosts) > 3:
            raise fail("a Hikvision camera has three HTTP host slots")
        return self

    def record(self) -> IsapiDestinations:
        def one(table: ReceiverTable | None) -> Receiver | None:
            return table.record() if table is not None else None

        return IsapiDestinations(
            notify=tuple((event, tuple(methods)) for event, methods in self.notify.items()),
            http_hosts=tuple(r.record() for r in self.http_hosts),
            ftp=one(self.ftp),
            isup=one(self.isup),
            ezviz_code=self.ezviz_code,
            ftp_password=self.ftp_password,
        )


class CgiDestinationsTable(Table):
    upload: StrictBool = False
    alarm_server: ReceiverTable | None = None
    p2p: StrictBool = False
    mail_password: StrictStr = ""
    nas_password: StrictStr = ""

    def record(self) -> CgiDestinations:
        server = self.alarm_server.record() if self.alarm_server is not None else None
        return CgiDestinations(**dict(self) | {"alarm_server": server})


class IsapiTable(Table):
    namespace: StrictStr
    face_detect: StrictBool
    face_snap: StrictBool
    face_contrast: StrictBool
    face_lib: StrictBool
    triggers: Strings = ()
    fdlib: Annotated[tuple[Annotated[StrictInt, Field(ge=0)], ...], say("'fdlib' must be a list of counts")] = ()
    access_control: StrictBool = False
    face_detect_on: Strings = ()
    device_type: Annotated[StrictStr, OneOf(("IPCamera", "NVR", "DVR", "ACS"))] = "IPCamera"
    channels: tuple[ProxyChannelTable, ...] = ()
    face_contrast_on: Strings = ()
    record_triggers: tuple[TriggerId, ...] = ()
    fingerprint: StrictBool = False
    users: Count = 0
    face_users: Count = 0
    destinations: IsapiDestinationsTable | None = None

    @model_validator(mode="after")
    def _terminal_fields_on_terminals(self) -> IsapiTable:
        if (self.fingerprint or self.users) and not self.access_control:
            raise fail("fingerprint and users describe a terminal: set access_control = true")
        if self.face_users > self.users or (self.fingerprint and self.face_users):
            raise fail("face_users must be at most users, and 0 on a fingerprint terminal")
        return self

    def record(self) -> IsapiSpec:
        channels = tuple(ProxyChannel(**dict(c)) for c in self.channels)
        settings = self.destinations.record() if self.destinations is not None else None
        return IsapiSpec(**dict(self) | {"channels": channels, "destinations": settings})


class DahuaRuleTable(Table):
    name: StrictStr
    type: StrictStr
    enable: StrictBool
    channel: Count = 0


class RemoteCameraTable(Table):
    name: StrictStr
    address: StrictStr
    device_type: StrictStr
    serial: StrictStr
    vendor: Annotated[StrictStr, OneOf(("Private", "Onvif"))]
    username: StrictStr
    password: StrictStr
    enable: StrictBool = True


class CgiTable(Table):
    scene: StrictStr
    rules: tuple[DahuaRuleTable, ...] = ()
    processor: StrictStr
    analyse_status: Annotated[StrictInt, OneOf((200, 400))] = 200
    caps: Strings = ()
    face_groups: Counts = ()
    face_info: Count | None = None
    remote: tuple[RemoteCameraTable, ...] = ()
    destinations: CgiDestinationsTable | None = None

    def record(self) -> CgiSpec:
        rules = tuple(DahuaRule(**dict(r)) for r in self.rules)
        remote = tuple(RemoteCamera(**dict(c)) for c in self.remote)
        settings = self.destinations.record() if self.destinations is not None else None
        return CgiSpec(**dict(self) | {"rules": rules, "remote": remote, "destinations": settings})


class AxisAppTable(Table):
    name: StrictStr
    nice_name: StrictStr
    vendor: StrictStr
    status: Annotated[StrictStr, OneOf(("Running", "Stopped"))]


class AxisTable(Table):
    applications: tuple[AxisAppTable, ...] = ()
    anonymous: StrictBool = True

    def record(self) -> AxisSpec:
        return AxisSpec(tuple(AxisApp(**dict(a)) for a in self.applications), self.anonymous)


class SunapiTable(Table):
    event_types: Strings = ()
    rule_sources: Strings = ()
    face_support: StrictBool = False
    face_enabled: StrictBool = False

    @model_validator(mode="after")
    def _enabled_needs_support(self) -> SunapiTable:
        if self.face_enabled and not self.face_support:
            raise fail("face_enabled needs face_support")
        return self


class PeopleLibraryTable(Table):
    name: StrictStr
    persons: Count
    faces: Count


class FaceLibraryTable(Table):
    name: StrictStr
    kind: Annotated[StrictInt, OneOf((1, 2))]
    armed: StrictBool
    pictures: Count


class ReolinkTable(Table):
    face_support: StrictBool
    face_enabled: StrictBool
    face_alarm: StrictBool = False


_SECTION_FLAVORS = (
    ("axis", "axis"),
    ("sunapi", "hanwha"),
    ("reolink", "reolink"),
    ("lapi", "uniview"),
    ("sdc", "huawei"),
)
_IDENTITY = {"id", "name", "vendor", "manufacturer", "model", "firmware", "firmware_date", "serial", "mac"} | {
    "device_name", "username", "password", "sdk_port"
}  # fmt: skip


class PersonaTable(Table):
    """One `[[persona]]`: identity, login, streams, the services it emulates and the answer key."""

    id: StrictStr
    name: StrictStr
    vendor: StrictStr | None = None
    manufacturer: StrictStr
    model: StrictStr
    firmware: StrictStr
    firmware_date: StrictStr
    serial: StrictStr
    mac: StrictStr
    device_name: StrictStr
    username: StrictStr
    password: StrictStr
    stream: tuple[StreamTable, ...] = ()
    web: WebTable | None = None
    rtsp: RtspTable | None = None
    onvif: OnvifTable | None = None
    isapi: IsapiTable | None = None
    cgi: CgiTable | None = None
    axis: AxisTable | None = None
    sunapi: SunapiTable | None = None
    reolink: ReolinkTable | None = None
    lapi: tuple[PeopleLibraryTable, ...] | None = None
    sdc: tuple[FaceLibraryTable, ...] | None = None
    sdk_port: Annotated[StrictInt, OneOf(SDK_PORTS)] | None = None
    segment: SegmentTable | None = None
    expect: ExpectTable

    @model_validator(mode="after")
    def _sections_agree(self) -> PersonaTable:
        flavor = self.web.flavor if self.web else None
        if (self.rtsp or self.onvif) and not self.stream:
            raise fail("RTSP and ONVIF need at least one [[persona.stream]]")
        if self.isapi and flavor != "hikvision":
            raise fail("[persona.isapi] needs a hikvision web server")
        if self.cgi and flavor != "dahua":
            raise fail("[persona.cgi] needs a dahua web server")
        for section, needed in _SECTION_FLAVORS:
            if getattr(self, section) and flavor != needed:
                raise fail(f"[persona.{section}] needs [persona.web] with flavor = {needed!r}")
        unknown = [kind for kind in self._analytics_kinds() if kind not in CATALOG]
        if unknown:
            raise fail(f"analytics type {unknown[0]!r} is not in the lab's catalog")
        return self

    def _analytics_kinds(self) -> list[str]:
        o = self.onvif
        return [*o.supported_rules, *o.supported_modules, *(i.type for i in (*o.rules, *o.modules))] if o else []

    def record(self) -> Persona:
        return Persona(
            **self.model_dump(include=_IDENTITY),
            streams=tuple(Stream(**dict(s)) for s in self.stream),
            web=WebSpec(**dict(self.web)) if self.web else None,
            rtsp=RtspSpec(**dict(self.rtsp)) if self.rtsp else None,
            onvif=self.onvif.record() if self.onvif else None,
            isapi=self.isapi.record() if self.isapi else None,
            cgi=self.cgi.record() if self.cgi else None,
            axis=self.axis.record() if self.axis else None,
            sunapi=SunapiSpec(**dict(self.sunapi)) if self.sunapi else None,
            reolink=ReolinkSpec(**dict(self.reolink)) if self.reolink else None,
            lapi=tuple(PeopleLibrary(**dict(t)) for t in self.lapi) if self.lapi is not None else None,
            sdc=tuple(FaceLibrary(**dict(t)) for t in self.sdc) if self.sdc is not None else None,
            segment=SegmentSpec(**dict(self.segment)) if self.segment else None,
            expect=self.expect.record(self.vendor),
        )


class PersonaFile(Table):
    persona: tuple[PersonaTable, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> PersonaFile:
        ids = [p.id for p in self.persona]
        if not ids or len(set(ids)) != len(ids):
            raise fail("needs at least one [[persona]] and unique ids")
        named = {r.removeprefix("@") for p in self.persona for r in receiver_hosts(p) if r.startswith("@")}
        if named - set(ids):
            raise fail(f"a receiver names @{sorted(named - set(ids))[0]}, which is no persona's id")
        return self


def receiver_hosts(persona: PersonaTable) -> list[str]:
    """The hosts a persona's destination settings name."""
    found: list[ReceiverTable | None] = []
    if persona.isapi is not None and persona.isapi.destinations is not None:
        hik = persona.isapi.destinations
        found += [*hik.http_hosts, hik.ftp, hik.isup]
    if persona.cgi is not None and persona.cgi.destinations is not None:
        found.append(persona.cgi.destinations.alarm_server)
    return [r.host for r in found if r is not None]


def load_personas(path: Path | None = None) -> tuple[Persona, ...]:
    """Read the personas file (default: the packaged scanner/lab/personas.toml), in file order."""
    source = path or resources.files("scanner.lab").joinpath("personas.toml")
    label = f"personas file {path or 'personas.toml'}"
    return tuple(p.record() for p in load_toml(source, PersonaFile, label, LabError, by_id=True).persona)
