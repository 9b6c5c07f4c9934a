"""Every regex the signatures search a whole answer with stays linear in the answer: a hostile device may send
1 MiB, and an unanchored `(?=.*a)(?=.*b)` costs its square (a platform fingerprint once took minutes per body).
The shapes that go superlinear are refused here by reading the pattern; `bench/regex_time.py` prints the times."""

from __future__ import annotations

import re

import pytest

from scanner.matching.loader import load_signatures

_FLAGS = re.compile(r"\A\(\?[aiLmsux]+\)")
_RUN_AHEAD = re.compile(r"\(\?<?[=!](?:\.[*+]|\[[^\]]*\][*+])")  # a lookaround that starts with an unbounded run
_REPEATED_REPEAT = re.compile(r"\((?:\?:)?(?:[^()\\]|\\.)*[*+]\)[*+{]")  # (x+)+, (?:a*)*, (x+){2,}


def superlinear(pattern: str) -> str | None:
    """Why `pattern` may take more than linear time on a long body, or None."""
    flags = _FLAGS.match(pattern)
    rest = pattern[flags.end() :] if flags else pattern
    anchored = rest.startswith("\\A") or (rest.startswith("^") and not (flags and "m" in flags.group()))
    if _RUN_AHEAD.search(rest) and not anchored:
        return "a lookahead over the rest of the body, tried at every position (anchor it with \\A)"
    if _REPEATED_REPEAT.search(rest):
        return "a repeated group of repeats (nested quantifiers)"
    return None


def body_patterns() -> list[tuple[str, str]]:
    sigset = load_signatures()
    found = []
    for rule in (*sigset.rules, *sigset.identifies):
        for matcher in rule.matchers:
            if matcher.kind == "regex" and matcher.part == "body" and matcher.pattern:
                found.append((rule.id, matcher.pattern))
    return found


@pytest.mark.parametrize(("rule", "pattern"), body_patterns())
def test_no_body_regex_of_the_signature_set_has_a_superlinear_shape(rule, pattern):
    assert superlinear(pattern) is None, f"{rule}: {pattern!r}"


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?is)(?=.*/portal/ui/static/favicon\.ico)(?=.*/portal/ui/static/js/chunk-)",  # the fingerprint that stalled
        r"(?m)^(?=.*a)(?=.*b)",
        r"(?=[^<]*x)",
        r"(a+)+b",
        r"(?:\w*)*=",
    ],
)
def test_the_superlinear_shapes_are_recognised(pattern):
    assert superlinear(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [r"(?is)\A(?=.*/portal/ui/static/favicon\.ico)(?=.*chunk-)", r"<title>\s*Hikvision", r"(?i)(face|people)+lib"],
)
def test_linear_shapes_pass(pattern):
    assert superlinear(pattern) is None
