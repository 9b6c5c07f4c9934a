"""The English words of a not_checked entry, as the JSON report's `reason` gives them (tests match them by regex)."""

from __future__ import annotations

from scanner.model import NotChecked
from scanner.report.i18n import cached_catalog


def english(note: NotChecked) -> str:
    return cached_catalog("en").reason(note.reason, note.detail)
