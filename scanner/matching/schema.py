"""The typed form of a signature file: requests, vendor fingerprints, face rules, matchers, cases."""

from __future__ import annotations

from dataclasses import dataclass

MATCHER_KINDS = ("regex", "contains", "equals", "exists", "xml", "kv", "json")
WHEN = ("vendor", "always")


@dataclass(frozen=True)
class Matcher:
    """One test on one observation. See docs/design.md for each kind's meaning."""

    kind: str
    part: str = "body"
    path: str | None = None  # xml / json path
    key: str | None = None  # kv: full-match regex on the key
    pattern: str | None = None  # regex kind
    text: str | None = None  # contains / equals kinds
    equals: str | None = None
    regex: str | None = None
    one_of: tuple[str, ...] | None = None  # TOML key `in`
    gt: float | None = None
    qname: bool = False
    sibling: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Case:
    """A recorded answer that a rule must (expect=True) or must not (expect=False) match."""

    expect: bool
    body: bytes = b""
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class RequestSpec:
    """A read-only HTTP request a vendor family needs; its observation's probe id is `id`."""

    id: str
    vendor: str | None
    method: str
    path: str
    body: str = ""
    content_type: str | None = None
    auth: bool = True
    when: str = "vendor"
    extract: tuple[tuple[str, str], ...] = ()  # (identity field, expression)
    source: str = ""  # file it came from


@dataclass(frozen=True)
class IdentifyRule:
    """A vendor fingerprint: when it matches, the device is (probably) of `vendor`."""

    id: str
    vendor: str
    probe: str
    match: str
    matchers: tuple[Matcher, ...]
    confidence: str
    sources: tuple[str, ...]
    cases: tuple[Case, ...]
    camera: bool = True  # a match also says "this is a camera"
    source: str = ""


@dataclass(frozen=True)
class Rule:
    """Face-analytics evidence: when it matches, `feature` is proven at `level`."""

    id: str
    name: str
    vendor: str | None
    feature: str
    level: str
    confidence: str
    probe: str
    match: str
    matchers: tuple[Matcher, ...]
    sources: tuple[str, ...]
    cases: tuple[Case, ...]
    source: str = ""


@dataclass(frozen=True)
class VendorInfo:
    """A canonical vendor name, the spellings devices use for it, and its MAC-vendor names."""

    name: str
    aliases: tuple[str, ...] = ()
    oui_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class StreamPath:
    """A vendor-documented RTSP path to DESCRIBE when ONVIF gave no stream URI (`[[stream_path]]`)."""

    path: str
    vendor: str | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignatureSet:
    """Everything loaded from signatures/, plus a digest of the files (the signature-set version)."""

    rules: tuple[Rule, ...]
    identifies: tuple[IdentifyRule, ...]
    requests: tuple[RequestSpec, ...]
    vendors: tuple[VendorInfo, ...]
    digest: str
    files: tuple[str, ...] = ()
    stream_paths: tuple[StreamPath, ...] = ()
