"""signatures/*.toml -> a validated SignatureSet; every error names the file and the key path."""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import scanner
from scanner.datafile import load_toml
from scanner.errors import SignatureError
from scanner.matching.schema import (
    CODE_PROBES,
    MAX_IDENTIFY_REQUESTS,
    AnswerMeaning,
    Case,
    ChannelSource,
    CloudService,
    DestinationSource,
    IdentifyRule,
    Linkage,
    Matcher,
    ReadCase,
    RequestSpec,
    Rule,
    SessionSpec,
    SignatureSet,
    StreamPath,
    VendorInfo,
)
from scanner.matching.signature_file import (
    HINTS,
    AnswerTable,
    CaseTable,
    ChannelsTable,
    CloudTable,
    DestinationTable,
    IdentifyTable,
    LinkageTable,
    MatcherTable,
    ReadCaseTable,
    RequestTable,
    RuleTable,
    SessionTable,
    SignatureFile,
    StreamPathTable,
    VendorTable,
)

__all__ = ["CODE_PROBES", "default_directory", "load_signatures"]

_KEYS = (
    "vendor",
    "session",
    "request",
    "identify",
    "rule",
    "stream_path",
    "answer",
    "channels",
    "linkage",
    "destination",
    "cloud",
)  # arrays of tables; fmt: skip


def default_directory() -> Path:
    """The signature set shipped with camaudit: signatures/ beside the package in a checkout, the
    `scanner.signatures` package data in an installed wheel (setup.py maps one onto the other)."""
    checkout = Path(scanner.__file__).resolve().parent.parent / "signatures"
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec("scanner.signatures")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    return Path(locations[0]) if locations else checkout


def load_signatures(directory: Path | None = None) -> SignatureSet:
    """Read and validate every *.toml in the directory (sorted); raise SignatureError naming file and key."""
    directory = directory or default_directory()
    if not directory.is_dir():
        raise SignatureError(f"signature directory {directory} does not exist")
    paths = sorted(directory.glob("*.toml"))  # schema.json and README.md live here too; only *.toml are signatures
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
    entries: dict[str, list[Any]] = field(default_factory=dict)  # TOML table name -> records
    ids: dict[str, str] = field(default_factory=dict)  # rule/identify/request id -> where it was defined
    probe_refs: list[tuple[str, str]] = field(default_factory=list)  # (where, probe id)
    vendor_refs: list[tuple[str, str]] = field(default_factory=list)  # (where, vendor name)
    session_refs: list[tuple[str, str]] = field(default_factory=list)  # (where, session id)

    def read(self, path: Path) -> None:
        label = f"{self.directory.name}/{path.name}"
        context = {"directory": self.directory}
        sigfile = load_toml(path, SignatureFile, label, SignatureError, context=context, hints=HINTS)
        default = sigfile.vendor if isinstance(sigfile.vendor, str) else None
        if default:
            self.vendor_refs.append((f"{label}: vendor", default))
        ctx = _Context(label, default, self.directory)
        for key in _KEYS:
            tables = getattr(sigfile, key) if key != "vendor" or default is None else ()
            for i, table in enumerate(tables or ()):
                self._add(key, _BUILDERS[key](table, ctx), f"{label}: {key}[{i}]")

    def _add(self, key: str, entry: Any, where: str) -> None:
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
        if isinstance(entry, Rule | IdentifyRule | ChannelSource | Linkage | DestinationSource):
            self.probe_refs.append((f"{where}.probe", entry.probe))
        if isinstance(entry, DestinationSource) and entry.also_probe:
            self.probe_refs.append((f"{where}.also_probe", entry.also_probe))
        if isinstance(entry, RequestSpec) and entry.session:
            self.session_refs.append((f"{where}.session", entry.session))
        self.entries.setdefault(key, []).append(entry)

    def _face_coverage_said(self, vendors: tuple[VendorInfo, ...], rules: tuple[Rule, ...]) -> None:
        """A vendor without a conclusive face rule of its own (or of its family's) must say why in no_face_api:
        its devices are then judged unknown, never not_found on ONVIF's word alone."""
        covered = {rule.vendor for rule in rules if rule.conclusive and rule.vendor}
        for n, vendor in enumerate(vendors):
            if vendor.name not in covered and vendor.family not in covered and not vendor.no_face_api:
                _fail(f"{self.directory.name}/vendors.toml: vendor[{n}]", f"'{vendor.name}' has no conclusive face "
                      "rule of its own or its family's: set no_face_api to the reason camaudit cannot read its face "
                      "settings")  # fmt: skip

    def _identification_round_bounded(self, requests: tuple[RequestSpec, ...], rules: tuple[IdentifyRule, ...]) -> None:
        """The identification round is small and to the point: at most MAX_IDENTIFY_REQUESTS requests to each host,
        each one read by a fingerprint (a request nothing reads is only traffic)."""
        asked = [spec for spec in requests if spec.when == "identify"]
        if len(asked) > MAX_IDENTIFY_REQUESTS:
            names = ", ".join(spec.id for spec in asked)
            _fail(self.directory.name, f'{len(asked)} requests with when = "identify" ({names}): at most '
                  f"{MAX_IDENTIFY_REQUESTS} go to an unidentified host")  # fmt: skip
        read = {rule.probe for rule in rules}
        for spec in asked:
            if spec.id not in read:
                _fail(f"{spec.source}: request {spec.id}", 'when = "identify" needs an [[identify]] rule reading it')

    def finish(self, digest: str, files: tuple[str, ...]) -> SignatureSet:
        found = {key: tuple(self.entries.get(key, ())) for key in _KEYS}
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
        self._face_coverage_said(found["vendor"], found["rule"])
        self._identification_round_bounded(found["request"], found["identify"])
        return SignatureSet(
            rules=found["rule"],
            identifies=found["identify"],
            requests=found["request"],
            vendors=found["vendor"],
            digest=digest,
            files=files,
            stream_paths=found["stream_path"],
            sessions=found["session"],
            answers=found["answer"],
            channels=found["channels"],
            linkages=found["linkage"],
            destinations=found["destination"],
            clouds=found["cloud"],
        )


# --- validated tables -> the records the engine uses (defaults resolved, case files read) ---


def _request(t: RequestTable, ctx: _Context) -> RequestSpec:
    fields = t.model_dump(exclude={"vendor", "extract", "headers"})
    extract, headers = tuple(t.extract.items()), tuple(t.headers.items())
    return RequestSpec(**fields, vendor=t.vendor or ctx.vendor, extract=extract, headers=headers, source=ctx.label)


def _session(t: SessionTable, ctx: _Context) -> SessionSpec:
    return SessionSpec(**t.model_dump(exclude={"vendor"}), vendor=t.vendor or ctx.vendor, source=ctx.label)


def _identify(t: IdentifyTable, ctx: _Context) -> IdentifyRule:
    fields = t.model_dump(exclude={"vendor", "matchers", "cases"})
    vendor = t.vendor or ctx.vendor  # SignatureFile made sure one is set, unless the fingerprint rules a camera out
    matchers, cases = _matchers(t.matchers), _cases(t.cases, ctx)
    return IdentifyRule(**fields, vendor=vendor, matchers=matchers, cases=cases, source=ctx.label)


def _rule(t: RuleTable, ctx: _Context) -> Rule:
    fields = t.model_dump(exclude={"vendor", "matchers", "cases"})
    matchers, cases = _matchers(t.matchers), _cases(t.cases, ctx)
    return Rule(**fields, vendor=t.vendor or ctx.vendor, matchers=matchers, cases=cases, source=ctx.label)


def _answer(t: AnswerTable, ctx: _Context) -> AnswerMeaning:
    fields = t.model_dump(exclude={"vendor", "status", "cases"})
    vendor = t.vendor or ctx.vendor or ""
    return AnswerMeaning(**fields, vendor=vendor, statuses=t.status, cases=_cases(t.cases, ctx), source=ctx.label)


def _channels(t: ChannelsTable, ctx: _Context) -> ChannelSource:
    fields = t.model_dump(exclude={"vendor", "require"})
    vendor = t.vendor or ctx.vendor or ""
    return ChannelSource(**fields, vendor=vendor, require=tuple(t.require.items()), source=ctx.label)


def _vendor(t: VendorTable, ctx: _Context) -> VendorInfo:
    return VendorInfo(**t.model_dump())


def _stream_path(t: StreamPathTable, ctx: _Context) -> StreamPath:
    return StreamPath(path=t.path, vendor=t.vendor or ctx.vendor, sources=t.sources)


def _linkage(t: LinkageTable, ctx: _Context) -> Linkage:
    fields = t.model_dump(exclude={"vendor", "switches", "require", "cases"})
    return Linkage(**fields, vendor=t.vendor or ctx.vendor, switches=tuple(t.switches.items()),
                   require=tuple(t.require.items()), cases=_read_cases(t.cases, ctx), source=ctx.label)  # fmt: skip


def _destination(t: DestinationTable, ctx: _Context) -> DestinationSource:
    fields = t.model_dump(exclude={"vendor", "require", "unset", "also", "cases"})
    return DestinationSource(
        **fields,
        vendor=t.vendor or ctx.vendor,
        require=tuple(t.require.items()),
        unset=tuple(t.unset.items()),
        also=_matchers(t.also),
        cases=_read_cases(t.cases, ctx),
        source=ctx.label,
    )


def _cloud(t: CloudTable, ctx: _Context) -> CloudService:
    return CloudService(**t.model_dump(exclude={"vendor"}), vendor=t.vendor or ctx.vendor, source=ctx.label)


_BUILDERS: dict[str, Any] = {
    "vendor": _vendor,
    "session": _session,
    "request": _request,
    "identify": _identify,
    "rule": _rule,
    "stream_path": _stream_path,
    "answer": _answer,
    "channels": _channels,
    "linkage": _linkage,
    "destination": _destination,
    "cloud": _cloud,
}


def _matchers(tables: tuple[MatcherTable, ...]) -> tuple[Matcher, ...]:
    return tuple(
        Matcher(**m.model_dump(exclude={"sibling", "unless"}), sibling=tuple(m.sibling.items()),
                unless=tuple(m.unless.items()))
        for m in tables
    )  # fmt: skip


def _cases(tables: tuple[CaseTable, ...], ctx: _Context) -> tuple[Case, ...]:
    return tuple(
        Case(
            expect=c.expect,
            body=(ctx.directory / c.file).read_bytes() if c.file else (c.body or "").encode("utf-8"),
            status=c.status,
            headers=tuple(c.headers.items()),
            values=tuple((name, (v,) if isinstance(v, str) else v) for name, v in c.values.items()),
            note=c.note,
        )
        for c in tables
    )


def _read_cases(tables: tuple[ReadCaseTable, ...], ctx: _Context) -> tuple[ReadCase, ...]:
    return tuple(
        ReadCase(
            read=c.read,
            body=(ctx.directory / c.file).read_bytes() if c.file else (c.body or "").encode("utf-8"),
            status=c.status,
            note=c.note,
            also=(ctx.directory / c.also_file).read_bytes() if c.also_file else b"",
        )
        for c in tables
    )
