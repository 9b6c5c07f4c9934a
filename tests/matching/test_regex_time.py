"""Every regex the signatures search a whole answer with runs in time linear in the answer: a hostile device may
send 1 MiB, and `(?=.*a)(?=.*b)` unanchored costs its square (a platform fingerprint once took minutes per body)."""

from __future__ import annotations

import re
import time

import pytest

from scanner.matching.loader import load_signatures

BODIES = ("a" * (256 << 10), "/portal/ui/static/" * (16 << 10), "<html>" + " " * (256 << 10))


def _body_patterns() -> list[tuple[str, str]]:
    sigset = load_signatures()
    found = []
    for rule in (*sigset.rules, *sigset.identifies):
        for matcher in rule.matchers:
            if matcher.kind == "regex" and matcher.part == "body" and matcher.pattern:
                found.append((rule.id, matcher.pattern))
    return found


@pytest.mark.parametrize(("rule", "pattern"), _body_patterns())
def test_a_body_regex_takes_linear_time_on_a_large_hostile_body(rule, pattern):
    compiled = re.compile(pattern)
    started = time.perf_counter()
    for body in BODIES:
        compiled.search(body)
    assert time.perf_counter() - started < 0.5, f"{rule}: {pattern!r} is superlinear on a large body"
