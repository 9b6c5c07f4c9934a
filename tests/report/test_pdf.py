"""The PDF report: WeasyPrint renders the same page (Chinese included); without it, a clear error."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from scanner.report import pdf
from scanner.report.i18n import load_catalog
from scanner.report.json_report import write_atomic
from tests.report.sample import sample_scan


def _weasyprint_works() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


needs_weasyprint = pytest.mark.skipif(not _weasyprint_works(), reason="WeasyPrint (and Debian's Pango) not installed")


@needs_weasyprint
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_is_rendered(tmp_path, lang):
    data = pdf.render_pdf(sample_scan(), load_catalog(lang))
    assert data.startswith(b"%PDF-") and len(data) > 20_000
    path = tmp_path / f"report-{lang}.pdf"
    write_atomic(path, data)
    assert path.read_bytes() == data
    if shutil.which("pdftotext"):  # poppler-utils: check the words really are in the PDF
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        title = load_catalog(lang).t("report.title")
        assert title in text
        assert "alert(" in text  # the hostile excerpt is shown as text
        if lang == "zh":
            assert "正在使用" in text


@needs_weasyprint
def test_the_renderer_fetches_nothing():
    with pytest.raises(ValueError, match="fetches nothing"):
        pdf._refuse_fetch("http://198.51.100.1/x.png")
    page = '<html><body><img src="http://198.51.100.1/x.png"><p>ok</p></body></html>'
    assert pdf.html_to_pdf(page).startswith(b"%PDF-")  # the image is refused, the page still renders


def test_missing_weasyprint_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # makes `import weasyprint` raise ImportError
    with pytest.raises(pdf.PdfUnavailableError, match="pip install weasyprint"):
        pdf.render_pdf(sample_scan(), load_catalog("en"))


def test_chinese_without_a_chinese_font_is_refused_in_one_line(monkeypatch):
    real = pdf.has_cjk_font
    monkeypatch.setattr(pdf, "has_cjk_font", lambda: False)
    with pytest.raises(pdf.PdfUnavailableError) as refused:
        pdf.render_pdf(sample_scan(), load_catalog("zh"))
    assert "fonts-noto-cjk" in str(refused.value) and "\n" not in str(refused.value)
    assert real(lambda: "Noto Sans CJK SC") is True


def test_english_needs_no_chinese_font(monkeypatch):
    monkeypatch.setattr(pdf, "has_cjk_font", lambda: False)
    if _weasyprint_works():
        assert pdf.render_pdf(sample_scan(), load_catalog("en")).startswith(b"%PDF")
