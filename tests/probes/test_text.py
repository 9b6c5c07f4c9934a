"""Device text made safe: numbers only from ASCII digits, control characters gone (scanner/net/text.py)."""

from __future__ import annotations

from scanner.net.text import plain, small_int


def test_small_int_reads_ascii_digits_only_and_never_raises():
    assert small_int("42") == 42 and small_int(" 7 ") == 7
    for text in ("\u00b2", "\u0663", "9" * 5000, "-1", "1e3", "", " ", "12a", "0x10"):
        assert small_int(text) is None, text
    assert small_int("12345", max_digits=4) is None


def test_plain_strips_control_and_format_characters_after_decoding():
    hostile = "Cam\x1b]0;owned\x07 [/]\u202eevil\u200b\r\nmodel\x00"
    assert plain(hostile) == "Cam]0;owned [/]evil model"
    assert plain("  a\t\tb  ", limit=2) == "a"
    assert plain("海康威视 DS-2CD") == "海康威视 DS-2CD"
