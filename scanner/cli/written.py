"""Where a command's output goes: a file written atomically (and a note on stderr saying so), or stdout for `-`."""

from __future__ import annotations

import sys
from pathlib import Path

from scanner.report.json_report import write_atomic

STDOUT = "-"


def to_stdout(path: Path | None) -> bool:
    """`-o -`: the output goes to standard output, as in most Unix tools."""
    return path is not None and str(path) == STDOUT


def emit(path: Path, content: str | bytes, note: str, quiet: bool = False) -> None:
    """`content` to `path`, or to stdout for `-` (bytes as they are); the note goes to stderr unless quiet."""
    if to_stdout(path):
        if isinstance(content, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(content)
            sys.stdout.flush()
        return
    write_atomic(path, content)
    if not quiet:
        print(note, file=sys.stderr)
