"""The report's words as data: translation catalogues and legal notes (TOML in report/data), loaded and checked."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from scanner.errors import CamauditError, UsageError
from scanner.model import FEATURES, LEVELS

LANGS = ("en", "zh")
JURISDICTIONS = ("cn", "eu", "us-il")
JURISDICTION_CHOICES = (*JURISDICTIONS, "all")
CAMERA = "camera"  # pseudo-feature of legal notes: any camera at all (e.g. PIPL Art. 26 signs)


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


def _read_data(name: str) -> dict[str, object]:
    """Parse one TOML file shipped in scanner/report/data."""
    try:
        text = resources.files("scanner.report").joinpath("data", name).read_text(encoding="utf-8")
        return tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ReportDataError(f"report data file {name} cannot be read: {exc}") from None


def _flatten(table: Mapping[str, object], prefix: str, where: str) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}.", where))
        elif isinstance(value, str):
            flat[name] = value
        else:
            raise ReportDataError(f"{where}: {name} is not a string")
    return flat


def load_catalog(lang: str) -> Catalog:
    """The catalogue of `lang` (en or zh), from data/<lang>.toml; UsageError for another language."""
    if lang not in LANGS:
        raise UsageError(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    return Catalog(lang, MappingProxyType(_flatten(_read_data(f"{lang}.toml"), "", f"{lang}.toml")))


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


def load_legal() -> tuple[LegalNote, ...]:
    """Every legal note from data/legal.toml, checked: both languages, a source URL, known triggers."""
    data = _read_data("legal.toml")
    notes = data.get("note")
    if not isinstance(notes, list) or not notes:
        raise ReportDataError("legal.toml has no [[note]] tables")
    return tuple(_legal_note(number, table) for number, table in enumerate(notes, start=1))


def _legal_note(number: int, table: object) -> LegalNote:
    where = f"legal.toml [[note]] #{number}"
    if not isinstance(table, dict):
        raise ReportDataError(f"{where} is not a table")
    note = LegalNote(
        id=_string(table, "id", where),
        jurisdiction=_string(table, "jurisdiction", where),
        cite=MappingProxyType(_by_lang(table, "cite", where)),
        text=MappingProxyType(_by_lang(table, "text", where)),
        sources=_strings(table, "sources", where),
        features=_strings(table, "features", where),
        levels=_strings(table, "levels", where) if "levels" in table else LEVELS,
    )
    _check_note(note, where)
    return note


def _check_note(note: LegalNote, where: str) -> None:
    if note.jurisdiction not in JURISDICTIONS:
        raise ReportDataError(f"{where}: jurisdiction {note.jurisdiction!r} is not one of {JURISDICTIONS}")
    unknown = set(note.features) - {*FEATURES, CAMERA} | set(note.levels) - set(LEVELS)
    if unknown:
        raise ReportDataError(f"{where}: unknown feature or level {sorted(unknown)}")
    if not note.sources or not all(s.startswith(("https://", "http://")) for s in note.sources):
        raise ReportDataError(f"{where}: every note needs source URLs")


def _string(table: Mapping[str, object], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReportDataError(f"{where}: {key} must be a non-empty string")
    return value


def _strings(table: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ReportDataError(f"{where}: {key} must be a non-empty list of strings")
    return tuple(value)


def _by_lang(table: Mapping[str, object], key: str, where: str) -> dict[str, str]:
    value = table.get(key)
    if not isinstance(value, dict):
        raise ReportDataError(f"{where}: {key} must be a table with one string per language")
    return {lang: _string(value, lang, f"{where} {key}") for lang in LANGS}


def select_notes(notes: Sequence[LegalNote], jurisdiction: str, feature: str, level: str) -> tuple[LegalNote, ...]:
    """The notes of `jurisdiction` (or of all, for `all`) that a finding of `feature` at `level` triggers."""
    if jurisdiction not in JURISDICTION_CHOICES:
        raise UsageError(f"--jurisdiction: {jurisdiction!r} is not one of {', '.join(JURISDICTION_CHOICES)}")
    wanted = JURISDICTIONS if jurisdiction == "all" else (jurisdiction,)
    return tuple(n for n in notes if n.jurisdiction in wanted and n.triggered_by(feature, level))
