"""The shipped inventory template (data/template.csv), and any inventory's header row put into one language."""

from __future__ import annotations

import csv
import io
from importlib import resources

from scanner.declared.columns import KEYS, columns


def template_text(lang: str) -> str:
    """The blank template, its headers in `lang` (en or zh)."""
    text = resources.files("scanner.declared").joinpath("data", "template.csv").read_text(encoding="utf-8-sig")
    return with_headers(text, lang)


def with_headers(text: str, lang: str) -> str:
    """A CSV text whose header row (its first line) names each known column as the template does in `lang`; other
    headers and every other row are kept as they are."""
    vocabulary = columns()
    names = dict(zip(KEYS, vocabulary.templates[lang], strict=True))
    first, newline, rest = text.partition("\n")
    header = next(csv.reader([first.rstrip("\r")]))
    renamed = [names.get(vocabulary.column_of(h) or "", h) for h in header]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if first.endswith("\r") else "\n").writerow(renamed)
    return out.getvalue() + rest if newline else out.getvalue()
