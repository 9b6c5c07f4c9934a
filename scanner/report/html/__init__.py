"""The HTML report: one self-contained, print-friendly page for a non-expert, rendered from the scan's records.

Page 1 tells the story (what was found, where, how sure, what was not checked); then one line per device; then where
face data goes (a flow diagram and every route); then one card per device, its strongest proof first and the rest
folded (opened when printed); then the law, the scan's metadata and the glossary.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from scanner.declared.records import Reconciliation
from scanner.model import ScanResult
from scanner.report.bundle.params import BundleParams
from scanner.report.html.cards import cards
from scanner.report.html.closing import glossary, legal, metadata
from scanner.report.html.declared import declared
from scanner.report.html.flow import flow
from scanner.report.html.story import incomplete, masthead, overview, story
from scanner.report.html.tally import Summary, summarize, summary_sentence, tone
from scanner.report.html.words import t
from scanner.report.i18n import CAMERA, Catalog, LegalNote, load_legal, select_notes

__all__ = ["Summary", "render_html", "summarize", "summary_sentence", "tone"]


def render_html(
    result: ScanResult,
    catalog: Catalog,
    jurisdiction: str = "all",
    notes: Sequence[LegalNote] | None = None,
    params: BundleParams | None = None,
    for_print: bool = False,
    reconciliation: Reconciliation | None = None,
) -> str:
    """The whole page. `params` (the bundle's scan parameters) adds to the metadata when known; `for_print` opens
    every folded part (the PDF); `reconciliation` (the operator's inventory against this scan) adds "declared versus
    found" under the story."""
    notes = load_legal() if notes is None else notes
    select_notes(notes, jurisdiction, CAMERA, "active")  # rejects an unknown jurisdiction early
    body = "".join(
        (
            masthead(result, catalog),
            "<main>",
            incomplete(result, catalog),
            story(result, catalog),
            declared(reconciliation, catalog, jurisdiction, notes),
            overview(result, catalog),
            flow(result, catalog),
            cards(result, catalog),
            legal(result, catalog, jurisdiction, notes),
            metadata(result, catalog, params),
            glossary(catalog),
            f"<footer>{t(catalog, 'footer.text')}</footer>",
            "</main>",
        )
    )
    if for_print:
        body = body.replace("<details class=", "<details open class=")
    lang = "zh-CN" if catalog.lang == "zh" else catalog.lang
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{t(catalog, 'report.title')}</title><style>{_css()}</style></head>"
        f"<body>{body}</body></html>\n"
    )


@lru_cache(maxsize=1)
def _css() -> str:
    return resources.files("scanner.report").joinpath("data", "report.css").read_text(encoding="utf-8")
