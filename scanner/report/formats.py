"""The report formats (json, html, pdf, csv) behind one small interface, chosen from an explicit table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scanner.declared.records import Reconciliation
from scanner.errors import UsageError
from scanner.model import ScanResult
from scanner.report.bundle.params import BundleParams
from scanner.report.csv_report import render_csv
from scanner.report.html import render_html
from scanner.report.i18n import Catalog
from scanner.report.json_report import render as render_json
from scanner.report.pdf import render_pdf


@dataclass(frozen=True)
class RenderContext:
    """What a format needs besides the scan: the reader's words, which legal notes, how the scan was run, and the
    operator's declared inventory reconciled with it (the HTML and PDF pages show it)."""

    catalog: Catalog
    jurisdiction: str = "all"
    params: BundleParams | None = None
    reconciliation: Reconciliation | None = None


class ReportFormat(Protocol):
    """One output format: its name (as `--format` spells it), file suffix and media type, and its renderer."""

    @property
    def name(self) -> str: ...

    @property
    def suffix(self) -> str: ...

    @property
    def media_type(self) -> str: ...

    def render(self, result: ScanResult, context: RenderContext) -> str | bytes:
        """The whole file: text (UTF-8 when written) or bytes."""
        ...


@dataclass(frozen=True)
class JsonFormat:
    name: str = "json"
    suffix: str = ".json"
    media_type: str = "application/json"

    def render(self, result: ScanResult, context: RenderContext) -> str:
        return render_json(result)  # the contract is English and language-free: the context does not apply


@dataclass(frozen=True)
class HtmlFormat:
    name: str = "html"
    suffix: str = ".html"
    media_type: str = "text/html; charset=utf-8"

    def render(self, result: ScanResult, context: RenderContext) -> str:
        return render_html(
            result, context.catalog, context.jurisdiction, params=context.params, reconciliation=context.reconciliation
        )


@dataclass(frozen=True)
class PdfFormat:
    name: str = "pdf"
    suffix: str = ".pdf"
    media_type: str = "application/pdf"

    def render(self, result: ScanResult, context: RenderContext) -> bytes:
        return render_pdf(
            result, context.catalog, context.jurisdiction, params=context.params, reconciliation=context.reconciliation
        )


@dataclass(frozen=True)
class CsvFormat:
    name: str = "csv"
    suffix: str = ".csv"
    media_type: str = "text/csv; charset=utf-8"

    def render(self, result: ScanResult, context: RenderContext) -> str:
        return render_csv(result, context.catalog, bom=True)  # the byte-order mark: spreadsheets then read UTF-8


FORMATS: tuple[ReportFormat, ...] = (JsonFormat(), HtmlFormat(), PdfFormat(), CsvFormat())
FORMAT_NAMES = tuple(f.name for f in FORMATS)


def format_named(name: str) -> ReportFormat:
    """The format of that name; UsageError for any other."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise UsageError(f"unknown report format {name!r} (one of {', '.join(FORMAT_NAMES)})")
