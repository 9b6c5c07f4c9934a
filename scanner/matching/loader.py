"""signatures/*.toml -> a validated SignatureSet; every error names the file and the key path."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NoReturn

import scanner
from scanner.errors import SignatureError
from scanner.matching.schema import (
    CODE_PROBES,
    EXTRACT_KINDS,
    IDENTITY_FIELDS,
    MATCHER_KEYS,
    WHEN,
    Case,
    IdentifyRule,
    Matcher,
    RequestSpec,
    Rule,
    SessionSpec,
    SignatureSet,
    StreamPath,
    VendorInfo,
)
from scanner.model import CONFIDENCES, FEATURES, LEVELS, MAX_BODY

__all__ = ["CODE_PROBES", "default_directory", "load_signatures"]

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SOURCE = re.compile(r"^(https?://\S+|[\w.-]+/[\w.-]+:\S+)$")  # a URL or owner/repo:path
# A step is a local name or `*`, optionally with one attribute test: `parameter[@name='Channel.#.EventType']`.
_STEP = r"([\w.-]+|\*)(\[@[\w.-]+='[^'\]/]*'\])?"
_XML_PATH = re.compile(rf"^(//)?{_STEP}(/{_STEP})*(/@[\w.-]+)?$")
_XML_RELATIVE = re.compile(rf"^({_STEP}/)*({_STEP}|@[\w.-]+)$")
_JSON_PATH = re.compile(r"^[^.\[\]]*(\[(\d+|\*)\])*(\.[^.\[\]]+(\[(\d+|\*)\])*)*$")
_PART = re.compile(r"^(body|status|header:[!-9;-~]+|value:\w+)$")  # header names: printable, no colon
_FILE_KEYS = {"schema", "name", "vendor", "session", "request", "identify", "rule", "stream_path"}


def _keys_of(record: type, *extra: str) -> set[str]:
    """The TOML keys a table may have: the record's fields (not `source`, which the loader sets)."""
    return {f.name for f in fields(record)} - {"source"} | set(extra)


def default_directory() -> Path:
    """The signatures/ directory shipped next to the package."""
    return Path(scanner.__file__).parent.parent / "signatures"


def load_signatures(directory: Path | None = None) -> SignatureSet:
    """Read and validate every *.toml in the directory (sorted); raise SignatureError naming file and key."""
    directory = directory or default_directory()
    if not directory.is_dir():
        raise SignatureError(f"signature directory {directory} does not exist")
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise SignatureError(f"signature directory {directory} has no *.toml files")
    acc = _Accumulator(directory)
    for path in paths:
        acc.read(path)
    return acc.finish(_digest(directory), tuple(p.name for p in paths))


def _digest(directory: Path) -> str:
    """SHA-256 over the sorted relative names and bytes of every file: the signature-set version."""
    digest = hashlib.sha256()
    for name, path in sorted((p.relative_to(directory).as_posix(), p) for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _fail(where: str, message: str) -> NoReturn:
    raise SignatureError(f"{where}: {message}")


@dataclass(frozen=True)
class _Context:
    """Where a table comes from: its file's label, the file's default vendor and the signatures directory."""

    label: str
    vendor: str | None
    directory: Path


@dataclass
class _Accumulator:
    """Collects entries file by file; cross-file references are checked once everything is read."""

    directory: Path
    entries: dict[str, list[Any]] = field(default_factory=dict)  # TOML table name -> parsed records
    ids: dict[str, str] = field(default_factory=dict)  # rule/identify/request id -> where it was defined
    probe_refs: list[tuple[str, str]] = field(default_factory=list)  # (where, probe id)
    vendor_refs: list[tuple[str, str]] = field(default_factory=list)  # (where, vendor name)
    session_refs: list[tuple[str, str]] = field(default_factory=list)  # (where, session id)

    def read(self, path: Path) -> None:
        label = f"{self.directory.name}/{path.name}"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            _fail(label, f"cannot be read as TOML: {exc}")
        _keys(data, _FILE_KEYS, f"{label}: top level")
        if data.get("schema") != 1:
            _fail(label, "schema: must be 1")
        if not isinstance(data.get("name", ""), str):
            _fail(label, "name: must be a string")
        # `vendor` is either the file's default vendor (a string) or the [[vendor]] tables of vendors.toml.
        default = data.get("vendor") if isinstance(data.get("vendor"), str) else None
        if default:
            self.vendor_refs.append((f"{label}: vendor", default))
        ctx = _Context(label, default, self.directory)
        for key, parse in _PARSERS.items():
            if key == "vendor" and default is not None:
                continue
            for i, table in enumerate(_tables(data, key, label)):
                self._add(key, parse(table, ctx, f"{label}: {key}[{i}]"), f"{label}: {key}[{i}]")

    def _add(self, key: str, entry: Any, where: str) -> None:
        if isinstance(entry, RequestSpec) and entry.id in CODE_PROBES:
            _fail(f"{where}.id", f"'{entry.id}' is a probe id that code produces")
        ident = getattr(entry, "id", None)
        if ident is not None:
            if ident in self.ids:
                _fail(where, f"id '{ident}' is already defined at {self.ids[ident]}")
            self.ids[ident] = where
        if isinstance(entry, VendorInfo):
            if any(v.name == entry.name for v in self.entries.get("vendor", [])):
                _fail(f"{where}.name", f"vendor '{entry.name}' is already defined")
            if entry.family:
                self.vendor_refs.append((f"{where}.family", entry.family))
        elif entry.vendor:
            self.vendor_refs.append((f"{where}.vendor", entry.vendor))
        if isinstance(entry, Rule | IdentifyRule):
            self.probe_refs.append((f"{where}.probe", entry.probe))
        if isinstance(entry, RequestSpec) and entry.session:
            self.session_refs.append((f"{where}.session", entry.session))
        self.entries.setdefault(key, []).append(entry)

    def finish(self, digest: str, files: tuple[str, ...]) -> SignatureSet:
        found = {key: tuple(self.entries.get(key, ())) for key in _PARSERS}
        known = set(CODE_PROBES) | {spec.id for spec in found["request"]}
        for where, probe in self.probe_refs:
            if probe not in known:
                _fail(where, f"unknown probe '{probe}' (neither produced by code nor a [[request]] id)")
        sessions = {spec.id for spec in found["session"]}
        for where, session in self.session_refs:
            if session not in sessions:
                _fail(where, f"unknown session '{session}' (not a [[session]] id)")
        names = {v.name for v in found["vendor"]}
        for where, vendor in self.vendor_refs if names else ():  # a set without [[vendor]] tables skips this
            if vendor not in names:
                _fail(where, f"unknown vendor '{vendor}' (not a [[vendor]] name)")
        return SignatureSet(
            rules=found["rule"],
            identifies=found["identify"],
            requests=found["request"],
            vendors=found["vendor"],
            digest=digest,
            files=files,
            stream_paths=found["stream_path"],
            sessions=found["session"],
        )


# --- one table each ---


def _request(t: dict[str, Any], ctx: _Context, where: str) -> RequestSpec:
    _keys(t, _keys_of(RequestSpec), where)
    extract = _table(t, "extract", where)
    for name, expression in extract.items():
        _extract(name, expression, f"{where}.extract.{name}")
    return RequestSpec(
        id=_ident(t, where),
        vendor=_text(t, "vendor", where, required=False) or ctx.vendor,
        method=_choice(t, "method", where, ("GET", "POST"), "GET"),
        path=_url_path(t, where),
        body=_text(t, "body", where, required=False) or "",
        content_type=_text(t, "content_type", where, required=False),
        auth=_flag(t, "auth", where, True),
        when=_choice(t, "when", where, WHEN, "vendor"),
        extract=tuple(extract.items()),
        session=_text(t, "session", where, required=False),
        source=ctx.label,
    )


def _identify(t: dict[str, Any], ctx: _Context, where: str) -> IdentifyRule:
    _keys(t, _keys_of(IdentifyRule), where)
    vendor = _text(t, "vendor", where, required=False) or ctx.vendor
    if not vendor:
        _fail(f"{where}.vendor", "is required (no file-level vendor)")
    return IdentifyRule(
        id=_ident(t, where),
        vendor=vendor,
        probe=_text(t, "probe", where) or "",
        match=_choice(t, "match", where, ("all", "any"), "all"),
        matchers=_matchers(t, where),
        confidence=_choice(t, "confidence", where, CONFIDENCES),
        sources=_sources(t, where),
        cases=_cases(t, ctx, where),
        camera=_flag(t, "camera", where, True),
        source=ctx.label,
    )


def _rule(t: dict[str, Any], ctx: _Context, where: str) -> Rule:
    _keys(t, _keys_of(Rule), where)
    return Rule(
        id=_ident(t, where),
        name=_text(t, "name", where) or "",
        vendor=_text(t, "vendor", where, required=False) or ctx.vendor,
        feature=_choice(t, "feature", where, FEATURES),
        level=_choice(t, "level", where, LEVELS),
        confidence=_choice(t, "confidence", where, CONFIDENCES),
        probe=_text(t, "probe", where) or "",
        match=_choice(t, "match", where, ("all", "any"), "all"),
        matchers=_matchers(t, where),
        sources=_sources(t, where),
        cases=_cases(t, ctx, where),
        conclusive=_flag(t, "conclusive", where, True),
        source=ctx.label,
    )


def _session(t: dict[str, Any], ctx: _Context, where: str) -> SessionSpec:
    _keys(t, _keys_of(SessionSpec), where)
    token = _json_expression(t, "token", where) or ""
    if not token:
        _fail(f"{where}.token", "is required")
    login_body = _text(t, "login_body", where) or ""
    if "{username}" not in login_body or "{password}" not in login_body:
        _fail(f"{where}.login_body", "must contain {username} and {password}")
    return SessionSpec(
        id=_ident(t, where),
        vendor=_text(t, "vendor", where, required=False) or ctx.vendor,
        login_path=_url_path(t, where, "login_path"),
        login_body=login_body,
        token=token,
        logout_path=_url_path(t, where, "logout_path"),
        logout_body=_text(t, "logout_body", where, required=False) or "",
        content_type=_text(t, "content_type", where, required=False) or "application/json",
        code=_json_expression(t, "code", where),
        code_ok=_scalar_text(t, "code_ok", where) or "0",
        source=ctx.label,
    )


def _json_expression(t: dict[str, Any], key: str, where: str) -> str | None:
    expression = _text(t, key, where, required=False)
    if expression is not None:
        _extract("serial", expression, f"{where}.{key}")  # same syntax as an identity extract
        if not expression.startswith("json:"):
            _fail(f"{where}.{key}", "must be a json:<path> expression")
    return expression


def _vendor(t: dict[str, Any], ctx: _Context, where: str) -> VendorInfo:
    _keys(t, _keys_of(VendorInfo), where)
    return VendorInfo(
        name=_text(t, "name", where) or "",
        aliases=_texts(t, "aliases", where),
        oui_names=_texts(t, "oui_names", where),
        family=_text(t, "family", where, required=False),
        note=_text(t, "note", where, required=False) or "",
        no_face_api=_text(t, "no_face_api", where, required=False) or "",
    )


def _stream_path(t: dict[str, Any], ctx: _Context, where: str) -> StreamPath:
    _keys(t, _keys_of(StreamPath), where)
    vendor = _text(t, "vendor", where, required=False) or ctx.vendor
    return StreamPath(path=_url_path(t, where), vendor=vendor, sources=_sources(t, where))


_PARSERS = {
    "vendor": _vendor,
    "session": _session,
    "request": _request,
    "identify": _identify,
    "rule": _rule,
    "stream_path": _stream_path,
}


def _url_path(t: dict[str, Any], where: str, key: str = "path") -> str:
    path = _text(t, key, where) or ""
    if not path.startswith("/") or any(c.isspace() for c in path):
        _fail(f"{where}.{key}", "must start with '/' and contain no whitespace")
    return path


def _extract(name: str, expression: object, where: str) -> None:
    if name not in IDENTITY_FIELDS:
        _fail(where, f"unknown identity field '{name}' (one of {', '.join(IDENTITY_FIELDS)})")
    kind, _, arg = expression.partition(":") if isinstance(expression, str) else ("", "", "")
    if kind not in EXTRACT_KINDS or not arg:
        _fail(where, f"must be a string '<kind>:<argument>' with kind one of {', '.join(EXTRACT_KINDS)}")
    if kind == "xml" and not _XML_PATH.match(arg):
        _fail(where, f"'{arg}' is not a path of local names")
    if kind == "json" and not _JSON_PATH.match(arg):
        _fail(where, f"'{arg}' is not a dotted JSON path")
    groups = _compile(arg, where).groups if kind in ("kv", "regex") else 1
    if kind == "regex" and groups != 1:
        _fail(where, "a regex extract needs exactly one group")


# --- matchers and cases ---


def _matchers(t: dict[str, Any], where: str) -> tuple[Matcher, ...]:
    items = t.get("matchers")
    if not isinstance(items, list) or not items:
        _fail(f"{where}.matchers", "needs at least one matcher")
    return tuple(_matcher(item, f"{where}.matchers[{i}]") for i, item in enumerate(items))


def _matcher(m: object, where: str) -> Matcher:
    if not isinstance(m, dict):
        _fail(where, "must be a table")
    kind = m.get("kind")
    if kind not in MATCHER_KEYS:
        _fail(where, f"unknown kind {kind!r}")
    needed, optional = MATCHER_KEYS[kind]
    for key in m:
        if key not in {"kind", "part", needed, *optional}:
            _fail(where, f"key '{key}' does not apply to kind '{kind}'")
    if needed and needed not in m:
        _fail(where, f"kind '{kind}' needs '{needed}'")
    part = _text(m, "part", where, required=False) or "body"
    if not _PART.match(part):
        _fail(f"{where}.part", f"must be body, status, header:<Name> or value:<name>, not '{part}'")
    if kind in ("xml", "kv", "json") and part != "body":
        _fail(f"{where}.part", f"kind '{kind}' reads the body")
    path = m.get("path")
    if kind == "xml" and not (isinstance(path, str) and _XML_PATH.match(path)):
        _fail(f"{where}.path", f"{path!r} is not a path of local names (A/B/C, //B/C, A/B/@attr)")
    if kind == "json" and not (isinstance(path, str) and path and _JSON_PATH.match(path)):
        _fail(f"{where}.path", f"{path!r} is not a dotted JSON path (a.b[0].c, a[*].b)")
    return Matcher(
        kind=kind,
        part=part,
        path=path,
        key=_regex(m, "key", where),
        pattern=_regex(m, "pattern", where),
        text=_scalar_text(m, "text", where),
        equals=_scalar_text(m, "equals", where),
        regex=_regex(m, "regex", where),
        one_of=_texts(m, "in", where) if "in" in m else None,
        gt=_number(m, "gt", where),
        qname=_flag(m, "qname", where, False),
        sibling=_sibling(m, kind, where),
    )


def _sibling(m: dict[str, Any], kind: str, where: str) -> tuple[tuple[str, str], ...]:
    table = _table(m, "sibling", where)
    for name, pattern in table.items():
        ok_name = _XML_RELATIVE.match(name) if kind == "xml" else re.fullmatch(r"[\w\[\]]+", name)
        if not ok_name:
            _fail(f"{where}.sibling", f"'{name}' is not a valid sibling name for kind '{kind}'")
        if not isinstance(pattern, str):
            _fail(f"{where}.sibling.{name}", "must be a regex string")
        _compile(pattern, f"{where}.sibling.{name}")
    return tuple(table.items())


def _cases(t: dict[str, Any], ctx: _Context, where: str) -> tuple[Case, ...]:
    items = t.get("cases")
    if not isinstance(items, list):
        _fail(f"{where}.cases", "needs a list of cases")
    cases = tuple(_case(item, ctx, f"{where}.cases[{i}]") for i, item in enumerate(items))
    if not any(c.expect for c in cases) or all(c.expect for c in cases):
        _fail(f"{where}.cases", "needs at least one case with expect = true and one with expect = false")
    return cases


def _case(c: object, ctx: _Context, where: str) -> Case:
    if not isinstance(c, dict):
        _fail(where, "must be a table")
    _keys(c, _keys_of(Case, "file"), where)
    if not isinstance(c.get("expect"), bool):
        _fail(f"{where}.expect", "must be true or false")
    if "body" in c and "file" in c:
        _fail(where, "has both body and file; give one")
    status = c.get("status", 200)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        _fail(f"{where}.status", "must be a status code (100-599)")
    headers = _table(c, "headers", where)
    if not all(isinstance(v, str) for v in headers.values()):
        _fail(f"{where}.headers", "values must be strings")
    return Case(
        expect=c["expect"],
        body=_case_body(c, ctx, where),
        status=status,
        headers=tuple(headers.items()),
        values=_case_values(c, where),
        note=_text(c, "note", where, required=False) or "",
    )


def _case_body(c: dict[str, Any], ctx: _Context, where: str) -> bytes:
    if "file" not in c:
        return (_text(c, "body", where, required=False) or "").encode("utf-8")
    name = _text(c, "file", where) or ""
    base = ctx.directory.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        _fail(f"{where}.file", f"'{name}' is not a file inside {ctx.directory.name}/")
    if path.stat().st_size > MAX_BODY:
        _fail(f"{where}.file", f"'{name}' is larger than an observation body can be")
    return path.read_bytes()


def _case_values(c: dict[str, Any], where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    values = []
    for name, items in _table(c, "values", where).items():
        items = [items] if isinstance(items, str) else items
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            _fail(f"{where}.values.{name}", "must be a string or a list of strings")
        values.append((name, tuple(items)))
    return tuple(values)


# --- typed getters: each fails with the key path ---


def _keys(t: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in t:
        if key not in allowed:
            _fail(where, f"unknown key '{key}'")


def _tables(data: dict[str, Any], key: str, label: str) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        _fail(label, f"{key}: must be an array of tables ([[{key}]])")
    return items


def _table(t: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = t.get(key, {})
    if not isinstance(value, dict):
        _fail(f"{where}.{key}", "must be a table")
    return value


def _text(t: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = t.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        _fail(f"{where}.{key}", "must be a non-empty string" if required else "must be a string")
    return value


def _texts(t: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = t.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        _fail(f"{where}.{key}", "must be a list of non-empty strings")
    return tuple(value)


def _scalar_text(t: dict[str, Any], key: str, where: str) -> str | None:
    value = t.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # `text = 200` for a status
    return _text(t, key, where, required=False)


def _ident(t: dict[str, Any], where: str) -> str:
    ident = _text(t, "id", where) or ""
    if not _ID.match(ident):
        _fail(f"{where}.id", f"'{ident}' must be lower-case letters, digits, '.', '_' or '-'")
    return ident


def _choice(t: dict[str, Any], key: str, where: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = t.get(key, default)
    if value not in choices:
        _fail(f"{where}.{key}", f"{value!r} is not one of {', '.join(choices)}")
    return str(value)


def _flag(t: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = t.get(key, default)
    if not isinstance(value, bool):
        _fail(f"{where}.{key}", "must be true or false")
    return value


def _number(t: dict[str, Any], key: str, where: str) -> float | None:
    value = t.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        _fail(f"{where}.{key}", "must be a number")
    return None if value is None else float(value)


def _sources(t: dict[str, Any], where: str) -> tuple[str, ...]:
    sources = _texts(t, "sources", where)
    if not sources:
        _fail(f"{where}.sources", "needs at least one source (a URL or owner/repo:path)")
    for source in sources:
        if not _SOURCE.match(source):
            _fail(f"{where}.sources", f"'{source}' is neither a URL nor owner/repo:path")
    return sources


def _regex(t: dict[str, Any], key: str, where: str) -> str | None:
    pattern = _text(t, key, where, required=False)
    if pattern is not None:
        _compile(pattern, f"{where}.{key}")
    return pattern


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        _fail(where, f"invalid regex {pattern!r}: {exc}")
