"""The typed form of a signature file: requests, vendor fingerprints, face rules, matchers, cases."""

from __future__ import annotations

from dataclasses import dataclass

MATCHER_KINDS = ("regex", "contains", "equals", "exists", "xml", "kv", "json")
# When a [[request]] is asked: `vendor`, of a device identified as its vendor (or an OEM of it); `always`, on every web
# port; `identify`, also without a login, of a host that nothing else identified (the identification round), and
# then in its vendor's round like a `vendor` request (never twice: the vendor round reuses the answer).
WHEN = ("vendor", "always", "identify")
MAX_IDENTIFY_REQUESTS = 6  # the identification round's requests, at most, to each unidentified host

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
PROOFS = ("switch", "count", "event")  # what a matcher proves, for the evidence standard (docs/evidence-standard.md)
# Per matcher kind: the key it requires (or None) and the other keys it accepts besides `kind` and `part`.
MATCHER_KEYS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "regex": ("pattern", ("switch", "event")),
    "contains": ("text", ("switch", "event")),
    "equals": ("text", ("switch", "event")),
    "exists": (None, ("event",)),
    "xml": ("path", ("qname", "sibling", "unless", *COMPARISONS, *PROOFS)),
    "kv": ("key", ("sibling", "unless", *COMPARISONS, *PROOFS)),
    "json": ("path", (*COMPARISONS, *PROOFS)),
}
# What a vendor's `[[answer]]` says an answer means: "absent" (the device lacks the function: the check concludes),
# "error" (the vendor's own error answer, sent with HTTP 200: the check is not read, and no rule reads the answer).
ANSWER_MEANINGS = ("absent", "error")


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
    unless: tuple[tuple[str, str], ...] = ()  # like sibling, but none of these may hold (an `Armed` of false)
    # What the matched value proves (docs/evidence-standard.md): an enable switch that is on, a count of enrolled
    # faces, a face event seen. `configured` rules need a switch, `active` rules a count or an event.
    switch: bool = False
    count: bool = False
    event: bool = False


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
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers (e.g. Accept: application/json)
    per_channel: bool = False  # asked once per channel of the device: `{channel}` in path and body
    # A query that opens a server-side search: `token` (a json: expression) reads its handle from the answer,
    # and `close` (a path with `{token}`) is always sent afterwards to end it (Dahua startFind / stopFind).
    token: str | None = None
    close: str | None = None
    drop: tuple[str, ...] = ()  # regexes of answer lines dropped before anything is recorded (secrets)
    secret_fields: tuple[str, ...] = ()  # XML elements, JSON members, kv keys whose values are blanked before recording


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
    """A vendor fingerprint: when it matches, the device is (probably) of `vendor`. A fingerprint of a device that is
    not a camera (`camera` false, `role` other: a web server's own default page) may name no vendor."""

    id: str
    vendor: str | None
    probe: str
    match: str
    matchers: tuple[Matcher, ...]
    confidence: str
    sources: tuple[str, ...]
    cases: tuple[Case, ...]
    camera: bool = True  # a match also says "this is a camera"
    source: str = ""
    role: str | None = None  # a match also says what kind of device it is (scanner.vocabulary.Role)


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
    # The device roles whose face checks this rule is part of (a terminal's user count is not a camera's check);
    # empty: every role. A rule still matches on any device; `roles` only decides what not_found needs.
    roles: tuple[str, ...] = ()


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
class AnswerMeaning:
    """How a vendor words, in answers to its own requests, that it lacks a function (`[[answer]]`, meaning
    "absent": the check concludes as absent instead of staying unread) or that a request failed although the HTTP
    status says 200 (meaning "error": the answer is not a read, and no rule reads it)."""

    id: str
    vendor: str
    meaning: str  # ANSWER_MEANINGS
    statuses: tuple[int, ...]
    body: str | None  # a regex the body must match too; None: any body
    sources: tuple[str, ...]
    cases: tuple[Case, ...]
    source: str = ""


@dataclass(frozen=True)
class ChannelSource:
    """Where a vendor lists a device's video channels and the cameras behind them (`[[channels]]`).

    `item` selects one element per channel: an xml path, a json path to a list's items, or (`kv:`) a regex that
    full-matches the part of a `key=value` key before its last dot, with a named group that `channel` names (the
    slot number). The other fields are paths relative to the item (kv: the key's last component). An item is a
    channel only when every `require` field matches its regex (an enabled slot). A device that does not list
    channels (a camera) has the `default` ones.
    """

    id: str
    vendor: str
    probe: str
    item: str
    channel: str
    name: str | None = None
    address: str | None = None
    model: str | None = None
    serial: str | None = None
    maker: str | None = None
    default: tuple[str, ...] = ("1",)
    sources: tuple[str, ...] = ()
    source: str = ""
    require: tuple[tuple[str, str], ...] = ()  # (field, regex) that must hold for an item to be a channel


@dataclass(frozen=True)
class ReadCase:
    """A recorded answer and what a [[linkage]] or [[destination]] must read from it: one key per item read
    (`event@channel:method`, or `kind host:port`); an empty `read` says the answer holds nothing to read."""

    read: tuple[str, ...]
    body: bytes = b""
    status: int = 200
    note: str = ""
    also: bytes = b""  # the answer of a [[destination]]'s also_probe, when that is another request


@dataclass(frozen=True)
class Linkage:
    """Which methods a device's face rules or triggers use (`[[linkage]]`): one item per rule or trigger.

    `item` selects the rules (xml:/json: path, or kv: a regex over the part of a key before a field). Fields are
    paths relative to the item (kv: the rest of the key). An item counts when its `event` matches `events` and every
    `require` field matches; its methods are the values at `methods`, and each `switches` method whose field
    matches `on`. `channel` lists fields tried in order, or (kv) names a group of the item regex.
    """

    id: str
    vendor: str | None
    probe: str
    item: str
    event: str
    events: str
    sources: tuple[str, ...]
    cases: tuple[ReadCase, ...]
    methods: str | None = None
    switches: tuple[tuple[str, str], ...] = ()  # (method, field)
    on: str = "(?i)^(true|1|yes|on)$"
    channel: tuple[str, ...] = ()
    require: tuple[tuple[str, str], ...] = ()
    source: str = ""


@dataclass(frozen=True)
class DestinationSource:
    """Where a device's settings name a receiver (`[[destination]]`): one item per slot, the face methods that
    send to it, and which fields hold its host, port and the rest.

    A slot is in use when every `require` field matches, its host is set (not empty, not 0.0.0.0 or ::), no `unset`
    field matches, and every `also` matcher holds on an answer of `also_probe`. `host` lists fields tried in
    order (the first set one), unless `choose` names a field whose value names one of them (addressingFormatType
    `hostname` -> `hostName`). A destination without host fields is the `service` itself (a maker's cloud).
    """

    id: str
    vendor: str | None
    probe: str
    item: str
    kind: str  # vocabulary.DestinationKind
    sources: tuple[str, ...]
    cases: tuple[ReadCase, ...]
    methods: tuple[str, ...] = ()  # the linkage methods that send here
    registration: bool = False  # reaches the device whatever the linkage: reported even without a route
    host: tuple[str, ...] = ()
    choose: str | None = None
    port: str | None = None
    path: str | None = None
    protocol: str | None = None
    status: str | None = None
    pictures: str | None = None  # a field saying pictures are sent (matched with `on`)
    service: str | None = None
    on: str = "(?i)^(true|1|yes|on)$"
    require: tuple[tuple[str, str], ...] = ()
    unset: tuple[tuple[str, str], ...] = ()
    also_probe: str | None = None
    also: tuple[Matcher, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class CloudService:
    """A maker's cloud (`[[cloud]]`): host names under these domain suffixes are that cloud."""

    id: str
    name: str
    vendor: str | None
    suffixes: tuple[str, ...]
    sources: tuple[str, ...]
    source: str = ""


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
    answers: tuple[AnswerMeaning, ...] = ()
    channels: tuple[ChannelSource, ...] = ()
    linkages: tuple[Linkage, ...] = ()
    destinations: tuple[DestinationSource, ...] = ()
    clouds: tuple[CloudService, ...] = ()
