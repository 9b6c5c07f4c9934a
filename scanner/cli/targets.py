"""The scan's targets as the user gives them: words on the command line (comma lists too) and `-iL FILE`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from scanner.errors import UsageError

MAX_FILE = 1 << 20  # bytes: a target file is a list of networks, not a dump
_SEPARATORS = re.compile(r"[\s,]+")


def gather_targets(words: Sequence[str], target_file: Path | None) -> tuple[str, ...]:
    """The targets, in order: each word split at commas, then the file's (one or more per line, split at spaces or
    commas, `#` starts a comment). UsageError when there is none, or the file cannot be read."""
    found = [part for word in words for part in _SEPARATORS.split(word) if part]
    if target_file is not None:
        found += _from_file(target_file)
    if not found:
        raise UsageError("no target: give addresses, networks or ranges, or -iL FILE (see camaudit scan --help)")
    return tuple(found)


def _from_file(path: Path) -> list[str]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE + 1)
    except OSError as exc:
        raise UsageError(f"-iL: cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE:
        raise UsageError(f"-iL: {path} is larger than {MAX_FILE // 1024} KiB; a target file lists networks")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"-iL: {path} is not UTF-8 text") from None
    targets = []
    for line in text.splitlines():
        targets += [part for part in _SEPARATORS.split(line.partition("#")[0]) if part]
    if not targets:
        raise UsageError(f"-iL: {path} names no target")
    return targets
