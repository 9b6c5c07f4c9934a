"""Safe XML parsing of hostile input, and the namespace-blind path helpers."""

from __future__ import annotations

import pytest

from scanner.errors import ParseError
from scanner.model import MAX_BODY
from scanner.net.xmlsafe import find_local, local, parse_xml, text_of

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
