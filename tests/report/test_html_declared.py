"""The "declared versus found" section of the HTML report: where it stands, what it lists, escaping of the
operator's file (hostile input too), both languages, and the notes on impact assessments."""

from __future__ import annotations

import re

import pytest

from scanner.declared.reconcile import reconcile
from scanner.declared.records import Declaration, DeclaredRow, FaceUse
from scanner.report.html import render_html
from scanner.report.i18n import DECLARATION, load_catalog, load_legal, select_notes
from tests.report.sample import HOSTILE, sample_scan
from tests.report.test_html import LATIN_ALLOWED, _parse


def _reconciliation(maker: str = "Dahua", location: str = "Main gate"):
    rows = (
        DeclaredRow(2, serial="DH-0002", maker=maker, location=location, face_use=FaceUse.NONE, face_text="无"),
        DeclaredRow(3, address="127.77.0.40", serial="DS-HIK-0001", face_use=FaceUse.RECOGNITION),  # moved
        DeclaredRow(4, address="127.77.0.60", serial="GONE", face_text="有时开启"),  # absent, unreadable use
        DeclaredRow(5, address="127.77.0.14", face_use=FaceUse.NONE),  # unknown verdict
        DeclaredRow(6, address="127.77.0.20"),  # the printer
        DeclaredRow(7, address="127.77.0.13", model="Q1615", face_use=FaceUse.NONE),  # model differs
    )
    declared = Declaration("清单 inventory.xlsx", "ab" * 32, "xlsx", "Sheet1", "G", rows)
    return reconcile(sample_scan(), declared)


def _page(lang: str = "en", jurisdiction: str = "all", **kw) -> str:
    return render_html(sample_scan(), load_catalog(lang), jurisdiction, reconciliation=_reconciliation(**kw))


def test_the_section_stands_between_the_summary_and_the_devices():
    html = _page()
    assert html.index('id="summary"') < html.index('id="declared"') < html.index('class="devices"')
    assert 'id="declared"' not in render_html(sample_scan(), load_catalog("en"))


def test_it_lists_the_four_results_and_the_notes_that_go_with_them():
    html = _page()
    face = html[html.index('id="declared-undeclared_face"') : html.index('id="declared-undeclared_devices"')]
    assert "Face capture found, declared none" in face and "dahua.facedetect.enabled" in face
    assert 'href="#device-127.77.0.11"' in face and 'id="device-127.77.0.11"' in html
    undeclared = html[html.index('id="declared-undeclared_devices"') : html.index('id="declared-declared_not_found"')]
    assert "127.77.0.12" in undeclared and "tt:FaceRecognition" in undeclared  # capable, undeclared
    missing = html[html.index('id="declared-declared_not_found"') : html.index('id="declared-unconfirmed"')]
    assert "nothing answered at its declared address" in missing and "127.77.0.60" in missing
    assert "needs a login" in html[html.index('id="declared-unconfirmed"') :]
    assert "declared at" in html and "(same serial number)" in html
    assert "declared model" in html and "Q1615" in html
    assert "有时开启" in html[html.index('id="declared-unmapped"') :]
    assert "Face use was found that the operator did not declare." in html


def test_the_operators_file_is_escaped_like_device_data():
    html = _page(maker=HOSTILE, location="<b>Lobby</b>")
    assert HOSTILE not in html and "<b>Lobby</b>" not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    page = _parse(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags


def test_chinese_section_has_no_untranslated_prose():
    page = _parse(_page("zh"))
    prose = " ".join(page.prose)
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]", prose))
    leftovers = {w for w in words if w not in LATIN_ALLOWED and not re.fullmatch(r"(GB|T|[a-c])", w)}
    assert not leftovers, f"English left in the Chinese report: {sorted(leftovers)}"
    assert "申报与发现对照" in prose and "发现人脸抓拍，申报为无" in prose


@pytest.mark.parametrize(
    ("jurisdiction", "shown", "hidden"),
    [("cn", "第五十六条", "GDPR, Article 35(7)"), ("eu", "GDPR, Article 35(7) and (11)", "Articles 55 and 56: the")],
)
def test_the_impact_assessment_note_follows_the_jurisdiction(jurisdiction, shown, hidden):
    html = _page("en" if jurisdiction == "eu" else "zh", jurisdiction)
    section = html[html.index('id="declared"') : html.index('class="devices"')]
    assert shown in section and hidden not in section


def test_assessment_notes_are_never_triggered_by_findings():
    notes = load_legal()
    assert {n.id for n in select_notes(notes, "all", DECLARATION, "active")} == {
        "cn.pipl.55-56.declared",
        "eu.gdpr.35.declared",
    }
    html = render_html(sample_scan(), load_catalog("en"), "all", reconciliation=_reconciliation())
    legal = html[html.index('id="legal"') :]
    assert "Articles 55 and 56: the" not in legal and "Article 35(7)" not in legal


def test_the_pdf_has_the_section_too(tmp_path):
    import shutil
    import subprocess

    from scanner.report import pdf
    from tests.report.test_pdf import _weasyprint_works

    if not _weasyprint_works():
        pytest.skip("WeasyPrint (and Debian's Pango) not installed")
    data = pdf.render_pdf(sample_scan(), load_catalog("zh"), reconciliation=_reconciliation())
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        text = "".join(text.split())  # lines wrap anywhere in Chinese
        assert "申报与发现对照" in text and "发现人脸抓拍，申报为无" in text
