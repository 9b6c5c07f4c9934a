"""Observations x signatures -> findings, vendor hits and identity fields; validate() runs every case (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scanner.matching.answers import case_applies
from scanner.matching.matchers import (
    cap,
    evaluate,
    json_leaves,
    json_text,
    kv_pairs,
    parse_json,
    parse_xml,
    xml_nodes,
)
from scanner.matching.schema import Case, IdentifyRule, Matcher, RequestSpec, Rule, SignatureSet
from scanner.model import (
    CONFIDENCES,
    FAILED,
    FEATURES,
    LEVELS,
    OK,
    Evidence,
    Finding,
    Observation,
)
from scanner.net.text import small_int
from scanner.vocabulary import Confidence, Feature, Level, outcome_of_status

ANY_VENDOR = "any vendor"  # how coverage() names vendor-neutral rules
EXTRACT_MAX = 128


@dataclass(frozen=True)
class IdentifyHit:
    """A vendor fingerprint that matched, with the observations it matched on."""

    rule: str
    vendor: str | None  # None: a fingerprint that rules a camera out names no maker
    confidence: str
    camera: bool
    evidence: tuple[Evidence, ...]
    role: str | None = None  # what kind of device the fingerprint says it is


@dataclass(frozen=True)
class CaseFailure:
    """A signature case whose recorded answer did not give the expected result."""

    rule: str
    case: int
    expected: bool
    got: bool
    note: str = ""

    def __str__(self) -> str:
        want = "a match" if self.expected else "no match"
        got = "a match" if self.got else "no match"
        about = f" ({self.note})" if self.note else ""
        return f"{self.rule} case {self.case}: expected {want}, got {got}{about}"


def match_rules(observations: Sequence[Observation], rules: Sequence[Rule]) -> tuple[Finding, ...]:
    """One finding per rule and channel that matched an `ok` observation of its probe, sorted by rule id and
    channel. The channel is the one a per-channel request asked about, or the `channel` group of a kv key."""
    usable = _by_probe(obs for obs in observations if obs.outcome == OK)
    findings = []
    for rule in sorted(rules, key=lambda r: r.id):
        by_channel: dict[str | None, set[Evidence]] = {}
        for obs in usable.get(rule.probe, ()):
            excerpt = match_observation(rule.matchers, rule.match, obs)
            if excerpt is not None:
                channel = obs.channel or _key_channel(rule.matchers, excerpt)
                by_channel.setdefault(channel, set()).add(Evidence(obs.probe, obs.request, excerpt, obs.sha256, obs.at))
        kind = (Feature(rule.feature), Level(rule.level), Confidence(rule.confidence))
        for channel in sorted(by_channel, key=lambda c: (c is not None, _channel_order(c))):
            findings.append(Finding(rule.id, *kind, _sorted(by_channel[channel]), channel=channel))
    return tuple(findings)


def _key_channel(matchers: Sequence[Matcher], excerpt: str) -> str | None:
    """The `channel` group of a kv matcher's key, read off the excerpt's first `key=value` line."""
    key = excerpt.partition("\n")[0].partition("=")[0]
    for matcher in matchers:
        if matcher.kind == "kv" and matcher.key and "(?P<channel>" in matcher.key:
            found = re.fullmatch(matcher.key, key)
            if found and found.group("channel") is not None:
                return found.group("channel")
    return None


def _channel_order(channel: str | None) -> tuple[int, str]:
    """Channels in numeric order where they are numbers ("2" before "10")."""
    text = channel or ""
    number = small_int(text, 9)  # a device's channel ids: `²` passes isdigit() and int() refuses it
    return (number, "") if number is not None else (1 << 30, text)


def match_identify(observations: Sequence[Observation], identifies: Sequence[IdentifyRule]) -> tuple[IdentifyHit, ...]:
    """Vendor fingerprints that matched, strongest confidence first, then by rule id.

    Unlike face rules these also read refusals (a 401's realm names the vendor); only `failed` is skipped.
    """
    usable = _by_probe(obs for obs in observations if obs.outcome != FAILED)
    hits = []
    for ident in identifies:
        evidence = _evidence(usable.get(ident.probe, ()), ident.matchers, ident.match)
        if evidence:
            hits.append(IdentifyHit(ident.id, ident.vendor, ident.confidence, ident.camera, evidence, ident.role))
    return tuple(sorted(hits, key=lambda h: (-CONFIDENCES.index(h.confidence), h.rule)))


def match_observation(matchers: Sequence[Matcher], match: str, obs: Observation) -> str | None:
    """The joined excerpts when the matchers hold (`all` or `any`) on one observation, else None."""
    excerpts: list[str] = []
    for matcher in matchers:
        found = evaluate(matcher, obs)
        if found is None and match == "all":
            return None
        if found is not None and found not in excerpts:
            excerpts.append(found)
    return cap("\n".join(excerpts)) if excerpts else None


def _by_probe(observations: Iterable[Observation]) -> dict[str, list[Observation]]:
    """The observations of each probe, in their order (a rule reads its own probe's only: a device's audit has
    dozens of observations, and the signatures dozens of rules)."""
    grouped: dict[str, list[Observation]] = {}
    for obs in observations:
        grouped.setdefault(obs.probe, []).append(obs)
    return grouped


def _evidence(observations: Sequence[Observation], matchers: Sequence[Matcher], match: str) -> tuple[Evidence, ...]:
    """Evidence from each of one probe's observations the matchers hold on."""
    found = set()
    for obs in observations:
        excerpt = match_observation(matchers, match, obs)
        if excerpt is not None:
            found.add(Evidence(obs.probe, obs.request, excerpt, obs.sha256, obs.at))
    return _sorted(found)


def _sorted(evidence: set[Evidence]) -> tuple[Evidence, ...]:
    """Sorted without the time first, so the same answers give the same order on every run."""
    return tuple(sorted(evidence, key=lambda e: (e.request, e.excerpt, e.sha256, e.at)))


# --- identity fields ---


def extract_fields(obs: Observation, spec: RequestSpec) -> dict[str, str]:
    """Identity fields read from an `ok` observation by its request's `extract` expressions."""
    if obs.outcome != OK:
        return {}
    fields = {}
    for name, expression in spec.extract:
        value = _clean(_extract(obs, expression))
        if value:
            fields[name] = value
    return fields


def _extract(obs: Observation, expression: str) -> str | None:
    kind, _, arg = expression.partition(":")
    if kind == "xml":
        root = parse_xml(obs.body)
        return next((value for _, _, value in xml_nodes(root, arg) if value), None) if root is not None else None
    if kind == "kv":
        return next((value for key, value in kv_pairs(obs.text) if re.fullmatch(arg, key)), None)
    if kind == "json":
        return next((json_text(leaf) for _, leaf, _ in json_leaves(parse_json(obs.body), arg)), None)
    if kind == "header":
        return obs.header(arg)
    if kind == "regex":
        found = re.search(arg, obs.text)
        return found.group(1) if found else None
    return None


def _clean(value: str | None) -> str:
    """Printable characters only, stripped, at most 128: devices put anything in these fields."""
    if value is None:
        return ""
    return "".join(ch for ch in value if ch.isprintable()).strip()[:EXTRACT_MAX].strip()


# --- vendor names ---


def canonical_vendor(name: str | None, sigset: SignatureSet) -> str | None:
    """The canonical vendor for a manufacturer string: its name or an alias, whole or as a leading word."""
    if not name:
        return None
    return _longest_prefix(name, _spellings(sigset, "names"))


def vendor_for_oui(org: str, sigset: SignatureSet) -> str | None:
    """The canonical vendor whose MAC-vendor (nmap OUI organisation) names start `org`."""
    return _longest_prefix(org, _spellings(sigset, "oui"))


_SPELLINGS: dict[tuple[int, str], tuple[object, tuple[tuple[str, str], ...]]] = {}


def _spellings(sigset: SignatureSet, kind: str) -> tuple[tuple[str, str], ...]:
    """(spelling, vendor) of the signature set's vendors: their names and aliases, or their MAC-vendor names; made
    once per signature set (every device's identification asks, several times)."""
    vendors = sigset.vendors
    kept = _SPELLINGS.get((id(vendors), kind))
    if kept is not None and kept[0] is vendors:  # the same tuple (kept alive here, so its id is not reused)
        return kept[1]
    if kind == "names":
        pairs = tuple((alias, v.name) for v in vendors for alias in (v.name, *v.aliases))
    else:
        pairs = tuple((oui, v.name) for v in vendors for oui in v.oui_names)
    if len(_SPELLINGS) >= 64:
        _SPELLINGS.clear()  # signature sets come and go in tests; a scan has one
    _SPELLINGS[(id(vendors), kind)] = (vendors, pairs)
    return pairs


def api_family(vendor: str | None, sigset: SignatureSet) -> str | None:
    """The vendor whose web APIs a vendor's devices speak: its `family`, else itself."""
    for info in sigset.vendors:
        if info.name == vendor:
            return info.family or info.name
    return vendor


def with_families(vendors: Sequence[str], sigset: SignatureSet) -> tuple[str, ...]:
    """The vendors, each followed by the vendor whose APIs it speaks (Amcrest -> Dahua), without repeats."""
    found: list[str] = []
    for vendor in vendors:
        for name in (vendor, api_family(vendor, sigset)):
            if name and name not in found:
                found.append(name)
    return tuple(found)


@lru_cache(maxsize=8192)
def _folded(text: str) -> str:
    """Whitespace runs as one space, case folded: a vendor's spellings are folded once, not on every look-up."""
    return " ".join(text.split()).casefold()


def _longest_prefix(text: str, names: tuple[tuple[str, str], ...]) -> str | None:
    """The vendor of the longest name that `text` equals or starts with at a word boundary (case-insensitive);
    remembered for the short texts devices send (a long one, from a hostile device, is not kept)."""
    return _remembered_prefix(text, names) if len(text) <= 256 else _prefix_of(text, names)


@lru_cache(maxsize=4096)
def _remembered_prefix(text: str, names: tuple[tuple[str, str], ...]) -> str | None:
    return _prefix_of(text, names)


def _prefix_of(text: str, names: tuple[tuple[str, str], ...]) -> str | None:
    subject = _folded(text) if len(text) <= 256 else " ".join(text.split()).casefold()
    best: tuple[int, str] | None = None
    for spelling, vendor in names:
        wanted = _folded(spelling)
        boundary = len(subject) == len(wanted) or not subject[len(wanted) : len(wanted) + 1].isalnum()
        if wanted and subject.startswith(wanted) and boundary and (best is None or len(wanted) > best[0]):
            best = (len(wanted), vendor)
    return best[1] if best else None


# --- validation and coverage ---


def validate(sigset: SignatureSet) -> tuple[CaseFailure, ...]:
    """Run every case of every rule and fingerprint through the real matching path; the ones that disagree."""
    failures = []
    for rule in sigset.rules:
        for index, case in enumerate(rule.cases):
            got = bool(match_rules([case_observation(rule.probe, rule.id, index, case)], [rule]))
            if got != case.expect:
                failures.append(CaseFailure(rule.id, index, case.expect, got, case.note))
    for ident in sigset.identifies:
        for index, case in enumerate(ident.cases):
            got = bool(match_identify([case_observation(ident.probe, ident.id, index, case)], [ident]))
            if got != case.expect:
                failures.append(CaseFailure(ident.id, index, case.expect, got, case.note))
    for meaning in sigset.answers:
        for index, case in enumerate(meaning.cases):
            got = case_applies(meaning, case.body, case.status)
            if got != case.expect:
                failures.append(CaseFailure(meaning.id, index, case.expect, got, case.note))
    return tuple(failures)


def case_observation(probe: str, rule_id: str, index: int, case: Case) -> Observation:
    """The observation a probe would have recorded for a case's answer."""
    return Observation(
        probe=probe,
        request=f"case {index} of {rule_id}",
        outcome=outcome_of_status(case.status),
        status=case.status,
        headers=case.headers,
        body=case.body,
        values=case.values,
    )


def vendor_coverage(sigset: SignatureSet) -> list[tuple[str, str, tuple[str, ...]]]:
    """coverage(), plus a row per OEM for its family's rules, labelled `Amcrest (Dahua family)`."""
    rows = coverage(sigset)
    members = [(v.name, v.family) for v in sigset.vendors if v.family]
    extra = [(f"{name} ({family} family)", feature, levels) for name, family in members
             for vendor, feature, levels in rows if vendor == family]  # fmt: skip
    neutral = [row for row in rows if row[0] == ANY_VENDOR]
    return [row for row in rows if row[0] != ANY_VENDOR] + extra + neutral


def vendors_without_rules(sigset: SignatureSet) -> tuple[str, ...]:
    """Vendors no face rule names, directly or through their family: only vendor-neutral rules apply."""
    named = {rule.vendor for rule in sigset.rules if rule.vendor}
    return tuple(v.name for v in sigset.vendors if v.name not in named and (v.family or "") not in named)


def coverage(sigset: SignatureSet) -> list[tuple[str, str, tuple[str, ...]]]:
    """(vendor, feature, levels) that the face rules can prove; vendor-neutral rules last."""
    levels: dict[tuple[str | None, str], set[str]] = {}
    for rule in sigset.rules:
        levels.setdefault((rule.vendor, rule.feature), set()).add(rule.level)
    keys = sorted(levels, key=lambda k: (k[0] is None, k[0] or "", FEATURES.index(k[1])))
    return [
        (vendor or ANY_VENDOR, feature, tuple(lv for lv in LEVELS if lv in levels[vendor, feature]))
        for vendor, feature in keys
    ]
