"""The persona file: the eight required personas in order, their answer key, and strict loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import LabError
from scanner.lab import Persona, load_personas
from scanner.model import VERDICTS

REQUIRED = ["hik-face", "hik-trap", "dahua-fr", "dahua-plain", "onvif-m-face", "onvif-plain", "rtsp-only", "web-server"]


def test_packaged_personas_in_order():
    assert [p.id for p in load_personas()][: len(REQUIRED)] == REQUIRED


def test_answer_key():
    expect = {p.id: p.expect for p in load_personas()}
    assert (expect["hik-face"].face_analytics, expect["hik-face"].face_analytics_without_credentials) == (
        "configured",
        "unknown",
    )
    assert expect["hik-trap"].face_analytics == "not_found"
    assert expect["dahua-fr"].face_analytics == "configured"
    assert expect["dahua-plain"].face_analytics == "unknown"  # Dahua's face capability answer is undocumented
    assert expect["onvif-m-face"].face_analytics == "configured"
    assert expect["onvif-plain"].face_analytics == "unknown"  # TP-Link: no public face API
    assert (expect["rtsp-only"].vendor, expect["rtsp-only"].is_camera, expect["rtsp-only"].face_analytics) == (
        None,
        True,
        "unknown",
    )
    assert (expect["web-server"].is_camera, expect["web-server"].face_analytics_without_credentials) == (
        False,
        "not_found",
    )
    for e in expect.values():
        assert e.face_analytics in VERDICTS and e.face_analytics_without_credentials in VERDICTS


def test_expectation_vendor_is_the_persona_vendor():
    for persona in load_personas():
        assert persona.expect.vendor == persona.vendor


def test_generic_onvif_persona_is_a_brand_without_vendor_face_api():
    persona = next(p for p in load_personas() if p.id == "onvif-m-face")
    assert persona.vendor == "Milesight" and persona.web is None
    assert (
        persona.onvif is not None
        and persona.onvif.port == 8899
        and persona.onvif.device_path != "/onvif/device_service"
    )
    assert persona.onvif.clock_offset == 3 * 3600 and persona.onvif.token_window == 10


def test_repr_never_shows_the_password():
    for persona in load_personas():
        assert persona.password and persona.password not in repr(persona)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "personas.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[[persona]]
id = "x"
name = "n"
manufacturer = "m"
model = "m"
firmware = "f"
firmware_date = "d"
serial = "s"
mac = "02:00:00:00:00:01"
device_name = "d"
username = "u"
password = "p"
[persona.web]
flavor = "nginx"
server = "nginx"
[persona.expect]
is_camera = false
face_analytics = "not_found"
face_analytics_without_credentials = "not_found"
"""


def test_a_minimal_file_loads(tmp_path):
    (persona,) = load_personas(_write(tmp_path, MINIMAL))
    assert isinstance(persona, Persona) and persona.expect.model is None and persona.vendor is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('device_name = "d"', 'device_nmae = "d"'), "missing key 'device_name'"),
        (lambda t: t + "\n[persona.onvif2]\nx = 1\n", "unknown key 'onvif2'"),
        (lambda t: t.replace('"not_found"\nface_analytics_without', '"maybe"\nface_analytics_without'), "'maybe'"),
        (lambda t: t.replace('flavor = "nginx"', 'flavor = "apache"'), "'apache'"),
        (lambda t: t + t, "unique ids"),
        (lambda t: t.replace("[[persona]]", "[[persona"), "not valid TOML"),
    ],
)
def test_bad_files_fail_with_one_line(tmp_path, edit, message):
    with pytest.raises(LabError, match=message.replace("(", r"\(")) as info:
        load_personas(_write(tmp_path, edit(MINIMAL)))
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(LabError, match="cannot read personas file"):
        load_personas(tmp_path / "absent.toml")
