"""The exit codes of the command line: 0 clean, 1 face analytics found, 2 bad input, 130 stopped by a signal."""

from __future__ import annotations

from scanner.model import ScanResult
from scanner.vocabulary import FACE_VERDICTS

EXIT_CLEAN, EXIT_FACE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_DIFFERENT = 1  # `diff`: the two scans differ (as diff(1))


def exit_code(result: ScanResult) -> int:
    """1 when any device shows face analytics, else 0."""
    return EXIT_FACE if any(d.face_analytics in FACE_VERDICTS for d in result.devices) else EXIT_CLEAN
