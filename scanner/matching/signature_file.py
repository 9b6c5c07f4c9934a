"""The shape of one signature file (signatures/*.toml) as pydantic models, and the JSON Schema published from them."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from scanner.datafile import Matches, NonEmpty, OneOf, Table, Text, editor_schema, fail, say
from scanner.matching.schema import (
    ANSWER_MEANINGS,
    CODE_PROBES,
    EXTRACT_KINDS,
    IDENTITY_FIELDS,
    MATCHER_KEYS,
    MATCHER_KINDS,
    WHEN,
)
from scanner.model import CONFIDENCES, FEATURES, LEVELS, MAX_BODY
from scanner.vocabulary import FACE_API_REASONS, DestinationKind, Role

_SOURCE = r"^(https?://\S+|[\w.-]+/[\w.-]+:\S+)$"  # a URL or owner/repo:path
# A step is a local name or `*`, optionally with one attribute test: `parameter[@name='Channel.#.EventType']`.
_STEP = r"([\w.-]+|\*)(\[@[\w.-]+='[^'\]/]*'\])?"
_XML_PATH = re.compile(rf"^(//)?{_STEP}(/{_STEP})*(/@[\w.-]+)?$")
_XML_RELATIVE = re.compile(rf"^({_STEP}/)*({_STEP}|@[\w.-]+)$")
_JSON_PATH = re.compile(r"^[^.\[\]]*(\[(\d+|\*)\])*(\.[^.\[\]]+(\[(\d+|\*)\])*)*$")
HINTS = {"schema": "must be 1"}  # what a missing key means, where "missing key" would not say enough


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise fail(f"invalid regex {pattern!r}: {exc}") from None
    return pattern


def _extract(expression: str) -> str:
    """`<kind>:<argument>`: where an identity field (or a session token) is read in an answer."""
    kind, _, arg = expression.partition(":")
    if kind not in EXTRACT_KINDS or not arg:
        raise fail(f"must be a string '<kind>:<argument>' with kind one of {', '.join(EXTRACT_KINDS)}")
    if kind == "xml" and not _XML_PATH.match(arg):
        raise fail(f"'{arg}' is not a path of local names")
    if kind == "json" and not _JSON_PATH.match(arg):
        raise fail(f"'{arg}' is not a dotted JSON path")
    if kind == "regex" and re.compile(_regex(arg)).groups != 1:
        raise fail("a regex extract needs exactly one group")
    if kind == "kv":
        _regex(arg)
    return expression


def _sources(sources: tuple[str, ...]) -> tuple[str, ...]:
    if not sources:
        raise fail("needs at least one source (a URL or owner/repo:path)")
    for source in sources:
        if not re.match(_SOURCE, source):
            raise fail(f"'{source}' is neither a URL nor owner/repo:path")
    return sources


def _text_or_number(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value  # `text = 200`


def _not_code_probe(ident: str) -> str:
    if ident in CODE_PROBES:
        raise fail(f"'{ident}' is a probe id that code produces")
    return ident


Regex = Annotated[StrictStr, AfterValidator(_regex)]
_ID = r"^[a-z0-9][a-z0-9_.-]*$"
Ident = Annotated[StrictStr, Matches(_ID, "{value!r} must be lower-case letters, digits, '.', '_' or '-'")]
UrlPath = Annotated[StrictStr, Matches(r"^/\S*$", "must start with '/' and contain no whitespace")]
Extract = Annotated[StrictStr, AfterValidator(_extract)]
JsonExpression = Annotated[Extract, Matches("^json:", "must be a json:<path> expression")]
Sources = Annotated[
    tuple[StrictStr, ...],
    AfterValidator(_sources),
    Field(json_schema_extra={"minItems": 1, "items": {"type": "string", "pattern": _SOURCE}}),
]
Scalar = Annotated[StrictStr, BeforeValidator(_text_or_number), WithJsonSchema({"type": ["string", "integer"]})]
Names = Annotated[tuple[Annotated[StrictStr, Field(min_length=1)], ...], say("must be a list of non-empty strings")]
Match = Annotated[StrictStr, OneOf(("all", "any"))]
_PART = r"^(body|status|header:[!-9;-~]+|value:\w+)$"  # header names: printable, no colon
Part = Annotated[StrictStr, Matches(_PART, "must be body, status, header:<Name> or value:<name>, not {value!r}")]
CaseValue = Annotated[StrictStr | tuple[StrictStr, ...], say("must be a string or a list of strings")]
IdentityField = Annotated[StrictStr, OneOf(IDENTITY_FIELDS, "unknown identity field {value!r} (one of {choices})")]
_LOGIN = r"^(?=[\s\S]*\{username\})(?=[\s\S]*\{password\})"
LoginBody = Annotated[StrictStr, Matches(_LOGIN, "must contain {{username}} and {{password}}")]
Confidence = Annotated[StrictStr, OneOf(CONFIDENCES)]
KNOWN_ROLES = tuple(r.value for r in Role if r != Role.UNKNOWN)  # a signature says what a device is, never "unknown"


def _per_kind(schema: dict[str, Any]) -> None:
    """In the JSON Schema: per kind, the key it needs and the keys it accepts (MATCHER_KEYS), for editors."""
    schema["allOf"] = [
        {
            "if": {"properties": {"kind": {"const": kind}}},
            "then": {
                **({"required": [needed]} if needed else {}),
                "propertyNames": {"enum": ["kind", "part", *([needed] if needed else []), *optional]},
            },
        }
        for kind, (needed, optional) in MATCHER_KEYS.items()
    ]


class MatcherTable(Table):
    """One test on one observation; `kind` decides the other keys (see signatures/README.md)."""

    model_config = ConfigDict(json_schema_extra=_per_kind)

    kind: Annotated[StrictStr, OneOf(MATCHER_KINDS)]
    part: Part = "body"
    path: StrictStr | None = None
    key: Regex | None = None
    pattern: Regex | None = None
    text: Scalar | None = None
    equals: Scalar | None = None
    regex: Regex | None = None
    one_of: Names | None = Field(None, alias="in")
    gt: StrictFloat | None = None
    qname: StrictBool = False
    sibling: dict[StrictStr, Regex] = {}
    unless: dict[StrictStr, Regex] = {}
    switch: StrictBool = False
    count: StrictBool = False
    event: StrictBool = False

    @model_validator(mode="before")
    @classmethod
    def _keys_fit_the_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data  # pydantic says "must be a table"
        kind = data.get("kind")
        if kind not in MATCHER_KEYS:
            raise fail(f"unknown kind {kind!r}")
        needed, optional = MATCHER_KEYS[kind]
        for key in data:
            if key not in {"kind", "part", needed, *optional}:
                raise fail(f"key '{key}' does not apply to kind '{kind}'")
        if needed and needed not in data:
            raise fail(f"kind '{kind}' needs '{needed}'")
        return data

    @field_validator("part")
    @classmethod
    def _structured_kinds_read_the_body(cls, part: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind in ("xml", "kv", "json") and part != "body":
            raise fail(f"kind '{kind}' reads the body")
        return part

    @field_validator("path")
    @classmethod
    def _path_fits_the_kind(cls, path: str, info: ValidationInfo) -> str:
        if info.data.get("kind") == "xml" and not _XML_PATH.match(path):
            raise fail(f"{path!r} is not a path of local names (A/B/C, //B/C, A/B/@attr)")
        if info.data.get("kind") == "json" and not (path and _JSON_PATH.match(path)):
            raise fail(f"{path!r} is not a dotted JSON path (a.b[0].c, a[*].b)")
        return path

    @field_validator("sibling", "unless")
    @classmethod
    def _sibling_names(cls, sibling: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        kind = info.data.get("kind")
        for name in sibling:
            if not (_XML_RELATIVE.match(name) if kind == "xml" else re.fullmatch(r"[\w\[\]]+", name)):
                raise fail(f"'{name}' is not a valid sibling name for kind '{kind}'")
        return sibling

    @model_validator(mode="after")
    def _proofs_compare_something(self) -> MatcherTable:
        if self.switch and not (self.equals or self.regex or self.one_of or self.sibling or self.pattern):
            raise fail("a switch matcher needs equals, regex, in or sibling: the value that means 'on'")
        if self.count and self.gt is None:
            raise fail("a count matcher needs gt (a count above it proves enrolment)")
        return self


def _case_file(name: str, info: ValidationInfo) -> str:
    """A case's `file`: inside the signatures directory, and no larger than an observation body can be."""
    directory: Path = (info.context or {})["directory"]
    base = directory.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise fail(f"'{name}' is not a file inside {directory.name}/")
    if path.stat().st_size > MAX_BODY:
        raise fail(f"'{name}' is larger than an observation body can be")
    return name


class CaseTable(Table):
    """A recorded answer the rule must (expect = true) or must not (expect = false) match: `body` or `file`."""

    expect: StrictBool
    body: StrictStr | None = None
    file: StrictStr | None = None  # relative to signatures/
    status: Annotated[StrictInt, Field(ge=100, le=599), say("must be a status code (100-599)")] = 200
    headers: Annotated[dict[StrictStr, StrictStr], say("values must be strings")] = {}
    values: dict[StrictStr, CaseValue] = {}
    note: StrictStr = ""

    @field_validator("file")
    @classmethod
    def _file_inside_the_directory(cls, name: str, info: ValidationInfo) -> str:
        return _case_file(name, info)

    @model_validator(mode="after")
    def _body_or_file(self) -> CaseTable:
        if self.body is not None and self.file is not None:
            raise fail("has both body and file; give one")
        return self


def _both_outcomes(cases: tuple[CaseTable, ...]) -> tuple[CaseTable, ...]:
    if not any(c.expect for c in cases) or all(c.expect for c in cases):
        raise fail("needs at least one case with expect = true and one with expect = false")
    return cases


Matchers = Annotated[tuple[MatcherTable, ...], NonEmpty("needs at least one matcher")]
Cases = Annotated[tuple[CaseTable, ...], AfterValidator(_both_outcomes)]


# What a read never asks (issue 14): the "test" buttons make a device send to its receivers (SUNAPI
# `transfer.cgi?...&action=test`, Hikvision `.../mailing/test` and the FTP test, Reolink `TestWebHook`), and the
# setters write (Dahua `configManager.cgi?action=setConfig`, SUNAPI `action=set|add|remove|update`, Reolink `Set*`
# commands, JSON-RPC `*.set*` methods). Sources: research/destinations-and-passive.md Part 1 ("Never press test").
WRITES = re.compile(
    r"(?i)(/test(\b|$)|[?&]action=(test|set\w*|add|remove|delete|update|modify|control)\b|TestWebHook"
    r"|\bcmd=(set|test)\w*|\"cmd\"\s*:\s*\"(set|test)|\"method\"\s*:\s*\"[\w.]*\.(set|test|add|remove|delete))"
)


class RequestTable(Table):
    """`[[request]]`: a read-only HTTP request a vendor family needs; its id is the probe id of its observation."""

    id: Annotated[Ident, AfterValidator(_not_code_probe)]
    vendor: StrictStr | None = None
    method: Annotated[StrictStr, OneOf(("GET", "POST"))] = "GET"
    path: UrlPath
    body: StrictStr = ""
    content_type: StrictStr | None = None
    auth: StrictBool = True
    when: Annotated[StrictStr, OneOf(WHEN)] = "vendor"
    extract: dict[IdentityField, Extract] = {}
    session: StrictStr | None = None
    headers: dict[StrictStr, StrictStr] = {}
    per_channel: StrictBool = False
    token: JsonExpression | None = None
    close: UrlPath | None = None
    drop: tuple[Regex, ...] = ()
    secret_fields: tuple[
        Annotated[StrictStr, Matches(r"^[A-Za-z_][\w.-]*$", "{value!r} is not a field name")], ...
    ] = ()

    @model_validator(mode="after")
    def _identifies_without_a_login(self) -> RequestTable:
        """The identification round goes to hosts nothing identified yet: never the owner's login, one plain
        request each (no session, no channels, no search to close)."""
        if self.when != "identify":
            return self
        if self.auth:
            raise fail('when = "identify" needs auth = false: an unidentified host is never sent the owner\'s login')
        if self.session or self.per_channel or self.token:
            raise fail('when = "identify" is one plain request: no session, per_channel or token')
        return self

    @model_validator(mode="after")
    def _templates_fit(self) -> RequestTable:
        for part in (self.path, self.body, self.close or ""):
            if WRITES.search(part):
                raise fail(f"{part[:80]!r} presses a test button or writes: camaudit only reads")
        if self.per_channel and "{channel}" not in self.path + self.body:
            raise fail("per_channel = true needs {channel} in path or body")
        if (self.token is None) != (self.close is None):
            raise fail("token and close go together: the handle read, and the request that ends the search")
        if self.close is not None and "{token}" not in self.close:
            raise fail("close needs {token} in its path")
        return self


class SessionTable(Table):
    """`[[session]]`: a vendor login that yields a token for its requests, and the logout that ends it."""

    id: Ident
    vendor: StrictStr | None = None
    login_path: UrlPath
    login_body: LoginBody
    token: JsonExpression
    logout_path: UrlPath
    logout_body: StrictStr = ""
    content_type: StrictStr = "application/json"
    code: JsonExpression | None = None
    code_ok: Scalar = "0"


class IdentifyTable(Table):
    """`[[identify]]`: a vendor fingerprint."""

    id: Ident
    vendor: StrictStr | None = None  # the file's vendor when absent
    probe: Text
    match: Match = "all"
    matchers: Matchers
    confidence: Confidence
    sources: Sources
    cases: Cases
    camera: StrictBool = True
    role: Annotated[StrictStr, OneOf(KNOWN_ROLES)] | None = None

    def rules_out_a_camera(self) -> bool:
        """A fingerprint of a device that is not a camera (it may name no vendor)."""
        return self.role == Role.OTHER and not self.camera


class RuleTable(Table):
    """`[[rule]]`: face-analytics evidence; when it matches, `feature` is proven at `level`."""

    id: Ident
    name: Text
    vendor: StrictStr | None = None
    feature: Annotated[StrictStr, OneOf(FEATURES)]
    level: Annotated[StrictStr, OneOf(LEVELS)]
    confidence: Confidence
    probe: Text
    match: Match = "all"
    matchers: Matchers
    sources: Sources
    cases: Cases
    conclusive: StrictBool = True
    roles: tuple[Annotated[StrictStr, OneOf(KNOWN_ROLES)], ...] = ()

    @model_validator(mode="after")
    def _level_rests_on_its_proof(self) -> RuleTable:
        """The evidence standard: configured needs a switch that holds; active a count or an event."""
        switches = [m.switch for m in self.matchers]
        if self.level == "configured" and not (any(switches) if self.match == "all" else all(switches)):
            raise fail(
                'a configured rule needs a matcher with switch = true (every matcher, with match = "any"): '
                "a linkage table, a scene name or a rule listing alone is not an enable switch"
            )
        if self.level == "active" and not any(m.count or m.event for m in self.matchers):
            raise fail("an active rule needs a matcher with count = true (enrolled faces) or event = true")
        return self


class AnswerTable(Table):
    """`[[answer]]`: how the vendor says it lacks a function; such an answer concludes its check as absent."""

    id: Ident
    vendor: StrictStr | None = None
    meaning: Annotated[StrictStr, OneOf(ANSWER_MEANINGS)] = "absent"
    status: Annotated[tuple[Annotated[StrictInt, Field(ge=100, le=599)], ...], NonEmpty("needs a status list")]
    body: Regex | None = None
    sources: Sources
    cases: Cases


class ChannelsTable(Table):
    """`[[channels]]`: where the vendor lists a device's channels and the cameras behind them."""

    id: Ident
    vendor: StrictStr | None = None
    probe: Text
    item: Annotated[StrictStr, Matches("^(xml|json|kv):", "must start with xml:, json: or kv:")]
    channel: StrictStr
    name: StrictStr | None = None
    address: StrictStr | None = None
    model: StrictStr | None = None
    serial: StrictStr | None = None
    maker: StrictStr | None = None
    default: Names = ("1",)
    require: dict[StrictStr, Regex] = {}
    sources: Sources

    @model_validator(mode="after")
    def _kv_item_numbers_its_slot(self) -> ChannelsTable:
        """A kv item is a key regex whose named group `channel` names; its fields are key components."""
        if not self.item.startswith("kv:"):
            return self
        pattern = _regex(self.item.removeprefix("kv:"))
        if self.channel not in re.compile(pattern).groupindex:
            raise fail(f"a kv item needs a named group (?P<{self.channel}>...): channel names it")
        fields = [self.name, self.address, self.model, self.serial, self.maker, *self.require]
        for field in filter(None, fields):
            if not re.fullmatch(r"[\w\[\]]+", field):
                raise fail(f"'{field}' is not a key component (the part after a kv key's last dot)")
        return self


class ReadCaseTable(Table):
    """A recorded answer and the keys a [[linkage]] or [[destination]] must read from it (`read = []`: none)."""

    read: tuple[StrictStr, ...]
    body: StrictStr | None = None
    file: StrictStr | None = None  # relative to signatures/
    status: Annotated[StrictInt, Field(ge=100, le=599), say("must be a status code (100-599)")] = 200
    note: StrictStr = ""
    also_file: StrictStr | None = None  # the also_probe's answer, when the [[destination]] has one

    @field_validator("file", "also_file")
    @classmethod
    def _file_inside_the_directory(cls, name: str, info: ValidationInfo) -> str:
        return _case_file(name, info)

    @model_validator(mode="after")
    def _body_or_file(self) -> ReadCaseTable:
        if self.body is not None and self.file is not None:
            raise fail("has both body and file; give one")
        return self


def _reads_and_misses(cases: tuple[ReadCaseTable, ...]) -> tuple[ReadCaseTable, ...]:
    if not any(c.read for c in cases) or all(c.read for c in cases):
        raise fail("needs at least one case that reads something (read = [...]) and one that reads nothing (read = [])")
    return cases


ReadCases = Annotated[tuple[ReadCaseTable, ...], AfterValidator(_reads_and_misses)]
Item = Annotated[StrictStr, Matches("^(xml|json|kv):.", "must start with xml:, json: or kv:")]
ON = "(?i)^(true|1|yes|on)$"


def _item(item: str) -> str:
    kind, _, path = item.partition(":")
    if kind == "xml" and not _XML_PATH.match(path):
        raise fail(f"{path!r} is not a path of local names")
    if kind == "json" and not _JSON_PATH.match(path):
        raise fail(f"{path!r} is not a dotted JSON path")
    if kind == "kv":
        _regex(path)
    return item


class LinkageTable(Table):
    """`[[linkage]]`: which methods a device's face rules or triggers use (see signatures/README.md)."""

    id: Ident
    vendor: StrictStr | None = None
    probe: Text
    item: Annotated[Item, AfterValidator(_item)]
    event: Text
    events: Regex
    methods: StrictStr | None = None
    switches: dict[StrictStr, StrictStr] = {}
    on: Regex = ON
    channel: Names = ()
    require: dict[StrictStr, Regex] = {}
    sources: Sources
    cases: ReadCases

    @model_validator(mode="after")
    def _names_its_methods(self) -> LinkageTable:
        if not self.methods and not self.switches:
            raise fail("needs methods (a field listing them) or switches (method = field switched on)")
        return self


class DestinationTable(Table):
    """`[[destination]]`: where a device's settings name a receiver, and which linkage methods send there."""

    id: Ident
    vendor: StrictStr | None = None
    probe: Text
    item: Annotated[Item, AfterValidator(_item)]
    kind: Annotated[StrictStr, OneOf(tuple(DestinationKind))]
    methods: Names = ()
    registration: StrictBool = False
    host: Names = ()
    choose: StrictStr | None = None
    port: StrictStr | None = None
    path: StrictStr | None = None
    protocol: StrictStr | None = None
    status: StrictStr | None = None
    pictures: StrictStr | None = None
    service: StrictStr | None = None
    on: Regex = ON
    require: dict[StrictStr, Regex] = {}
    unset: dict[StrictStr, Regex] = {}
    also_probe: StrictStr | None = None
    also: tuple[MatcherTable, ...] = ()
    sources: Sources
    cases: ReadCases

    @model_validator(mode="after")
    def _reachable(self) -> DestinationTable:
        if not self.host and not self.service:
            raise fail("needs host (the fields naming the receiver) or service (a maker's cloud without one)")
        if not self.methods and not self.registration:
            raise fail("needs methods (the linkage methods that send here) or registration = true")
        return self


_SUFFIX = r"^([a-z0-9-]+\.)+[a-z]{2,}$"


class CloudTable(Table):
    """`[[cloud]]`: a maker's cloud, known by the domain suffixes of its host names."""

    id: Ident
    name: Text
    vendor: StrictStr | None = None
    suffixes: Annotated[
        tuple[Annotated[StrictStr, Matches(_SUFFIX, "{value!r} is not a lower-case domain name")], ...],
        NonEmpty("needs at least one domain suffix"),
    ]
    sources: Sources


class VendorTable(Table):
    """`[[vendor]]` (vendors.toml): a canonical vendor name, its spellings, MAC-vendor names and OEM family."""

    name: Text
    aliases: Names = ()
    oui_names: Names = ()
    family: StrictStr | None = None
    note: StrictStr = ""
    no_face_api: Annotated[StrictStr, OneOf(("", *sorted(FACE_API_REASONS)))] = ""  # a reason code; "" = camaudit can


class StreamPathTable(Table):
    """`[[stream_path]]`: a vendor-documented RTSP path to DESCRIBE when ONVIF gave no stream URI."""

    path: UrlPath
    vendor: StrictStr | None = None
    sources: Sources


def _vendor_form(value: object) -> str:
    """Which form `vendor` takes, so a mistake is reported once, in that form's words."""
    return "name" if isinstance(value, str) else "tables"


# The file's default vendor, or (vendors.toml only) its [[vendor]] tables.
Vendors = Annotated[
    Annotated[StrictStr, Tag("name")] | Annotated[tuple[VendorTable, ...], Tag("tables")], Discriminator(_vendor_form)
]


class SignatureFile(Table):
    """One camaudit signature file: requests, vendor fingerprints and face-analytics rules."""

    schema_: Annotated[StrictInt, OneOf((1,)), say("must be 1")] = Field(alias="schema")
    name: StrictStr = ""
    vendor: Vendors | None = None
    session: tuple[SessionTable, ...] = ()
    request: tuple[RequestTable, ...] = ()
    identify: tuple[IdentifyTable, ...] = ()
    rule: tuple[RuleTable, ...] = ()
    stream_path: tuple[StreamPathTable, ...] = ()
    answer: tuple[AnswerTable, ...] = ()
    channels: tuple[ChannelsTable, ...] = ()
    linkage: tuple[LinkageTable, ...] = ()
    destination: tuple[DestinationTable, ...] = ()
    cloud: tuple[CloudTable, ...] = ()

    @model_validator(mode="after")
    def _identify_has_a_vendor(self) -> SignatureFile:
        for n, ident in enumerate(self.identify):
            if not (ident.vendor or isinstance(self.vendor, str) or ident.rules_out_a_camera()):
                raise fail(
                    f"identify[{n}].vendor: is required (no file-level vendor), unless the fingerprint rules a camera "
                    'out (camera = false, role = "other")'
                )
        return self


def json_schema() -> str:
    """The JSON Schema of a signature file, as committed in signatures/schema.json."""
    return editor_schema(SignatureFile, "camaudit signature file")


if __name__ == "__main__":  # python -m scanner.matching.signature_file > signatures/schema.json
    sys.stdout.write(json_schema())
