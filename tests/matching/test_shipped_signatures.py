"""Every case of every shipped rule and fingerprint, run through the real matching path (one test per rule)."""

from __future__ import annotations

import pytest

from scanner.matching.engine import CaseFailure, validate
from scanner.matching.loader import load_signatures
from scanner.matching.schema import Case, IdentifyRule, Rule, SignatureSet
from scanner.model import FEATURES
from scanner.net.xmlsafe import parse_xml
from scanner.probes.onvif_xml import values_for

SIGSET = load_signatures()


def _only(sigset: SignatureSet, entry: Rule | IdentifyRule) -> SignatureSet:
    """The set reduced to one rule or fingerprint, so a failure names exactly that entry."""
    rules = (entry,) if isinstance(entry, Rule) else ()
    identifies = (entry,) if isinstance(entry, IdentifyRule) else ()
    return SignatureSet(rules, identifies, sigset.requests, sigset.vendors, sigset.digest)


@pytest.mark.parametrize("entry", SIGSET.rules + SIGSET.identifies, ids=lambda e: e.id)
def test_cases_of(entry: Rule | IdentifyRule) -> None:
    failures: tuple[CaseFailure, ...] = validate(_only(SIGSET, entry))
    assert not failures, "\n".join(str(f) for f in failures)


def test_the_corpus_covers_the_first_cut() -> None:
    files = set(SIGSET.files)
    assert {"vendors.toml", "onvif.toml", "hikvision.toml", "dahua.toml", "rtsp-paths.toml"} <= files
    vendors = {r.vendor for r in SIGSET.rules}
    assert {"Hikvision", "Dahua", None} <= vendors
    assert {r.feature for r in SIGSET.rules} <= set(FEATURES)


def test_every_rule_has_a_trap_or_negative_in_the_real_format() -> None:
    # The Hikvision capability rules must each reject the all-false document that still names faces.
    trap = {r.id for r in SIGSET.rules if any(not c.expect and b"localfaceBaseCreate" in c.body for c in r.cases)}
    assert {"hikvision.cap.face_detect", "hikvision.cap.face_snap", "hikvision.cap.face_contrast"} <= trap
    assert "hikvision.cap.face_lib" in trap


def test_stream_paths_are_loaded_with_sources() -> None:
    paths = {s.path: s for s in SIGSET.stream_paths}
    assert paths["/Streaming/Channels/101"].vendor == "Hikvision"
    assert paths["/cam/realmonitor?channel=1&subtype=0"].vendor == "Dahua"
    assert paths["/axis-media/media.amp"].vendor == "Axis"
    assert paths["/h264Preview_01_main"].vendor == "Reolink"
    assert all(s.sources for s in SIGSET.stream_paths)


ONVIF_CASES = [
    pytest.param(entry.probe, case, id=f"{entry.id}-{index}")
    for entry in SIGSET.rules
    if entry.probe.startswith("onvif.")
    for index, case in enumerate(entry.cases)
    if case.body and case.values
]


@pytest.mark.parametrize(("probe", "case"), ONVIF_CASES)
def test_onvif_case_values_are_what_the_probe_derives_from_the_body(probe: str, case: Case) -> None:
    # A case giving both the SOAP body and the values must not invent values the ONVIF probe would not derive.
    derived = dict(values_for(probe, parse_xml(case.body)))
    for name, items in case.values:
        assert derived.get(name, ()) == items, name


def test_there_are_onvif_cases_with_both_body_and_values() -> None:
    assert len(ONVIF_CASES) >= 3


def test_the_corpus_covers_every_vendor_the_issue_names() -> None:
    files = set(SIGSET.files)
    assert {"axis.toml", "hanwha.toml", "reolink.toml", "megvii.toml", "sensetime.toml", "zkteco.toml"} <= files
    assert "bosch.toml" in files
    named = {v.name for v in SIGSET.vendors}
    assert {"Hikvision", "Dahua", "Amcrest", "Lorex", "Intelbras", "Axis", "Hanwha", "Uniview", "Reolink"} <= named
    assert {"Bosch", "Milesight", "ZKTeco", "Megvii", "SenseTime"} <= named
    assert {r.vendor for r in SIGSET.rules} >= {"Hikvision", "Dahua", "Axis", "Hanwha", "Reolink", "Megvii"}
    assert {i.vendor for i in SIGSET.identifies} >= {"Axis", "Hanwha", "Reolink", "ZKTeco", "Bosch", "SenseTime"}


def test_every_new_rule_reads_exact_places_not_the_word_face() -> None:
    # A bare "face" substring matcher is the classic false positive (Surface, Interface, localfaceBaseCreate).
    for rule in SIGSET.rules:
        for matcher in rule.matchers:
            pattern = (matcher.pattern or matcher.regex or matcher.text or "").lower()
            assert pattern not in ("face", "(?i)face"), rule.id
