"""Translation catalogues and legal notes: both languages complete, placeholders aligned, triggers as intended."""

from __future__ import annotations

import re
import string

import pytest

from scanner.errors import UsageError
from scanner.model import FEATURES, LEVELS
from scanner.report.i18n import (
    CAMERA,
    LANGS,
    ReportDataError,
    default_lang,
    load_catalog,
    load_legal,
    select_notes,
)
from scanner.vocabulary import Reason


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_both_languages():
    en, zh = load_catalog("en"), load_catalog("zh")
    assert set(en.messages) == set(zh.messages), set(en.messages) ^ set(zh.messages)


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_non_empty_and_has_no_markup(lang):
    for key, text in load_catalog(lang).messages.items():
        assert text.strip(), key
        assert "<" not in text and ">" not in text.replace("→", ""), f"{lang} {key}: no HTML in catalogues"


def test_placeholders_are_the_same_in_both_languages():
    en, zh = load_catalog("en"), load_catalog("zh")
    for key in en.messages:
        assert _placeholders(en.messages[key]) == _placeholders(zh.messages[key]), key


def test_chinese_messages_are_written_in_chinese():
    zh = load_catalog("zh")
    allowed = {"reason.other"}  # only a placeholder around untranslatable device text
    for key, text in zh.messages.items():
        if key not in allowed and not key.startswith("list."):
            assert re.search(r"[\u4e00-\u9fff]", text), f"zh {key} = {text!r} is not Chinese"


def test_a_missing_key_raises_instead_of_falling_back():
    with pytest.raises(ReportDataError, match="no message 'no.such.key'"):
        load_catalog("zh").t("no.such.key")


def test_counted_messages_pick_one_or_other():
    en = load_catalog("en")
    assert en.n("count.cameras", 1) == "1 camera"
    assert en.n("count.cameras", 3) == "3 cameras"


def test_an_unknown_language_is_a_usage_error():
    with pytest.raises(UsageError, match="--lang"):
        load_catalog("fr")


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins, as in POSIX
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_default_language_follows_the_locale(env, lang):
    assert default_lang(env) == lang


def test_every_reason_code_has_an_english_and_a_chinese_text():
    en, zh = load_catalog("en"), load_catalog("zh")
    for code in Reason:
        assert en.has(f"reason.{code}") and zh.has(f"reason.{code}"), code
    assert {k for k in en.messages if k.startswith("reason.")} == {f"reason.{code}" for code in Reason}


def test_a_reason_takes_its_detail_in_place_or_in_brackets():
    en = load_catalog("en")
    assert en.reason(Reason.NO_ANSWER, "timed out") == "no usable answer: timed out"
    assert en.reason(Reason.NOT_OFFERED, "404") == "the device does not offer this interface (404)"
    assert en.reason(Reason.NOT_OFFERED) == "the device does not offer this interface"
    assert load_catalog("zh").reason(Reason.NEEDS_LOGIN) == "需要登录：未为该地址提供登录凭据"


# ---- legal notes


def test_legal_notes_load_with_both_languages_and_sources():
    notes = load_legal()
    assert {n.jurisdiction for n in notes} == {"cn", "eu", "us-il"}
    for note in notes:
        for lang in LANGS:
            assert note.cite[lang].strip() and note.text[lang].strip()
            assert "\n" not in note.text[lang], f"{note.id}: a line break left in the {lang} text"
        assert all(url.startswith(("https://", "http://")) for url in note.sources)


def test_the_required_provisions_are_cited():
    ids = {n.id for n in load_legal()}
    assert {
        "cn.pipl.26",
        "cn.pipl.28",
        "cn.pipl.29",
        "cn.pipl.55",
        "cn.gbt35273.biometric",
        "eu.gdpr.9",
        "eu.gdpr.35",
        "us-il.bipa.15a",
        "us-il.bipa.15b",
    } <= ids


def _ids(jurisdiction, feature, level):
    return {n.id for n in select_notes(load_legal(), jurisdiction, feature, level)}


def test_face_recognition_triggers_the_biometric_provisions_everywhere():
    assert _ids("cn", "face_recognition", "active") == {
        "cn.pipl.26",
        "cn.pipl.28",
        "cn.pipl.29",
        "cn.pipl.55",
        "cn.gbt35273.biometric",
    }
    assert _ids("eu", "face_recognition", "configured") == {"eu.gdpr.9", "eu.gdpr.35"}
    assert _ids("us-il", "face_library", "capable") == {"us-il.bipa.15a", "us-il.bipa.15b"}


def test_face_detection_alone_is_not_biometric_identification():
    assert _ids("eu", "face_detection", "configured") == {"eu.gdpr.35", "eu.edpb.video"}
    assert _ids("us-il", "face_detection", "active") == set()
    assert _ids("cn", "face_detection", "active") == {"cn.pipl.26"}


def test_any_camera_triggers_the_public_place_rule_only():
    assert _ids("all", CAMERA, "active") == {"cn.pipl.26"}


def test_all_jurisdictions_is_the_union():
    for feature in FEATURES:
        for level in LEVELS:
            assert _ids("all", feature, level) == (
                _ids("cn", feature, level) | _ids("eu", feature, level) | _ids("us-il", feature, level)
            )


def test_an_unknown_jurisdiction_is_a_usage_error():
    with pytest.raises(UsageError, match="--jurisdiction"):
        select_notes(load_legal(), "mars", "face_detection", "active")
