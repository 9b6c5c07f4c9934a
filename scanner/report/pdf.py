"""The PDF report: the HTML report laid out by WeasyPrint (optional), which never fetches anything."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.declared.records import Reconciliation
from scanner.errors import CamauditError
from scanner.model import ScanResult
from scanner.report.bundle.params import BundleParams
from scanner.report.html import render_html
from scanner.report.i18n import Catalog

INSTALL_HINT = (
    "PDF output needs WeasyPrint: `pip install weasyprint` in camaudit's environment, and Debian's "
    "libpango-1.0-0 and libpangoft2-1.0-0 (plus fonts-noto-cjk for Chinese)"
)


FONT_HINT = (
    "a Chinese PDF needs a Chinese (CJK) font, and none is installed: install one (Debian: `apt-get install "
    "fonts-noto-cjk`), or write the PDF in English (--lang en)"
)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")


class PdfUnavailableError(CamauditError):
    """WeasyPrint (or the Pango library it needs), or a font the language needs, is not installed."""


def has_cjk_font(list_fonts: Callable[[], str] | None = None) -> bool:
    """Whether fontconfig knows a font covering Chinese; without fc-list, whether a CJK font file is on disk.

    Without one, WeasyPrint draws Chinese text as empty boxes and still exits happily: refuse instead."""
    listed = (list_fonts or _fc_list)()
    if listed:
        return True
    if shutil.which("fc-list"):
        return False
    return any(any(folder.rglob(pattern)) for folder in FONT_DIRS if folder.is_dir() for pattern in ("*CJK*", "*wqy*"))


def _fc_list() -> str:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ""
    done = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30)  # noqa: S603
    return done.stdout.strip()


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
    reconciliation: Reconciliation | None = None,
) -> bytes:
    """The PDF of the same page as `render_html`; PdfUnavailableError for Chinese without a Chinese font."""
    if catalog.lang == "zh" and not has_cjk_font():
        raise PdfUnavailableError(FONT_HINT)
    page = render_html(
        result, catalog, jurisdiction=jurisdiction, params=params, for_print=True, reconciliation=reconciliation
    )
    return html_to_pdf(page)
