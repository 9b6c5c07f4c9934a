"""The HTML report: one self-contained, print-friendly page for a non-expert, rendered from the scan's records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources

from scanner import TOOL_NAME
from scanner.model import LEVELS, Channel, DeviceReport, Evidence, Finding, NotChecked, ScanResult, cut_short
from scanner.report.bundle.params import BundleParams
from scanner.report.i18n import (
    CAMERA,
    JURISDICTIONS,
    Catalog,
    LegalNote,
    load_legal,
    select_notes,
)
from scanner.report.json_report import SCHEMA_VERSION

FACE_LEVELS = ("active", "configured", "capable")
# Card and tile order: the most serious first; "none" is a device that is not a camera.
TONES = ("active", "configured", "capable", "unknown", "not_found", "none")
NOW_LEVELS = frozenset({"configured", "active"})  # a legal note "applies now"; for capable, once switched on


@dataclass(frozen=True)
class Summary:
    """How many devices, cameras, and cameras at each verdict."""

    devices: int
    cameras: int
    by_verdict: Mapping[str, int]

    @property
    def others(self) -> int:
        return self.devices - sum(self.by_verdict.values())


def summarize(result: ScanResult) -> Summary:
    cameras = [d for d in result.devices if d.is_camera]
    counts = {v: sum(1 for d in result.devices if tone(d) == v) for v in TONES[:-1]}
    return Summary(len(result.devices), len(cameras), counts)


def tone(device: DeviceReport) -> str:
    """The colour class of a device: its verdict, or `none` when it is not a camera (a device whose audit was
    cut before it could say what it is stays `unknown`)."""
    return device.face_analytics.value if device.is_camera or device.face_analytics == "unknown" else "none"


def summary_sentence(result: ScanResult, catalog: Catalog) -> str:
    """One plain sentence (no markup) for the page and the console."""
    s = summarize(result)
    counts = {k: s.by_verdict[k] for k in TONES[:-1]}
    return catalog.t(
        "summary.sentence",
        cameras=catalog.n("count.cameras", s.cameras),
        devices=catalog.n("count.devices", s.devices),
        **counts,
    )


def headline_key(summary: Summary) -> str:
    if not summary.cameras:
        return "headline.no_cameras"
    worst = next(v for v in TONES[:-1] if summary.by_verdict[v] or v == "not_found")
    return f"headline.{worst}"


def render_html(
    result: ScanResult,
    catalog: Catalog,
    jurisdiction: str = "all",
    notes: Sequence[LegalNote] | None = None,
    params: BundleParams | None = None,
) -> str:
    """The whole page. `params` (the bundle's scan parameters) adds to the metadata when known."""
    notes = load_legal() if notes is None else notes
    select_notes(notes, jurisdiction, CAMERA, "active")  # rejects an unknown jurisdiction early
    body = "".join(
        (
            _masthead(result, catalog),
            "<main>",
            _incomplete(result, catalog),
            _summary(result, catalog),
            _devices(result, catalog),
            _legal(result, catalog, jurisdiction, notes),
            _metadata(result, catalog, params),
            _glossary(catalog),
            f"<footer>{_t(catalog, 'footer.text')}</footer>",
            "</main>",
        )
    )
    lang = "zh-CN" if catalog.lang == "zh" else catalog.lang
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_t(catalog, 'report.title')}</title><style>{_css()}</style></head>"
        f"<body>{body}</body></html>\n"
    )


# ---- small helpers: every word comes from the catalogue, every datum is escaped and marked as data


def _t(catalog: Catalog, key: str, **markup: object) -> str:
    """A translated message, escaped; `markup` values are already-safe HTML put into its placeholders."""
    return escape(catalog.t(key)).format_map(markup) if markup else escape(catalog.t(key))


def _data(value: object, tag: str = "span") -> str:
    """A value from the device or the scan: shown as is, escaped, and marked so it is never mistaken for prose."""
    return f'<{tag} class="data">{escape("" if value is None else str(value))}</{tag}>'


def _join(catalog: Catalog, items: Sequence[str]) -> str:
    """Already-safe HTML items joined with the language's list separator."""
    return escape(catalog.t("list.separator")).join(items)


def _term(catalog: Catalog, prefix: str, value: object) -> str:
    """The translation of a known token (protocol, discovery method...), or the token itself as data."""
    key = f"{prefix}.{value}"
    return _t(catalog, key) if catalog.has(key) else _data(value)


@lru_cache(maxsize=1)
def _css() -> str:
    return resources.files("scanner.report").joinpath("data", "report.css").read_text(encoding="utf-8")


# ---- page sections


def _masthead(result: ScanResult, catalog: Catalog) -> str:
    targets = ", ".join(result.targets)
    line = _t(catalog, "report.subtitle", targets=_data(targets), started=_data(result.started_at))
    return (
        f'<header class="masthead"><div class="inner"><h1>{_t(catalog, "report.title")}</h1>'
        f"<p>{line}</p></div></header>"
    )


def _summary(result: ScanResult, catalog: Catalog) -> str:
    s = summarize(result)
    key = headline_key(s)
    worst = key.split(".", 1)[1] if s.cameras else "none"
    tiles = "".join(_tile(catalog, v, s.by_verdict[v]) for v in TONES[:-1])
    tiles += _tile(catalog, "none", s.others)
    return (
        f'<section id="summary" class="summary tone-{worst}"><h2>{_t(catalog, "summary.heading")}</h2>'
        f'<p class="headline">{_t(catalog, key)}</p><div class="tiles">{tiles}</div>'
        f'<p class="sentence">{escape(summary_sentence(result, catalog))}</p></section>'
    )


def _incomplete(result: ScanResult, catalog: Catalog) -> str:
    """A warning at the top when the scan stopped early or some device's checks were cut short: their verdicts
    say "not checked", never "none found", and the reader must know before reading any number."""
    cut = [d for d in result.devices if cut_short(d)]
    if not result.partial and not cut:
        return ""
    devices = _join(catalog, [_data(d.address) for d in cut[:20]]) + (" …" if len(cut) > 20 else "")
    lines = [f"<p>{_t(catalog, 'incomplete.partial')}</p>"] if result.partial else []
    if cut:
        lines.append(f"<p>{_t(catalog, 'incomplete.devices', count=_data(len(cut)), devices=devices)}</p>")
    return (f'<section id="incomplete" class="incomplete"><h2>{_t(catalog, "incomplete.heading")}</h2>'
            f'{"".join(lines)}</section>')  # fmt: skip


def _tile(catalog: Catalog, verdict: str, count: int) -> str:
    zero = " zero" if count == 0 else ""
    return (
        f'<div class="tile tone-{verdict}{zero}"><div class="count">{count}</div>'
        f'<div class="word">{_t(catalog, f"verdict.{verdict}.word")}</div>'
        f'<div class="meaning">{_t(catalog, f"verdict.{verdict}.tile")}</div></div>'
    )


def _devices(result: ScanResult, catalog: Catalog) -> str:
    devices = result.devices
    ordered = sorted(enumerate(devices), key=lambda pair: (TONES.index(tone(pair[1])), pair[0]))
    cards = "".join(_card(catalog, device) for _, device in ordered)
    if not devices:
        cards = f'<p class="none">{_t(catalog, "devices.none")}</p>'
    return (
        f'<section class="devices"><h2>{_t(catalog, "devices.heading")}</h2>'
        f'<p class="intro">{_t(catalog, "devices.intro")}</p>{cards}</section>'
    )


def _card(catalog: Catalog, device: DeviceReport) -> str:
    kind = tone(device)
    name = " ".join(x for x in (device.identity.vendor, device.identity.model) if x)
    title = _data(name) if name else _t(catalog, "device.unnamed")
    head = (
        f'<header class="card-head"><div><h3>{title}</h3><div class="where">{_data(device.address)}'
        f'</div></div><span class="badge">{_t(catalog, f"verdict.{kind}.word")}</span></header>'
    )
    return (
        f'<article class="device-card tone-{kind}">{head}'
        f'<p class="verdict-sentence">{_t(catalog, f"verdict.{kind}.sentence")}</p>'
        f"{_facts(catalog, device)}{_findings(catalog, device)}{_unchecked(catalog, device)}</article>"
    )


def _facts(catalog: Catalog, device: DeviceReport) -> str:
    unknown = _t(catalog, "value.not_revealed")
    ident = device.identity
    known = (device.address, ident.mac, ident.vendor, ident.model, ident.firmware, ident.serial)
    names = ("address", "mac", "vendor", "model", "firmware", "serial")
    rows = [(f"field.{k}", _data(value) if value else unknown) for k, value in zip(names, known, strict=True)]
    services = [f"{_term(catalog, 'service', s.protocol)} {_data(s.port)}" for s in device.services]
    found = [_term(catalog, "method", m) for m in device.discovered_by]
    rows.append(("field.services", _join(catalog, services) or unknown))
    rows.append(("field.discovered_by", _join(catalog, found) or unknown))
    rows.insert(0, ("field.role", _t(catalog, f"role.{device.role}")))
    if device.channels:
        rows.append(("field.channels", "<br>".join(_channel(catalog, c) for c in device.channels)))
    if device.is_camera:
        rows.append(("field.coverage", _coverage(catalog, device)))
    cells = "".join(f"<dt>{_t(catalog, k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<dl class="facts">{cells}</dl>'


def _channel(catalog: Catalog, channel: Channel) -> str:
    """A channel and, where the device lists it, the camera behind it (address, model, serial)."""
    behind = [_data(v) for v in (channel.name, channel.address, channel.model, channel.serial) if v]
    label = _t(catalog, "findings.channel", channel=_data(channel.id))
    return label + (f"{_t(catalog, 'list.colon')}{_join(catalog, behind)}" if behind else "")


def _coverage(catalog: Catalog, device: DeviceReport) -> str:
    counts = {state: _data(len(getattr(device.coverage, state))) for state in ("read", "absent", "unread")}
    return _t(catalog, "coverage.line", **counts)


def _findings(catalog: Catalog, device: DeviceReport) -> str:
    findings = sorted(device.findings, key=lambda f: LEVELS.index(f.level), reverse=True)
    if not findings:
        return ""
    channels = {c.id: c for c in device.channels}
    items = "".join(_finding(catalog, f, channels) for f in findings)
    return f'<h4>{_t(catalog, "findings.heading")}</h4><ul class="findings">{items}</ul>'


def _finding(catalog: Catalog, finding: Finding, channels: Mapping[str, Channel] | None = None) -> str:
    feature = _term(catalog, "feature", finding.feature)
    help_key = f"feature_help.{finding.feature}"
    help_text = f"<div>{_t(catalog, help_key)}</div>" if catalog.has(help_key) else ""
    level = f'<span class="level tone-{finding.level}">{_term(catalog, "level", finding.level)}</span>'
    confidence = _t(catalog, "findings.confidence", level=_term(catalog, "confidence", finding.confidence))
    evidence = "".join(_evidence(catalog, e, finding.rule) for e in finding.evidence)
    where = ""
    if finding.channel is not None:
        known = (channels or {}).get(finding.channel) or Channel(finding.channel)
        where = f' · <span class="channel">{_channel(catalog, known)}</span>'
    return f'<li><span class="finding-title">{feature}</span>{where} · {level} · {confidence}{help_text}{evidence}</li>'


def _evidence(catalog: Catalog, evidence: Evidence, rule: str) -> str:
    return (
        f'<div class="evidence"><div><span class="label">{_t(catalog, "evidence.request")}</span> '
        f"{_data(evidence.request, 'code')}</div>"
        f'<div class="label">{_t(catalog, "evidence.excerpt")}</div>'
        f'<pre class="excerpt data">{escape(evidence.excerpt)}</pre>'
        f'<div><span class="label">{_t(catalog, "evidence.sha256")}</span> {_data(evidence.sha256, "code")}'
        f' · <span class="label">{_t(catalog, "evidence.at")}</span> {_data(evidence.at)}'
        f' · <span class="label">{_t(catalog, "evidence.rule")}</span> {_data(rule, "code")}</div></div>'
    )


def _unchecked(catalog: Catalog, device: DeviceReport) -> str:
    if not device.not_checked:
        return ""
    colon = _t(catalog, "list.colon")
    items = "".join(
        f"<li><strong>{_check(catalog, n.check)}</strong>{colon}{_reason(catalog, n)}</li>" for n in device.not_checked
    )
    return f'<h4>{_t(catalog, "not_checked.heading")}</h4><ul class="unchecked">{items}</ul>'


def _check(catalog: Catalog, check: str) -> str:
    """A check id in words: the longest known dotted prefix (`onvif.analytics.rules` -> `onvif.analytics`)."""
    parts = check.split(".")
    for end in range(len(parts), 0, -1):
        key = "check." + ".".join(parts[:end])
        if catalog.has(key):
            return f"{_t(catalog, key)} {_data(check, 'code')}"
    return _t(catalog, "check.other", check=_data(check, "code"))


def _reason(catalog: Catalog, entry: NotChecked) -> str:
    """A not_checked entry's reason in the catalogue's words, with its detail shown as data."""
    code, detail = entry.reason, entry.detail
    template = catalog.t(f"reason.{code}")
    if "{detail}" in template:
        return _t(catalog, f"reason.{code}", detail=_data(detail))
    return _t(catalog, f"reason.{code}") + (f" ({_data(detail)})" if detail else "")


def _legal(result: ScanResult, catalog: Catalog, jurisdiction: str, notes: Sequence[LegalNote]) -> str:
    triggers = _triggers(result)
    wanted = JURISDICTIONS if jurisdiction == "all" else (jurisdiction,)
    blocks = []
    for place in wanted:
        shown = []
        for note in (n for n in notes if n.jurisdiction == place):
            hits = [t for t in triggers if note.triggered_by(t[0], t[1])]
            if hits:
                shown.append(_legal_note(catalog, note, hits))
        body = "".join(shown) or f'<p class="none">{_t(catalog, "legal.none")}</p>'
        blocks.append(f'<h3 class="jurisdiction">{_t(catalog, f"jurisdiction.{place}")}</h3>{body}')
    return (
        f'<section class="legal" id="legal"><h2>{_t(catalog, "legal.heading")}</h2>'
        f'<p class="intro">{_t(catalog, "legal.intro")}</p>{"".join(blocks)}'
        f'<p class="disclaimer">{_t(catalog, "legal.disclaimer")}</p></section>'
    )


def _triggers(result: ScanResult) -> list[tuple[str, str, str]]:
    """(feature, level, address) for every finding on a camera, plus ("camera", "active", address) per camera."""
    found = []
    for device in (d for d in result.devices if d.is_camera):
        found.append((CAMERA, "active", device.address))
        found += [(f.feature.value, f.level.value, device.address) for f in device.findings]
    return found


def _legal_note(catalog: Catalog, note: LegalNote, hits: list[tuple[str, str, str]]) -> str:
    now = list(dict.fromkeys(address for _, level, address in hits if level in NOW_LEVELS))
    later = [a for a in dict.fromkeys(address for _, _, address in hits) if a not in now]
    applies = "".join(
        f'<p class="applies {css}">{_t(catalog, key, devices=_join(catalog, [_data(a) for a in addresses]))}</p>'
        for css, key, addresses in (("now", "legal.applies_now", now), ("later", "legal.applies_if_enabled", later))
        if addresses
    )
    links = " ".join(f'<a class="data" href="{escape(url)}">{escape(url)}</a>' for url in note.sources)
    return (
        f'<div class="legal-note"><h4>{escape(note.cite[catalog.lang])}</h4>'
        f"<p>{escape(note.text[catalog.lang])}</p>{applies}"
        f'<p class="sources">{_t(catalog, "legal.sources")} {links}</p></div>'
    )


def _metadata(result: ScanResult, catalog: Catalog, params: BundleParams | None) -> str:
    rows = [
        ("meta.tool", _data(f"{TOOL_NAME} {result.tool_version}".strip())),
        ("meta.schema", _data(SCHEMA_VERSION)),
        ("meta.started", _data(result.started_at)),
        ("meta.finished", _data(result.finished_at)),
        ("meta.targets", _data(", ".join(result.targets))),
        ("meta.partial", _t(catalog, "value.yes" if result.partial else "value.no")),
    ]
    known = {k: getattr(params, k) for k in PARAM_FIELDS} if params else {}
    rows += [(f"meta.param.{k}", _data(_flat(v))) for k, v in known.items() if v not in (None, "", ())]
    for error in result.errors:
        stage = _term(catalog, "stage", error.stage)
        rows.append(("meta.error", f"{stage}{_t(catalog, 'list.colon')}{_data(error.message)}"))
    cells = "".join(f"<tr><th>{_t(catalog, k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<section id="meta"><h2>{_t(catalog, "meta.heading")}</h2><table class="meta">{cells}</table></section>'


PARAM_FIELDS = ("ports", "probes", "observe_window", "signature_digest", "host", "interface")


def _flat(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)


def _glossary(catalog: Catalog) -> str:
    verdicts = "".join(
        f"<dt>{_t(catalog, f'verdict.{v}.word')}</dt><dd>{_t(catalog, f'verdict.{v}.sentence')}</dd>" for v in TONES
    )
    return (
        f'<section id="glossary"><h2>{_t(catalog, "glossary.heading")}</h2>'
        f'<p class="intro">{_t(catalog, "glossary.intro")}</p><dl class="glossary">{verdicts}</dl></section>'
    )
