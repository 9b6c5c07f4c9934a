"""Progress reporting: a rich display on a terminal, silence otherwise; notes always reach stderr once."""

from __future__ import annotations

import sys
import threading
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from scanner.net.text import plain
from scanner.report.i18n import Catalog, cached_catalog


class ScanProgress(Protocol):
    """What the pipeline calls while it works. Implementations must be thread-safe."""

    def stage(self, stage: str, total: int | None = None, count: int = 0) -> None: ...

    def advance(self, address: str | None = None) -> None: ...

    def found(self, total: int) -> None:
        """The current stage's total became known (the audit began while discovery was still sweeping)."""

    def note(self, message: str) -> None: ...

    def close(self) -> None: ...


class NullProgress:
    """Draws nothing; notes still go to stderr (a user must hear once that nmap was missing)."""

    def __init__(self, console: Console | None = None, words: Catalog | None = None, quiet: bool = False) -> None:
        self._console = console or Console(stderr=True, highlight=False)
        self._words = words or cached_catalog("en")
        self._quiet = quiet

    def stage(self, stage: str, total: int | None = None, count: int = 0) -> None:
        return None

    def advance(self, address: str | None = None) -> None:
        return None

    def found(self, total: int) -> None:
        return None

    def note(self, message: str) -> None:
        if not self._quiet:
            self._console.print(f"{self._words.t('console.note')}: {plain(message)}", markup=False)

    def close(self) -> None:
        return None


class RichProgress:
    """A spinner and bar per stage on stderr."""

    def __init__(self, console: Console | None = None, words: Catalog | None = None) -> None:
        self._console = console or Console(stderr=True, highlight=False)
        self._words = words or cached_catalog("en")
        self._lock = threading.Lock()
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._progress.start()

    def stage(self, stage: str, total: int | None = None, count: int = 0) -> None:
        with self._lock:
            if self._task is not None:
                self._finish_current()
            description = escape(self._words.t(f"progress.{stage}", count=count))
            self._task = self._progress.add_task(description, total=total)

    def advance(self, address: str | None = None) -> None:
        with self._lock:
            if self._task is None:
                return
            self._progress.advance(self._task)
            if address:
                description = escape(self._words.t("progress.audited", address=plain(address)))
                self._progress.update(self._task, description=description)

    def found(self, total: int) -> None:
        with self._lock:
            if self._task is not None:
                self._progress.update(self._task, total=total)

    def note(self, message: str) -> None:
        self._progress.console.print(f"{self._words.t('console.note')}: {plain(message)}", markup=False)

    def close(self) -> None:
        with self._lock:
            if self._task is not None:
                self._finish_current()
            self._progress.stop()

    def _finish_current(self) -> None:
        assert self._task is not None
        task = self._progress.tasks[self._task]
        self._progress.update(self._task, total=task.completed or 1, completed=task.completed or 1)
        self._task = None


def make_progress(enabled: bool | None = None, lang: str = "en", quiet: bool = False) -> ScanProgress:
    """RichProgress when stderr is a terminal (or when forced), NullProgress otherwise; words in `lang`; `quiet`:
    nothing at all, not even the notes."""
    if enabled is None:
        enabled = sys.stderr.isatty() and not quiet
    words = cached_catalog(lang)
    return RichProgress(words=words) if enabled else NullProgress(words=words, quiet=quiet)
