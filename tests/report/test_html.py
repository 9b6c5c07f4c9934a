"""The HTML report: structure, escaping of hostile device data, legal notes, and a complete Chinese translation."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from scanner.errors import UsageError
from scanner.report.bundle.params import BundleParams
from scanner.report.html import render_html, summarize, summary_sentence
from scanner.report.i18n import load_catalog
from tests.report.sample import HOSTILE, device, flow_scan, sample_scan, scan_with

# Words that stay as they are in a Chinese report: product, protocol and law names.
LATIN_ALLOWED = {
    "camaudit",
    "ONVIF",
    "RTSP",
    "HTTP",
    "HTTPS",
    "WS-Discovery",
    "nmap",
    "MAC",
    "SHA-256",
    "GDPR",
    "EDPB",
    "BIPA",
    "ILCS",
    "Media2",
    "UTC",
}


class _Page(HTMLParser):
    """Collects the prose of a page (text outside elements marked as data), and counts cards and summaries."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it (inside) data?
        self.prose: list[str] = []
        self.cards = 0
        self.summaries = 0
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        self.tags.append(tag)
        self.cards += "device-card" in classes
        self.summaries += found.get("id") == "summary"
        if tag not in ("meta", "br", "img", "link", "input"):
            inside = bool(self.stack and self.stack[-1])
            self.stack.append(inside or "data" in classes or tag in ("style", "code", "pre"))

    def handle_endtag(self, tag):
        if tag not in ("meta", "br", "img", "link", "input") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.prose.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_summary_and_one_card_per_device(lang):
    report = sample_scan()
    page = _parse(render_html(report, load_catalog(lang)))
    assert page.summaries == 1
    assert page.cards == len(report.devices) == 6


def test_hostile_device_text_is_escaped_everywhere():
    html = render_html(sample_scan(), load_catalog("en"))
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    assert "LaserJet &lt;b&gt;400&lt;/b&gt;" in html  # a hostile model name, too
    page = _parse(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert HOSTILE not in html


def test_the_page_is_self_contained():
    html = render_html(sample_scan(), load_catalog("en"))
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"<[^>]*\b(src|srcset)\s*=", html, re.I)  # escaped text has &lt;, never <
    style = html[html.index("<style>") : html.index("</style>")]
    assert "url(" not in style and "@import" not in style
    assert "@media print" in style


def test_cards_are_ordered_most_serious_first():
    html = render_html(sample_scan(), load_catalog("en"))
    order = re.findall(r'class="device-card tone-(\w+)"', html)
    assert order == ["active", "configured", "capable", "unknown", "not_found", "none"]


def test_summary_counts_and_sentence():
    report = sample_scan()
    s = summarize(report)
    assert (s.devices, s.cameras, s.others) == (6, 5, 1)
    assert dict(s.by_verdict) == {"active": 1, "configured": 1, "capable": 1, "unknown": 1, "not_found": 1}
    assert summary_sentence(report, load_catalog("en")).startswith("5 cameras among 6 devices: 1 with face")
    assert "摄像头 5 台" in summary_sentence(report, load_catalog("zh"))


def test_headline_speaks_of_the_worst_case():
    clean = scan_with(device("127.0.0.5", face_analytics="not_found"))
    assert "No face analytics was found" in render_html(clean, load_catalog("en"))
    assert "Face analytics is in use" in render_html(sample_scan(), load_catalog("en"))
    assert "No camera was found" in render_html(scan_with(), load_catalog("en"))


def test_what_could_not_be_checked_is_explained_in_the_readers_language():
    html = render_html(sample_scan(), load_catalog("zh"))
    assert "需要登录：未为该地址提供登录凭据" in html
    assert "设备未提供该接口" in html and "HTTP 404" in html
    assert "ONVIF 视频分析" in html  # onvif.analytics.rules -> its family's name


def test_an_unknown_reason_is_shown_verbatim_as_data():
    odd = scan_with(
        device("127.0.0.9", face_analytics="unknown", not_checked=[{"check": "x.y", "reason": "a brand new reason"}])
    )
    html = render_html(odd, load_catalog("zh"))
    assert '（原文）<span class="data">a brand new reason</span>' in html


def test_chinese_report_has_no_untranslated_prose():
    page = _parse(render_html(sample_scan(), load_catalog("zh"), jurisdiction="all"))
    prose = " ".join(page.prose)
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]", prose))
    leftovers = {w for w in words if w not in LATIN_ALLOWED and not re.fullmatch(r"(GB|T|[a-c])", w)}
    assert not leftovers, f"English left in the Chinese report: {sorted(leftovers)}"
    assert re.search(r"[\u4e00-\u9fff]", prose)


def test_english_report_is_in_english():
    page = _parse(render_html(sample_scan(), load_catalog("en")))
    prose = " ".join(page.prose)
    assert not re.search(r"[\u4e00-\u9fff]", prose.replace("《", "")), "Chinese prose in the English report"


def test_legal_notes_follow_the_jurisdiction():
    report = sample_scan()
    cn = render_html(report, load_catalog("en"), jurisdiction="cn")
    eu = render_html(report, load_catalog("en"), jurisdiction="eu")
    assert "PIPL" in cn and "GDPR" not in cn and "BIPA" not in cn
    assert "GDPR" in eu and "PIPL" not in eu
    everything = render_html(report, load_catalog("zh"), jurisdiction="all")
    assert "《中华人民共和国个人信息保护法》第二十六条" in everything and "740 ILCS 14/15(b)" in everything
    with pytest.raises(UsageError):
        render_html(report, load_catalog("en"), jurisdiction="xx")


def test_capable_only_devices_are_said_to_be_covered_once_switched_on():
    report = scan_with(
        device(
            "127.0.0.7",
            face_analytics="capable",
            findings=[
                {"rule": "r", "feature": "face_recognition", "level": "capable", "confidence": "low", "evidence": []}
            ],
        )
    )
    html = render_html(report, load_catalog("en"), jurisdiction="us-il")
    assert "Applies once the face function is switched on, to: " in html
    assert 'class="applies now"' not in html


def test_no_face_analytics_means_no_biometric_provision():
    report = scan_with(device("127.0.0.5", face_analytics="not_found"))
    html = render_html(report, load_catalog("en"), jurisdiction="eu")
    assert "Nothing found in this audit triggers these provisions." in html
    assert "GDPR" not in html


def test_bundle_parameters_appear_in_the_metadata():
    params = BundleParams((), (80, 554), (), "f00d" * 16, "", "", "inspector-laptop", "lo")
    html = render_html(sample_scan(), load_catalog("en"), params=params)
    assert "Signature set (SHA-256)" in html and "f00d" * 16 in html and "inspector-laptop" in html
    assert "80, 554" in html


def test_rendering_is_deterministic():
    catalog = load_catalog("zh")
    assert render_html(sample_scan(), catalog) == render_html(sample_scan(), catalog)


# --- where face data goes (issue 14) ---


def test_each_route_is_said_with_its_method_target_and_class():
    html = render_html(flow_scan(), load_catalog("en"))
    flow = html[html.index('id="flow"') : html.index('class="devices"')]
    assert (
        re.sub(r"<[^>]+>", "", flow).count("face faceSnap on channel 1 → FTP server → 127.77.0.30:21 (on the premises")
        == 1
    )
    assert "203.0.113.45:7660</span> (the internet)" in flow
    assert 'href="#device-127.77.0.31"' in flow, "the platform found here is linked"
    assert "registered with → maker&#x27;s cloud" in flow
    card = html[html.index('id="device-127.77.0.10"') :]
    assert "Where its face data goes" in card and "The face rule or trigger naming the method" in card
    assert "&lt;uploadFaceEnable&gt;true" in card, "the receiver's side of the join is shown"


def test_a_scan_without_destinations_has_no_flow_section():
    assert 'id="flow"' not in render_html(sample_scan(), load_catalog("en"))


def test_hostile_destination_text_stays_text():
    html = render_html(flow_scan(), load_catalog("en"))
    assert HOSTILE not in html and "<script" not in html.lower()
    page = _parse(html)
    assert "script" not in page.tags and "img" not in page.tags


def test_destinations_outside_bring_the_cross_border_and_third_party_notes():
    both = render_html(flow_scan(), load_catalog("en"), jurisdiction="all")
    assert "PIPL, Articles 38, 39 and 40" in both and "PIPL, Article 23" in both
    assert "GDPR, Article 28" in both and "GDPR, Chapter V (Articles 44 to 49)" in both
    zh = render_html(flow_scan(), load_catalog("zh"), jurisdiction="cn")
    assert "《个人信息保护法》第三十八条、第三十九条、第四十条" in zh and "人脸数据去向" in zh
    assert "PIPL, Article 23" not in render_html(sample_scan(), load_catalog("en"), jurisdiction="all")
