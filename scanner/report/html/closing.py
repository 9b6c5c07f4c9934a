"""The end of the report: the legal notes the findings trigger, the scan's metadata, and the glossary."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from scanner import TOOL_NAME
from scanner.model import ScanResult
from scanner.report.bundle.params import BundleParams
from scanner.report.html.tally import TONES
from scanner.report.html.words import data, join, t, term
from scanner.report.i18n import CAMERA, CROSS_BORDER, JURISDICTIONS, THIRD_PARTY, Catalog, LegalNote
from scanner.report.json_report import SCHEMA_VERSION
from scanner.vocabulary import Place

NOW_LEVELS = frozenset({"configured", "active"})  # a legal note "applies now"; for capable, once switched on
OUTSIDE = frozenset({Place.INTERNET, Place.VENDOR_CLOUD, Place.UNRESOLVED})  # may be abroad
PARAM_FIELDS = ("ports", "probes", "observe_window", "signature_digest", "host", "interface")


def legal(result: ScanResult, catalog: Catalog, jurisdiction: str, notes: Sequence[LegalNote]) -> str:
    triggers = _triggers(result)
    wanted = JURISDICTIONS if jurisdiction == "all" else (jurisdiction,)
    blocks = []
    for place in wanted:
        shown = []
        for note in (n for n in notes if n.jurisdiction == place):
            hits = [tr for tr in triggers if note.triggered_by(tr[0], tr[1])]
            if hits:
                shown.append(_legal_note(catalog, note, hits))
        body = "".join(shown) or f'<p class="none">{t(catalog, "legal.none")}</p>'
        blocks.append(f'<h3 class="jurisdiction">{t(catalog, f"jurisdiction.{place}")}</h3>{body}')
    return (
        f'<section class="legal" id="legal"><h2>{t(catalog, "legal.heading")}</h2>'
        f'<p class="intro">{t(catalog, "legal.intro")}</p>{"".join(blocks)}'
        f'<p class="disclaimer">{t(catalog, "legal.disclaimer")}</p></section>'
    )


def _triggers(result: ScanResult) -> list[tuple[str, str, str]]:
    """(feature, level, address) for every finding on a camera, plus ("camera", "active", address) per camera, and
    the destinations' pseudo-features (configured: the device's settings send there now)."""
    found = []
    for device in (d for d in result.devices if d.is_camera):
        found.append((CAMERA, "active", device.address))
        found += [(f.feature.value, f.level.value, device.address) for f in device.findings]
    for device in result.devices:
        places = {d.place for d in device.destinations}
        if places - {Place.PREMISES, None}:
            found.append((THIRD_PARTY, "configured", device.address))
        if places & OUTSIDE:
            found.append((CROSS_BORDER, "configured", device.address))
    return found


def _legal_note(catalog: Catalog, note: LegalNote, hits: list[tuple[str, str, str]]) -> str:
    now = list(dict.fromkeys(address for _, level, address in hits if level in NOW_LEVELS))
    later = [a for a in dict.fromkeys(address for _, _, address in hits) if a not in now]
    applies = "".join(
        f'<p class="applies {css}">{t(catalog, key, devices=join(catalog, [data(a) for a in addresses]))}</p>'
        for css, key, addresses in (("now", "legal.applies_now", now), ("later", "legal.applies_if_enabled", later))
        if addresses
    )
    links = " ".join(f'<a class="data" href="{escape(url)}">{escape(url)}</a>' for url in note.sources)
    return (
        f'<div class="legal-note"><h4>{escape(note.cite[catalog.lang])}</h4>'
        f"<p>{escape(note.text[catalog.lang])}</p>{applies}"
        f'<p class="sources">{t(catalog, "legal.sources")} {links}</p></div>'
    )


def metadata(result: ScanResult, catalog: Catalog, params: BundleParams | None) -> str:
    rows = [
        ("meta.tool", data(f"{TOOL_NAME} {result.tool_version}".strip())),
        ("meta.schema", data(SCHEMA_VERSION)),
        ("meta.started", data(result.started_at)),
        ("meta.finished", data(result.finished_at)),
        ("meta.targets", data(", ".join(result.targets))),
        ("meta.partial", t(catalog, "value.yes" if result.partial else "value.no")),
    ]
    known = {k: getattr(params, k) for k in PARAM_FIELDS} if params else {}
    rows += [(f"meta.param.{k}", data(_flat(v))) for k, v in known.items() if v not in (None, "", ())]
    for error in result.errors:
        stage = term(catalog, "stage", error.stage)
        rows.append(("meta.error", f"{stage}{t(catalog, 'list.colon')}{data(error.message)}"))
    cells = "".join(f"<tr><th>{t(catalog, k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<section id="meta"><h2>{t(catalog, "meta.heading")}</h2><table class="meta">{cells}</table></section>'


def _flat(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)


def glossary(catalog: Catalog) -> str:
    verdicts = "".join(
        f"<dt>{t(catalog, f'verdict.{v}.word')}</dt><dd>{t(catalog, f'verdict.{v}.sentence')}</dd>" for v in TONES
    )
    return (
        f'<section id="glossary"><h2>{t(catalog, "glossary.heading")}</h2>'
        f'<p class="intro">{t(catalog, "glossary.intro")}</p><dl class="glossary">{verdicts}</dl></section>'
    )
