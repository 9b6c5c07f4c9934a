"""The PDF report: the HTML report laid out by WeasyPrint (optional), which never fetches anything."""

from __future__ import annotations

from typing import Any

from scanner.errors import CamauditError
from scanner.model import ScanResult
from scanner.report.bundle.params import BundleParams
from scanner.report.html import render_html
from scanner.report.i18n import Catalog

INSTALL_HINT = (
    "PDF output needs WeasyPrint: `pip install weasyprint` in camaudit's environment, and Debian's "
    "libpango-1.0-0 and libpangoft2-1.0-0 (plus fonts-noto-cjk for Chinese)"
)


class PdfUnavailableError(CamauditError):
    """WeasyPrint (or the Pango library it needs) is not installed."""


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict[str, Any]:
    # The page is self-contained; a URL to fetch can only come from device data, so nothing is ever fetched.
    raise ValueError(f"camaudit's PDF renderer fetches nothing ({url[:60]!r})")


def html_to_pdf(html_text: str) -> bytes:
    """The PDF bytes of a self-contained HTML page; PdfUnavailableError when WeasyPrint cannot run here."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint present but Pango missing
        raise PdfUnavailableError(f"{INSTALL_HINT} ({type(exc).__name__}: {exc})") from None
    document = weasyprint.HTML(string=html_text, url_fetcher=_no_fetcher(weasyprint), base_url=None)
    return bytes(document.write_pdf())


def _no_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that refuses everything: a URLFetcher subclass since WeasyPrint 70, a function before."""
    base = getattr(getattr(weasyprint, "urls", None), "URLFetcher", None)
    if base is None:
        return _refuse_fetch

    class _NoFetch(base):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: object = None) -> Any:
            return _refuse_fetch(url)

    return _NoFetch()


def render_pdf(
    result: ScanResult,
    catalog: Catalog,
    jurisdiction: str = "all",
    params: BundleParams | None = None,
) -> bytes:
    """The PDF of the same page as `render_html`."""
    return html_to_pdf(render_html(result, catalog, jurisdiction=jurisdiction, params=params, for_print=True))
