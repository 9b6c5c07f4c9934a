"""Safe XML parsing of hostile input, and the namespace-blind path helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from scanner.errors import ParseError
from scanner.model import MAX_BODY
from scanner.net import xmlsafe
from scanner.net.xmlsafe import find_local, local, parse_xml, text_of

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = (ROOT / "signatures" / "cases", ROOT / "tests" / "corpus")  # rules' cases, real devices' recorded answers

CAPS = b"""<?xml version="1.0"?>
<DeviceCap xmlns="http://www.hikvision.com/ver20/XMLSchema">
  <SmartCap><isSupportFaceDetect>true</isSupportFaceDetect></SmartCap>
  <EventCap><isSupportFaceSnap>false</isSupportFaceSnap></EventCap>
</DeviceCap>"""


def test_parses_and_walks_by_local_names():
    root = parse_xml(CAPS)
    assert [text_of(e) for e in find_local(root, "DeviceCap/SmartCap/isSupportFaceDetect")] == ["true"]
    assert [text_of(e) for e in find_local(root, "//isSupportFaceSnap")] == ["false"]
    assert find_local(root, "SmartCap/isSupportFaceDetect") == []  # without //, the first step is the root
    assert len(find_local(root, "DeviceCap/*")) == 2
    assert find_local(root, "") == []


def _xml_answers() -> list[Path]:
    """The XML answers among the signatures' cases and the corpus of real devices' recorded answers."""
    found = []
    for top in ANSWERS:
        for path in sorted(top.rglob("*")):
            if path.is_file() and path.read_bytes()[:400].lstrip().startswith(b"<"):
                found.append(path)
    return found


def test_anywhere_finds_what_the_xpath_finds_in_every_xml_answer():
    """`//Name` walks a strictly read document by tag in C; for every local name of every XML answer at hand it
    must find the same elements, in the same order, as the namespace-blind XPath."""
    compared = 0
    for path in _xml_answers():
        try:
            root = parse_xml(path.read_bytes())
        except ParseError:
            continue
        names = {local(e.tag) for e in root.iter() if isinstance(e.tag, str)}
        for name in sorted(names):
            assert find_local(root, "//" + name) == list(xmlsafe._ANYWHERE(root, n=name)), (path, name)
            compared += 1
    assert compared > 500  # some 560 names today: a comparison of nothing would prove nothing


def test_anywhere_finds_prefixes_the_document_never_declared():
    """A recovered document keeps `tt:Name` whole as the tag: found by its local name all the same."""
    root = parse_xml(b'<a xmlns:x="urn:x"><tt:Name>1</tt:Name><x:Name>2</x:Name><Name>3</Name>AT&T</a>')
    assert [text_of(e) for e in find_local(root, "//Name")] == ["1", "2", "3"]
    built = etree.Element("{urn:x}Name")  # a tree made elsewhere, not read by parse_xml: walked by the XPath
    etree.SubElement(built, "Name")
    assert [local(e.tag) for e in find_local(built, "//Name")] == ["Name", "Name"]


def test_local_names():
    assert local("{http://www.onvif.org/ver10/schema}Profiles") == "Profiles"
    assert local("tt:Profiles") == "Profiles"
    assert local("Profiles") == "Profiles"
    assert local(None) == ""


def test_billion_laughs_is_refused():
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""
    with pytest.raises(ParseError):
        parse_xml(bomb)


def test_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'.encode()
    with pytest.raises(ParseError):
        parse_xml(xxe)


def test_broken_xml_is_recovered_when_possible():
    root = parse_xml(b"<a><b>AT&T</b><c>1</c></a>")  # a stray & is common in device XML
    assert [text_of(e) for e in find_local(root, "a/c")] == ["1"]


@pytest.mark.parametrize("data", [b"", b"   ", b"not xml at all", b"\x00\x01\x02", b"<", b'<?xml version="1.0"?>'])
def test_garbage_raises_parse_error(data):
    with pytest.raises(ParseError):
        parse_xml(data)


def test_oversized_input_is_refused():
    with pytest.raises(ParseError):
        parse_xml(b"<a>" + b"x" * MAX_BODY + b"</a>")
