"""The typed form of a signature file: requests, vendor fingerprints, face rules, matchers, cases."""

from __future__ import annotations

from dataclasses import dataclass

MATCHER_KINDS = ("regex", "contains", "equals", "exists", "xml", "kv", "json")
WHEN = ("vendor", "always")

# Probe ids that code produces (docs/design.md, plus the media and module probes of scanner/probes/onvif.py);
# each [[request]] adds its own id.
CODE_PROBES = (
    "http.root", "rtsp.options", "rtsp.describe", "wsd.probe_match",
    "onvif.device.system_date_and_time", "onvif.device.services", "onvif.device.capabilities",
    "onvif.device.information", "onvif.media.profiles", "onvif.media.analytics_configurations",
    "onvif.media.stream_uri", "onvif.analytics.supported_rules", "onvif.analytics.rules",
    "onvif.analytics.supported_modules", "onvif.analytics.modules", "onvif.events.properties",
    "onvif.analytics.capabilities", "onvif.analytics.rule_options", "onvif.analytics.supported_metadata",
    "onvif.events.subscribe", "onvif.events.pull", "onvif.events.unsubscribe", "discovery.facts",
)  # fmt: skip
IDENTITY_FIELDS = ("model", "firmware", "serial", "mac")  # what a request's `extract` may fill
EXTRACT_KINDS = ("xml", "kv", "json", "header", "regex")
COMPARISONS = ("equals", "regex", "in", "gt")  # keys that test a structured value (xml, kv, json)
# Per matcher kind: the key it requires (or None) and the other keys it accepts besides `kind` and `part`.
MATCHER_KEYS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "regex": ("pattern", ()),
    "contains": ("text", ()),
    "equals": ("text", ()),
    "exists": (None, ()),
    "xml": ("path", ("qname", "sibling", *COMPARISONS)),
    "kv": ("key", ("sibling", *COMPARISONS)),
    "json": ("path", COMPARISONS),
}


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
    # (name, regex) that must also hold: kv -> the key with its last dotted component replaced by name;
    # xml -> a path relative to the matched element's parent (e.g. `List/Item/method`), any node matching.
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
    session: str | None = None  # id of the [[session]] whose token this request carries
    source: str = ""  # file it came from


@dataclass(frozen=True)
class SessionSpec:
    """A vendor login that yields a session token (Reolink's `cmd=Login`), and the logout that ends it.

    Bodies and paths are templates: `{username}` and `{password}` become JSON strings (with their quotes),
    `{token}` the URL-encoded token read from the login answer by `token` (a `json:` expression).
    """

    id: str
    vendor: str | None
    login_path: str
    login_body: str
    token: str
    logout_path: str
    logout_body: str = ""
    content_type: str = "application/json"
    # Vendors answer errors with HTTP 200 and a code in the body: an answer whose `code` (a `json:`
    # expression) is present and not `code_ok` is an error, never evidence of absence.
    code: str | None = None
    code_ok: str = "0"
    source: str = ""


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
    # False when a miss proves nothing (a model name, a MAC vendor, a quiet observe window): then an `ok`
    # answer of its probe never counts as a face check that concluded (verdict `not_found`).
    conclusive: bool = True
    source: str = ""


@dataclass(frozen=True)
class VendorInfo:
    """A canonical vendor name, the spellings devices use for it, and its MAC-vendor names.

    `family` names the vendor whose firmware and web APIs this one's devices run (an OEM relation, e.g.
    Amcrest -> Dahua), so that family's requests and rules apply too; `note` is free text for readers.
    """

    name: str
    aliases: tuple[str, ...] = ()
    oui_names: tuple[str, ...] = ()
    family: str | None = None
    note: str = ""
    # Why camaudit cannot read this vendor's own face settings (said in the report's not_checked); "" = it can.
    no_face_api: str = ""


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
    sessions: tuple[SessionSpec, ...] = ()
