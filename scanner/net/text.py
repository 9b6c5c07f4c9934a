"""Device-supplied text made safe to hold and show: numbers read only from ASCII digits, control characters gone
(pure). A device decides every byte it sends; `²` passes `str.isdigit()`, and 5000 digits pass it too."""

from __future__ import annotations

import unicodedata

MAX_DIGITS = 18  # any number a device sends us fits; int() refuses 4300 digits and more with a ValueError


def small_int(text: str, max_digits: int = MAX_DIGITS) -> int | None:
    """The number `text` spells in ASCII digits (at most `max_digits` of them), else None. Never raises."""
    text = text.strip()
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def plain(text: str, limit: int | None = None) -> str:
    """`text` without control or format characters (ESC sequences, bidi overrides, NUL...), whitespace runs made
    one space, stripped; cut to `limit` characters. For text decoded from a device (percent-decoded scopes, XML,
    JSON) before it is kept in a record: what a terminal, a table or a file shows is then only the text."""
    kept = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or not _control(ch))
    cleaned = " ".join(kept.split())
    return cleaned if limit is None else cleaned[:limit].rstrip()


def _control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")
