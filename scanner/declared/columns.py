"""The inventory's vocabulary as data (data/columns.toml): the headers of each column in English and Chinese, and
the words of the declared face use; loaded once, checked, and applied (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Annotated

from pydantic import Field, StrictInt, StrictStr

from scanner.datafile import NonEmpty, OneOf, Table, Text, load_toml
from scanner.declared.records import FaceUse
from scanner.errors import CamauditError

KEYS = ("address", "mac", "serial", "maker", "model", "location", "face_use")
IDENTIFIERS = ("serial", "mac", "address")  # what a row is matched by; at least one column of them is needed
LANGS = ("en", "zh")
_HEADER_NOISE = re.compile(r"[\s_\-.:：/#*()（）\[\]【】|]+")
_PARTS = re.compile(r"[()（）\[\]【】/|]+")
_EN_WORD = re.compile(r"^[a-z]+$")


class ColumnsDataError(CamauditError):
    """The packaged column vocabulary is malformed (a bug in camaudit, not in the user's file)."""


Words = Annotated[tuple[Text, ...], NonEmpty("must list at least one word")]


class _Template(Table):
    en: Text
    zh: Text


class _Column(Table):
    key: Annotated[StrictStr, OneOf(KEYS)]
    template: _Template
    headers: Words


class _Uses(Table):
    none: Words
    detection: Words
    capture: Words
    recognition: Words


class _Contains(Table):
    detection: Words
    capture: Words
    recognition: Words


class _FaceUse(Table):
    negations: Words
    exact: _Uses
    contains: _Contains


class _File(Table):
    schema_: Annotated[StrictInt, OneOf((1,))] = Field(1, alias="schema")
    column: Annotated[tuple[_Column, ...], NonEmpty("has no [[column]] tables")]
    face_use: _FaceUse


def header_key(text: str) -> str:
    """A header as compared: NFKC, case-folded, without spaces and punctuation."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text).casefold())


def value_key(text: str) -> str:
    """A face-use cell as compared: NFKC, case-folded, single spaces, no full stop at the end."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split()).rstrip("。.")


@dataclass(frozen=True)
class Columns:
    """The column vocabulary: header -> column key, the template's headers, the face-use words."""

    by_header: Mapping[str, str]
    templates: Mapping[str, tuple[str, ...]]  # lang -> the template's header row, in KEYS order
    exact: Mapping[str, FaceUse]
    contains: tuple[tuple[FaceUse, tuple[str, ...]], ...]  # strongest use first
    negations: tuple[str, ...]

    def column_of(self, header: str) -> str | None:
        """The column a header names (whole, or one of its bracketed or slashed parts), or None."""
        whole = self.by_header.get(header_key(header))
        if whole is not None or not _PARTS.search(header):
            return whole
        found = {self.by_header.get(header_key(part)) for part in _PARTS.split(header) if part.strip()}
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    def face_use_of(self, text: str) -> FaceUse | None:
        """The face use a cell declares; None for an empty cell or text that cannot be read for sure."""
        key = value_key(text)
        if not key:
            return None
        if key in self.exact:
            return self.exact[key]
        if self._negated(key):
            return None
        return next((use for use, stems in self.contains if any(stem in key for stem in stems)), None)

    def _negated(self, key: str) -> bool:
        words = set(re.findall(r"[a-z]+", key))
        return any(n in words if _EN_WORD.match(n) else n in key for n in self.negations)


@lru_cache(maxsize=1)
def columns() -> Columns:
    """The packaged vocabulary, read once."""
    source = resources.files("scanner.declared").joinpath("data", "columns.toml")
    data = load_toml(source, _File, "data file declared/data/columns.toml", ColumnsDataError)
    by_header: dict[str, str] = {}
    for column in data.column:
        for header in (*column.headers, column.template.en, column.template.zh):
            if by_header.setdefault(header_key(header), column.key) != column.key:
                raise ColumnsDataError(f"columns.toml: header {header!r} names two columns")
    order = {c.key: c for c in data.column}
    if set(order) != set(KEYS):
        raise ColumnsDataError(f"columns.toml must describe exactly the columns {', '.join(KEYS)}")
    templates = {lang: tuple(getattr(order[k].template, lang) for k in KEYS) for lang in LANGS}
    exact = {value_key(w): FaceUse(use) for use, words in data.face_use.exact for w in words}
    contains = tuple(
        (FaceUse(use), tuple(value_key(s) for s in stems)) for use, stems in reversed(list(data.face_use.contains))
    )
    return Columns(by_header, templates, exact, contains, tuple(value_key(n) for n in data.face_use.negations))
