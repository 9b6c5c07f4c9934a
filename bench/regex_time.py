"""Benchmark: how long each body regex of the signature set takes on large hostile bodies (1/4 MiB each).

Run by hand from the repository root: `.venv/bin/python bench/regex_time.py`. Prints the slowest patterns; a
pattern whose time grows with the square of the body shows here long before a device can stall an audit with it
(tests/matching/test_regex_time.py refuses the shapes that do)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.matching.test_regex_time import body_patterns  # noqa: E402

BODIES = ("a" * (256 << 10), "/portal/ui/static/" * (16 << 10), "<html>" + " " * (256 << 10))


def main() -> None:
    timed = []
    for rule, pattern in body_patterns():
        compiled = re.compile(pattern)
        started = time.perf_counter()
        for body in BODIES:
            compiled.search(body)
        timed.append((time.perf_counter() - started, rule, pattern))
    timed.sort(reverse=True)
    print(f"{len(timed)} body regexes, {sum(t for t, _, _ in timed) * 1000:.1f} ms in all on 3 bodies of 256 KiB")
    for seconds, rule, pattern in timed[:10]:
        print(f"{seconds * 1000:8.2f} ms  {rule}  {pattern[:70]}")


if __name__ == "__main__":
    main()
