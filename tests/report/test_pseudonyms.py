"""Pseudonyms for shareable recordings (pure): what is taken for an identifier, how each is replaced the same way
everywhere, what is kept byte for byte, and pictures removed."""

from __future__ import annotations

import base64

from scanner.report.bundle.pseudonyms import PICTURE, Finder

HIKVISION = b"""<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<deviceName>Lobby Entrance</deviceName>
<deviceID>88a3c3c0-ffff-11e0-8000-4419b63a5c11</deviceID>
<model>DS-2CD2386G2-IU</model>
<serialNumber>DS-2CD2386G2-IU20230412AAWRJ23456789</serialNumber>
<macAddress>44:19:b6:3a:5c:11</macAddress>
<firmwareVersion>V5.7.3</firmwareVersion>
<hardwareVersion>1.2.3.4</hardwareVersion>
<ipAddress>192.168.1.64</ipAddress><subnetMask>255.255.255.0</subnetMask><ipv6>fe80::4619:b6ff:fe3a:5c11</ipv6>
</DeviceInfo>
"""
DAHUA = b"table.General.MachineName=Stairwell\r\ntable.Users[0].Name=operator1\r\nsn=7G0A1B2PAZ3C4D5\r\n"
WSD = "onvif://www.onvif.org/name/Main%20Door onvif://www.onvif.org/hardware/XNV-6080R"


def _pseudonyms(*bodies: bytes, keep: tuple[str, ...] = ()):
    found = Finder()
    found.keep.update(keep)
    for body in bodies:
        found.body(body)
    found.text(WSD)
    return found.pseudonyms()


def test_identifiers_are_replaced_and_everything_else_is_kept_byte_for_byte():
    pseudo = _pseudonyms(HIKVISION, DAHUA, keep=("DS-2CD2386G2-IU",))
    shared = pseudo.body(HIKVISION)
    for gone in (b"Lobby Entrance", b"AAWRJ23456789", b"44:19:b6:3a:5c:11", b"192.168.1.64", b"fe80::4619",
                 b"88a3c3c0-ffff"):  # fmt: skip
        assert gone not in shared
    kept = (
        b"<model>DS-2CD2386G2-IU</model>",
        b"V5.7.3",
        b"<subnetMask>255.255.255.0</subnetMask>",
        b"<hardwareVersion>1.2.3.4</hardwareVersion>",  # a version, not an address
        b'xmlns="http://www.hikvision.com/ver20/XMLSchema"',
    )
    assert [k for k in kept if k not in shared] == []
    assert b"<macAddress>44:19:b6:3" in shared  # the maker's prefix stays: MAC-based identification reads it
    assert shared.count(b"\n") == HIKVISION.count(b"\n")


def test_the_same_value_gets_the_same_pseudonym_everywhere_in_every_spelling():
    pseudo = _pseudonyms(HIKVISION, DAHUA)
    mac = pseudo.mapping["44:19:b6:3a:5c:11"]
    assert pseudo.text("MAC 4419B63A5C11 and 44-19-B6-3A-5C-11") == (
        f"MAC {mac.replace(':', '').upper()} and {mac.replace(':', '-').upper()}"
    )
    assert pseudo.text("Login to 7G0A1B2PAZ3C4D5") == f"Login to {pseudo.mapping['7G0A1B2PAZ3C4D5']}"
    assert pseudo.text("http://192.168.1.64:80/onvif") == f"http://{pseudo.mapping['192.168.1.64']}:80/onvif"
    assert pseudo.mapping["192.168.1.64"].startswith("198.18.")
    assert pseudo.text(WSD).startswith("onvif://www.onvif.org/name/device-name-")
    assert pseudo.text(WSD).endswith("/hardware/XNV-6080R")


def test_names_and_users_are_replaced_only_as_whole_field_values():
    pseudo = _pseudonyms(DAHUA)
    shared = pseudo.body(DAHUA).decode()
    assert "Stairwell" not in shared and "operator1" not in shared
    assert "table.Users[0].Name=user-0001" in shared
    assert pseudo.text("the operator1s' room; operator1") == "the operator1s' room; operator1"
    assert pseudo.text('{"userName": "operator1"}') == '{"userName": "user-0001"}'


def test_pictures_are_removed_whole_and_from_inside_answers():
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"
    png = b"\x89PNG\r\n\x1a\n" + bytes(64) + b"IEND\xaeB`\x82"
    pseudo = Finder().pseudonyms()
    assert pseudo.body(jpeg) == PICTURE.encode()
    assert pseudo.body(b"--boundary\r\n\r\n" + png + b"\r\n--boundary--") == (
        b"--boundary\r\n\r\n" + PICTURE.encode() + b"\r\n--boundary--"
    )
    assert pseudo.body(b"BM whatever bitmap", "image/bmp") == PICTURE.encode()
    face = base64.b64encode(jpeg).decode()
    event = f'<tt:SimpleItem Name="FaceImage" Value="{face}"/><tt:SimpleItem Name="State" Value="true"/>'
    assert pseudo.text(event) == f'<tt:SimpleItem Name="FaceImage" Value="{PICTURE}"/>' + (
        '<tt:SimpleItem Name="State" Value="true"/>'
    )
    assert pseudo.text(f'{{"faceURL": "data:image/jpeg;base64,{face}"}}') == f'{{"faceURL": "{PICTURE}"}}'


def test_a_user_spelled_like_one_of_the_reports_words_leaves_the_report_intact():
    """A mail account named "camera" (the lab's Dahua mail settings) must not rewrite every `"role": "camera"`."""
    pseudo = _pseudonyms(b"table.Email.UserName=camera\r\ntable.NAS[0].UserName=operator1\r\n")
    assert pseudo.text('{"role": "camera", "userName": "operator1"}') == '{"role": "camera", "userName": "user-0001"}'
