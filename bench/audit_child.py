"""`camaudit <args>` exactly as the CLI runs it, plus a log handler that keeps each device's request trace.

Usage: audit_child.py TRACE_FILE camaudit-arguments...  The trace file gets one JSON line per device audited, and
one for the audit stage (`{"scan": {...}}`: the devices it audited at once).
With CAMAUDIT_CODE set to another checkout, that checkout's camaudit runs (a before/after comparison).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

# run from a fresh clone without installing, or the checkout CAMAUDIT_CODE names
sys.path.insert(0, os.environ.get("CAMAUDIT_CODE") or str(Path(__file__).resolve().parent.parent))

from scanner.cli.main import main  # noqa: E402
from scanner.pipeline.device import TRACE_LOGGER  # noqa: E402

try:  # the audit stage's own record (devices at once); a checkout from before it has none
    from scanner.pipeline.scan import STAGE_TRACE_LOGGER  # noqa: E402
except ImportError:
    STAGE_TRACE_LOGGER = TRACE_LOGGER


class _TraceFile(logging.Handler):
    """Writes the `trace` dict that scanner.pipeline.device attaches to its per-device debug record."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.DEBUG)
        self._out = path.open("w", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        trace = getattr(record, "trace", None)
        if isinstance(trace, dict):
            self._out.write(json.dumps(trace) + "\n")

    def close(self) -> None:
        self._out.close()
        super().close()


def run(trace_path: Path, argv: list[str]) -> int:
    handler = _TraceFile(trace_path)
    loggers = [logging.getLogger(name) for name in dict.fromkeys((TRACE_LOGGER, STAGE_TRACE_LOGGER))]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        return main(argv)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        handler.close()


if __name__ == "__main__":
    raise SystemExit(run(Path(sys.argv[1]), sys.argv[2:]))
