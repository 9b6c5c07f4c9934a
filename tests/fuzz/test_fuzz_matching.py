"""The shipped signatures' matchers (xml, kv, json, regex...) and field extractors, on hostile bodies and headers:
each gives an excerpt, a field or nothing, and never raises (matching reads device bytes too)."""

from __future__ import annotations

from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from scanner.matching.engine import extract_fields, match_identify, match_rules
from scanner.matching.loader import load_signatures
from scanner.matching.matchers import kv_pairs
from scanner.matching.schema import SignatureSet
from scanner.model import FEATURES, OK, Finding, Observation
from tests.fuzz.strategies import FUZZ, files, hostile

BODIES = files("signatures/cases/*/*") + files("tests/probes/fixtures/onvif/*.xml")[:6]


@cache
def _signatures() -> SignatureSet:
    return load_signatures()


def _probes() -> list[str]:
    sigset = _signatures()
    return sorted(
        {r.probe for r in sigset.rules} | {r.probe for r in sigset.identifies} | {s.id for s in sigset.requests}
    )


@FUZZ
@given(hostile(BODIES), st.sampled_from(_probes()), st.sampled_from([200, 401, 404, 500]), st.text(max_size=80))
def test_rules_identifies_and_extractors_never_raise(body: bytes, probe: str, status: int, server: str) -> None:
    sigset = _signatures()
    obs = Observation(
        probe,
        "GET /",
        OK,
        status,
        (("Server", server), ("Content-Type", "text/xml")),
        body,
        values=(("sdp_media", (server,)), ("topics", (server, "tns1:RuleEngine/Recognition/Face"))),
    )
    findings = match_rules([obs], [r for r in sigset.rules if r.probe == probe])
    assert all(isinstance(f, Finding) and f.feature in FEATURES for f in findings)
    for finding in findings:
        assert all(len(e.excerpt) <= 400 for e in finding.evidence)
    assert isinstance(match_identify([obs], [r for r in sigset.identifies if r.probe == probe]), tuple)
    for spec in (s for s in sigset.requests if s.id == probe):
        fields = extract_fields(obs, spec)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())


@FUZZ
@given(hostile(files("signatures/cases/dahua/*")).map(lambda b: b.decode("utf-8", errors="replace")))
def test_dahua_key_value_lines(text: str) -> None:
    pairs = kv_pairs(text)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in pairs)
