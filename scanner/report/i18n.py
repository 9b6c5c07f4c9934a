"""The report's words as data: translation catalogues and legal notes (TOML in report/data), loaded and checked."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Annotated

from pydantic import Discriminator, Field, RootModel, StrictInt, StrictStr, Tag

from scanner.datafile import Matches, NonEmpty, OneOf, Table, Text, load_toml
from scanner.errors import CamauditError, UsageError
from scanner.model import FEATURES, LEVELS

LANGS = ("en", "zh")
JURISDICTIONS = ("cn", "eu", "us-il")
JURISDICTION_CHOICES = (*JURISDICTIONS, "all")
CAMERA = "camera"  # pseudo-feature of legal notes: any camera at all (e.g. PIPL Art. 26 signs)
DECLARATION = "declaration"  # pseudo-feature: notes on the operator's own assessment, shown beside "declared vs found"
# Pseudo-features of the notes on where face data goes (scanner.judge.places): a destination off the premises (a
# receiver someone else may run: another site, a platform, a cloud), and one that may be abroad (the internet, a
# maker's cloud, a host name camaudit does not resolve).
THIRD_PARTY = "destination_off_premises"
CROSS_BORDER = "destination_outside"


class ReportDataError(CamauditError):
    """A translation or legal-notes file that is malformed, or a message key that one of them lacks."""


@dataclass(frozen=True)
class Catalog:
    """The user-facing strings of one language. A missing key raises: nothing falls back to English silently."""

    lang: str
    messages: Mapping[str, str]

    def t(self, key: str, /, **params: object) -> str:
        """The message for `key`, with `{name}` placeholders filled from params."""
        try:
            text = self.messages[key]
        except KeyError:
            raise ReportDataError(f"translation {self.lang!r} has no message {key!r}") from None
        return text.format_map(params) if params else text

    def n(self, key: str, count: int, /, **params: object) -> str:
        """A counted message: `key.one` for exactly one, `key.other` otherwise; `{n}` is the count."""
        return self.t(f"{key}.{'one' if count == 1 else 'other'}", n=count, **params)

    def has(self, key: str) -> bool:
        return key in self.messages

    def reason(self, code: str, detail: str = "") -> str:
        """The words for a reason code (`reason.<code>`): `{detail}` filled in, or the detail appended in brackets."""
        template = self.t(f"reason.{code}")
        if "{detail}" in template:
            return template.replace("{detail}", detail)
        return f"{template} ({detail})" if detail else template


@dataclass(frozen=True)
class LegalNote:
    """One legal provision: what it demands, in both languages, with its citation, sources and triggers."""

    id: str
    jurisdiction: str
    cite: Mapping[str, str]
    text: Mapping[str, str]
    sources: tuple[str, ...]
    features: tuple[str, ...]
    levels: tuple[str, ...] = LEVELS

    def triggered_by(self, feature: str, level: str) -> bool:
        return feature in self.features and level in self.levels


def _data(name: str) -> Traversable:
    return resources.files("scanner.report").joinpath("data", name)


def _form(value: object) -> str:
    """Which member of the union a value is, so a mistake is reported once, in that member's words."""
    return "table" if isinstance(value, dict) else "text"


_Entry = Annotated[Annotated[StrictStr, Tag("text")] | Annotated["_Messages", Tag("table")], Discriminator(_form)]


class _Messages(RootModel[dict[str, _Entry]]):
    """A catalogue file: tables of strings, nested to any depth (`[count.cameras]` holds `one` and `other`)."""

    def flat(self, prefix: str = "") -> dict[str, str]:
        """Dotted key -> message."""
        flat: dict[str, str] = {}
        for key, value in self.root.items():
            flat.update(value.flat(f"{prefix}{key}.") if isinstance(value, _Messages) else {f"{prefix}{key}": value})
        return flat


def load_catalog(lang: str) -> Catalog:
    """The catalogue of `lang` (en or zh), from data/<lang>.toml; UsageError for another language."""
    if lang not in LANGS:
        raise UsageError(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    name = f"{lang}.toml"
    messages = load_toml(_data(name), _Messages, f"report data file {name}", ReportDataError)
    return Catalog(lang, MappingProxyType(messages.flat()))


@lru_cache(maxsize=len(LANGS))
def cached_catalog(lang: str) -> Catalog:
    """`load_catalog`, read once per process (the catalogues are immutable)."""
    return load_catalog(lang)


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """`zh` when the locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE, in POSIX order) is Chinese, else `en`."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


class _ByLang(Table):
    en: Text  # one key per LANGS
    zh: Text


Trigger = Annotated[StrictStr, OneOf((*FEATURES, CAMERA, DECLARATION, THIRD_PARTY, CROSS_BORDER))]
LevelName = Annotated[StrictStr, OneOf(LEVELS)]
Url = Annotated[StrictStr, Matches("^https?://", "{value!r} is not a source URL")]


class _Note(Table):
    id: Text
    jurisdiction: Annotated[StrictStr, OneOf(JURISDICTIONS)]
    cite: _ByLang
    text: _ByLang
    sources: Annotated[tuple[Url, ...], NonEmpty("every note needs source URLs")]
    features: Annotated[tuple[Trigger, ...], NonEmpty("needs at least one feature")]
    levels: Annotated[tuple[LevelName, ...], NonEmpty("needs at least one level")] = LEVELS

    def record(self) -> LegalNote:
        cite, text = MappingProxyType(dict(self.cite)), MappingProxyType(dict(self.text))
        return LegalNote(**dict(self) | {"cite": cite, "text": text})


class _Legal(Table):
    schema_: Annotated[StrictInt, OneOf((1,))] = Field(1, alias="schema")
    note: Annotated[tuple[_Note, ...], NonEmpty("has no [[note]] tables")]


def load_legal() -> tuple[LegalNote, ...]:
    """Every legal note from data/legal.toml, checked: both languages, a source URL, known triggers."""
    hints = {"note": "has no [[note]] tables"}
    legal = load_toml(_data("legal.toml"), _Legal, "report data file legal.toml", ReportDataError, hints=hints)
    return tuple(note.record() for note in legal.note)


def select_notes(notes: Sequence[LegalNote], jurisdiction: str, feature: str, level: str) -> tuple[LegalNote, ...]:
    """The notes of `jurisdiction` (or of all, for `all`) that a finding of `feature` at `level` triggers."""
    if jurisdiction not in JURISDICTION_CHOICES:
        raise UsageError(f"--jurisdiction: {jurisdiction!r} is not one of {', '.join(JURISDICTION_CHOICES)}")
    wanted = JURISDICTIONS if jurisdiction == "all" else (jurisdiction,)
    return tuple(n for n in notes if n.jurisdiction in wanted and n.triggered_by(feature, level))
