"""Hypothesis strategies for hostile bytes: recorded answers cut, flipped, spliced and repeated, and plain noise.

Example counts stay modest (the whole suite must run in a few minutes on two cores); the mutations start from
real recorded answers, so most examples reach deep into each parser instead of failing on the first byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from scanner.errors import ParseError

ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
_OPERATIONS = ("cut", "flip", "insert", "delete", "repeat", "splice")


def files(*patterns: str) -> list[bytes]:
    """The bytes of every file matching the patterns (relative to the repository)."""
    found = [path.read_bytes() for pattern in patterns for path in sorted(ROOT.glob(pattern)) if path.is_file()]
    assert found, f"no seed files for {patterns}"
    return found


@st.composite
def _mutation(draw: st.DrawFn, seeds: Sequence[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(list(seeds))))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(_OPERATIONS))
        at = draw(st.integers(0, len(data)))
        if operation == "cut":
            del data[at:]
        elif operation == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "repeat":
            data[at:at] = bytes(data[at : at + draw(st.integers(1, 64))]) * draw(st.integers(2, 50))
        elif operation == "splice":
            other = draw(st.sampled_from(list(seeds)))
            data[at:] = other[draw(st.integers(0, len(other))) :]
    return bytes(data)


def hostile(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Mutated seeds, and now and then raw noise."""
    return st.one_of(_mutation(seeds), _mutation(seeds), st.binary(max_size=600))


def text(seeds: Sequence[bytes]) -> st.SearchStrategy[str]:
    """As `hostile`, decoded the way the callers decode (invalid UTF-8 replaced)."""
    return hostile(seeds).map(lambda data: data.decode("utf-8", errors="replace"))


def record_or_parse_error(parse: Callable[..., Any], *args: Any, kind: type | tuple[type, ...]) -> Any:
    """Call a parser: it must return a `kind` or raise ParseError; anything else fails the test."""
    try:
        result = parse(*args)
    except ParseError:
        return None
    assert isinstance(result, kind), f"{parse.__name__} returned {type(result).__name__}"
    return result
