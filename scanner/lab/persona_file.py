"""personas.toml -> Persona records, refusing unknown keys and bad values with one line naming persona and key."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from scanner.errors import LabError
from scanner.lab.analytics_catalog import CATALOG
from scanner.lab.personas import (
    AnalyticsItem,
    AxisApp,
    AxisSpec,
    CgiSpec,
    DahuaRule,
    EventSpec,
    Expectation,
    IsapiSpec,
    OnvifSpec,
    Persona,
    ReolinkSpec,
    RtspSpec,
    SegmentSpec,
    Stream,
    SunapiSpec,
    WebSpec,
)
from scanner.model import VERDICTS

T = TypeVar("T")
_MISSING = object()
WEB_FLAVORS = ("hikvision", "dahua", "nginx", "axis", "hanwha", "reolink", "zkteco")
WEB_PAGES = ("", "amcrest")
RTSP_FLAVORS = ("hikvision", "dahua", "generic", "hipcam")
SCHEMES = ("digest", "basic")
ONVIF_AUTH = ("digest", "token")
ONVIF_PORTS = (80, 2020, 5000, 8000, 8080, 8899)  # real ports; the lab plan maps 80 to 8080 without root
SDK_PORTS = (8000, 37777, 34567)
RTSP_PORTS = (554, 8554)
SEGMENT_PROTOCOLS = ("sadp", "dhip", "ssdp", "mdns")


class _Table:
    """A TOML table read key by key; `done()` refuses keys nobody asked for (typos)."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise LabError(f"{where} must be a table")
        self.data: dict[str, Any] = data
        self.where = where
        self.used: set[str] = set()

    def get(self, key: str, kind: type[T], default: object = _MISSING) -> T:
        self.used.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise LabError(f"{self.where}: missing key {key!r}")
            return default  # type: ignore[return-value]
        value: Any = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise LabError(f"{self.where}: {key!r} must be {kind.__name__}")
        return value

    def strs(self, key: str) -> tuple[str, ...]:
        items = self.get(key, list, [])
        if not all(isinstance(i, str) for i in items):
            raise LabError(f"{self.where}: {key!r} must be a list of strings")
        return tuple(items)

    def sub(self, key: str) -> _Table | None:
        self.used.add(key)
        return _Table(self.data[key], f"{self.where}.{key}") if key in self.data else None

    def subs(self, key: str) -> list[_Table]:
        items = self.get(key, list, [])
        return [_Table(item, f"{self.where}.{key}[{n}]") for n, item in enumerate(items)]

    def choice(self, key: str, allowed: tuple[Any, ...], kind: type = str) -> Any:
        value: Any = self.get(key, kind)
        if value not in allowed:
            raise LabError(f"{self.where}: {key!r} is {value!r}, expected one of {', '.join(map(str, allowed))}")
        return value

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise LabError(f"{self.where}: unknown key {extra[0]!r}")


def load_personas(path: Path | None = None) -> tuple[Persona, ...]:
    """Read the personas file (default: the packaged scanner/lab/personas.toml), in file order."""
    try:
        raw = path.read_text(encoding="utf-8") if path else _packaged()
        data = tomllib.loads(raw)
    except OSError as exc:
        raise LabError(f"cannot read personas file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LabError(f"personas file {path or 'personas.toml'} is not valid TOML: {exc}") from None
    top = _Table(data, str(path or "personas.toml"))
    personas = tuple(_persona(t) for t in top.subs("persona"))
    top.done()
    ids = [p.id for p in personas]
    if not personas or len(set(ids)) != len(ids):
        raise LabError(f"{top.where}: needs at least one [[persona]] and unique ids")
    return personas


def _packaged() -> str:
    return resources.files("scanner.lab").joinpath("personas.toml").read_text(encoding="utf-8")


def _persona(t: _Table) -> Persona:
    pid = t.get("id", str)
    t.where = f"persona {pid!r}"
    vendor = t.get("vendor", str, None)
    streams = tuple(_section(s, _stream) for s in t.subs("stream"))
    fields: dict[str, Any] = {
        key: t.get(key, str)
        for key in (
            "name",
            "manufacturer",
            "model",
            "firmware",
            "firmware_date",
            "serial",
            "mac",
            "device_name",
            "username",
            "password",
        )
    }
    persona = Persona(
        id=pid,
        vendor=vendor,
        streams=streams,
        **fields,
        web=_optional(t, "web", _web),
        rtsp=_optional(t, "rtsp", _rtsp),
        onvif=_optional(t, "onvif", _onvif),
        isapi=_optional(t, "isapi", _isapi),
        cgi=_optional(t, "cgi", _cgi),
        axis=_optional(t, "axis", _axis),
        sunapi=_optional(t, "sunapi", _sunapi),
        reolink=_optional(t, "reolink", _reolink),
        sdk_port=t.choice("sdk_port", SDK_PORTS, int) if "sdk_port" in t.data else None,
        segment=_optional(t, "segment", _segment),
        expect=_expect(_required(t, "expect"), vendor),
    )
    t.done()
    _check_consistent(persona, t.where)
    return persona


def _check_consistent(p: Persona, where: str) -> None:
    if (p.rtsp or p.onvif) and not p.streams:
        raise LabError(f"{where}: RTSP and ONVIF need at least one [[persona.stream]]")
    if p.isapi and (not p.web or p.web.flavor != "hikvision"):
        raise LabError(f"{where}: [persona.isapi] needs a hikvision web server")
    if p.cgi and (not p.web or p.web.flavor != "dahua"):
        raise LabError(f"{where}: [persona.cgi] needs a dahua web server")
    for section, flavor in (("axis", "axis"), ("sunapi", "hanwha"), ("reolink", "reolink")):
        if getattr(p, section) and (not p.web or p.web.flavor != flavor):
            raise LabError(f"{where}: [persona.{section}] needs [persona.web] with flavor = {flavor!r}")
    if p.onvif:
        o = p.onvif
        kinds = [*o.supported_rules, *o.supported_modules, *(i.type for i in (*o.rules, *o.modules))]
        unknown = [k for k in kinds if k not in CATALOG]
        if unknown:
            raise LabError(f"{where}: analytics type {unknown[0]!r} is not in the lab's catalog")


def _required(t: _Table, key: str) -> _Table:
    sub = t.sub(key)
    if sub is None:
        raise LabError(f"{t.where}: missing table [{key}]")
    return sub


def _optional(t: _Table, key: str, build: Callable[[_Table], T]) -> T | None:
    sub = t.sub(key)
    return None if sub is None else _section(sub, build)


def _section(t: _Table, build: Callable[[_Table], T]) -> T:
    value = build(t)
    t.done()
    return value


def _expect(t: _Table, vendor: str | None) -> Expectation:
    return _section(
        t,
        lambda s: Expectation(
            vendor=vendor,
            model=s.get("model", str, None),
            is_camera=s.get("is_camera", bool),
            face_analytics=s.choice("face_analytics", VERDICTS),
            face_analytics_without_credentials=s.choice("face_analytics_without_credentials", VERDICTS),
            face_analytics_observed=_observed(s),
        ),
    )


def _observed(t: _Table) -> str | None:
    """The verdict expected with observe mode, when it differs from the one with credentials."""
    return t.choice("face_analytics_observed", VERDICTS) if "face_analytics_observed" in t.data else None


def _stream(t: _Table) -> Stream:
    return Stream(
        token=t.get("token", str),
        name=t.get("name", str),
        path=t.get("path", str),
        encoding=t.choice("encoding", ("H264", "H265")),
        width=t.get("width", int),
        height=t.get("height", int),
        fps=t.get("fps", int),
        bitrate=t.get("bitrate", int),
        metadata=t.get("metadata", bool, False),
    )


def _web(t: _Table) -> WebSpec:
    return WebSpec(
        flavor=t.choice("flavor", WEB_FLAVORS),
        server=t.get("server", str, ""),
        realm=t.get("realm", str, ""),
        page=t.choice("page", WEB_PAGES) if "page" in t.data else "",
    )


def _rtsp(t: _Table) -> RtspSpec:
    schemes = t.strs("schemes")
    if not schemes or not set(schemes) <= set(SCHEMES):
        raise LabError(f"{t.where}: 'schemes' must list digest and/or basic")
    return RtspSpec(
        flavor=t.choice("flavor", RTSP_FLAVORS),
        server=t.get("server", str, ""),
        schemes=schemes,
        realm=t.get("realm", str),
        port=t.choice("port", RTSP_PORTS, int) if "port" in t.data else None,
    )


def _segment(t: _Table) -> SegmentSpec:
    protocols = t.strs("protocols")
    if not set(protocols) <= set(SEGMENT_PROTOCOLS):
        raise LabError(f"{t.where}: 'protocols' must be among {', '.join(SEGMENT_PROTOCOLS)}")
    spec = SegmentSpec(
        protocols=protocols,
        loopback=t.get("loopback", bool, True),
        mdns_instance=t.get("mdns_instance", str, ""),
        mdns_services=t.strs("mdns_services"),
        upnp_port=t.get("upnp_port", int, 49152),
    )
    if "mdns" in protocols and not (spec.mdns_instance and spec.mdns_services):
        raise LabError(f"{t.where}: mdns needs mdns_instance and mdns_services")
    return spec


def _onvif(t: _Table) -> OnvifSpec:
    return OnvifSpec(
        port=t.choice("port", ONVIF_PORTS, int),
        device_path=t.get("device_path", str),
        media_path=t.get("media_path", str),
        events_path=t.get("events_path", str),
        analytics_path=t.get("analytics_path", str, ""),
        auth=t.choice("auth", ONVIF_AUTH),
        clock_offset=t.get("clock_offset", int, 0),
        token_window=t.get("token_window", int, 10),
        hardware_id=t.get("hardware_id", str),
        version=t.get("version", str),
        scopes=t.strs("scopes"),
        topics=t.strs("topics"),
        qualified_topics=t.get("qualified_topics", bool, False),
        analytics_token=t.get("analytics_token", str, "VideoAnalyticsToken"),
        supported_rules=t.strs("supported_rules"),
        rules=tuple(_items(t, "rules")),
        supported_modules=t.strs("supported_modules"),
        modules=tuple(_items(t, "modules")),
        object_classes=t.strs("object_classes"),
        metadata=t.strs("metadata"),
        events=tuple(_section(e, _event) for e in t.subs("events")),
    )


def _pairs(t: _Table, key: str) -> tuple[tuple[str, str], ...]:
    table = t.get(key, dict, {})
    if not all(isinstance(v, str) for v in table.values()):
        raise LabError(f"{t.where}: {key!r} values must be strings")
    return tuple(table.items())


def _event(t: _Table) -> EventSpec:
    source = _pairs(t, "source") or (("VideoSourceConfigurationToken", "VideoSourceToken"),)
    operation = t.choice("operation", ("Initialized", "Changed", "")) if "operation" in t.data else "Changed"
    return EventSpec(topic=t.get("topic", str), data=_pairs(t, "data"), source=source, operation=operation)


def _items(t: _Table, key: str) -> list[AnalyticsItem]:
    return [_section(s, lambda i: AnalyticsItem(i.get("name", str), i.get("type", str))) for s in t.subs(key)]


def _isapi(t: _Table) -> IsapiSpec:
    return IsapiSpec(
        namespace=t.get("namespace", str),
        face_detect=t.get("face_detect", bool),
        face_snap=t.get("face_snap", bool),
        face_contrast=t.get("face_contrast", bool),
        face_lib=t.get("face_lib", bool),
        triggers=t.strs("triggers"),
        fdlib=tuple(_ints(t, "fdlib")),
        access_control=t.get("access_control", bool, False),
    )


def _ints(t: _Table, key: str) -> list[int]:
    items = t.get(key, list, [])
    if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in items):
        raise LabError(f"{t.where}: {key!r} must be a list of counts")
    return items


def _cgi(t: _Table) -> CgiSpec:
    rules = [
        _section(s, lambda r: DahuaRule(r.get("name", str), r.get("type", str), r.get("enable", bool)))
        for s in t.subs("rules")
    ]
    status = t.choice("analyse_status", (200, 400), int) if "analyse_status" in t.data else 200
    return CgiSpec(
        scene=t.get("scene", str), rules=tuple(rules), processor=t.get("processor", str), analyse_status=status
    )


def _axis(t: _Table) -> AxisSpec:
    apps = [
        _section(a, lambda x: AxisApp(x.get("name", str), x.get("nice_name", str), x.get("vendor", str),
                                      x.choice("status", ("Running", "Stopped"))))
        for a in t.subs("applications")
    ]  # fmt: skip
    return AxisSpec(applications=tuple(apps), anonymous=t.get("anonymous", bool, True))


def _sunapi(t: _Table) -> SunapiSpec:
    return SunapiSpec(event_types=t.strs("event_types"), rule_sources=t.strs("rule_sources"))


def _reolink(t: _Table) -> ReolinkSpec:
    return ReolinkSpec(
        face_support=t.get("face_support", bool),
        face_enabled=t.get("face_enabled", bool),
        face_alarm=t.get("face_alarm", bool, False),
    )
