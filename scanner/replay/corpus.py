"""A corpus device: a folder with `device.toml` (who it is, where every byte came from, what camaudit must conclude,
and the exchanges) and `answers/` (the recorded answer bodies), loaded into replay records.

The format is described in tests/corpus/README.md. A recorded 401 followed by an answer to the same request means
the answer needed the login: the answer is served only to a request that brings one (any), the 401 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

from pydantic import StrictInt, StrictStr

from scanner.datafile import NonEmpty, OneOf, Strings, Table, Text, load_toml
from scanner.errors import UsageError
from scanner.lab.auth import parse_params
from scanner.replay.records import DEFAULT_PORTS, LOGINS, PROTOCOLS, Exchange, RecordedDevice, operation_name
from scanner.vocabulary import Reason, Role, Verdict

DEVICE_FILE = "device.toml"
MAX_ANSWER = 2 << 20  # an answer file is at most a capped body


class _Provenance(Table):
    repository: Text
    url: Text
    path: Text
    commit: Text
    licence: Text
    copyright: Text
    obtained_with: Text
    filled_in: Strings = ()


class _Expect(Table):
    face_analytics: Annotated[StrictStr, OneOf(tuple(v.value for v in Verdict))]
    justification: Text
    reason: Annotated[StrictStr, OneOf(("", *(r.value for r in Reason)))] = ""
    role: Annotated[StrictStr, OneOf(("", *(r.value for r in Role)))] = ""
    vendor: StrictStr = ""
    features: Strings = ()
    channels: Strings = ()


class _Exchange(Table):
    protocol: Annotated[StrictStr, OneOf(PROTOCOLS)]
    method: Text
    path: Text  # path and query as sent (RTSP: of the URI)
    status: StrictInt
    body: Text
    port: StrictInt | None = None
    action: StrictStr = ""
    request_body: StrictStr = ""
    content_type: StrictStr = ""
    headers: dict[StrictStr, StrictStr] = {}
    login: Annotated[StrictStr, OneOf(LOGINS)] = ""
    realm: StrictStr = ""


class _Device(Table):
    id: Text
    vendor: Text
    model: Text
    role: Text
    firmware: StrictStr = ""
    address: StrictStr = ""  # the device's address as its own answers name it (their URLs are pointed at the replay)
    provenance: _Provenance
    expect: _Expect
    exchange: Annotated[tuple[_Exchange, ...], NonEmpty("needs at least one [[exchange]]")]


@dataclass(frozen=True)
class Provenance:
    """Where a corpus device's answers come from, under which licence, and what was filled in by hand."""

    repository: str
    url: str
    path: str
    commit: str
    licence: str
    copyright: str
    filled_in: tuple[str, ...]


@dataclass(frozen=True)
class Expectation:
    """What camaudit must conclude from exactly what was recorded, and the element (or missing check) that says so."""

    face_analytics: Verdict
    justification: str
    reason: Reason | None  # the main reason of an `unknown`
    role: Role | None  # the role camaudit must give it (None: not asserted)
    vendor: str | None  # the maker camaudit must name ("" in the file: none; absent: not asserted)


@dataclass(frozen=True)
class CorpusDevice:
    """One real recorded device of the corpus: its stated identity, provenance, expectation and recording."""

    id: str
    vendor: str
    model: str
    role: str
    provenance: Provenance
    expect: Expectation
    recorded: RecordedDevice


def is_corpus_device(folder: Path) -> bool:
    return (folder / DEVICE_FILE).is_file()


def load_corpus_device(folder: Path) -> CorpusDevice:
    """The device in `folder`; UsageError (one line naming the file and key) when it is not in the corpus format."""
    where = folder / DEVICE_FILE
    loaded = load_toml(where, _Device, str(where), UsageError)
    exchanges = _with_logins(tuple(_exchange(folder, e) for e in loaded.exchange))
    recorded = RecordedDevice(loaded.id, loaded.address or None, (), exchanges)
    p, e = loaded.provenance, loaded.expect
    provenance = Provenance(p.repository, p.url, p.path, p.commit, p.licence, p.copyright, tuple(p.filled_in))
    expect = Expectation(
        Verdict(e.face_analytics),
        e.justification,
        Reason(e.reason) if e.reason else None,
        Role(e.role) if e.role else None,
        e.vendor if "vendor" in e.model_fields_set else None,
    )
    return CorpusDevice(loaded.id, loaded.vendor, loaded.model, loaded.role, provenance, expect, recorded)


def _exchange(folder: Path, raw: _Exchange) -> Exchange:
    headers = dict(raw.headers)
    if raw.content_type and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = raw.content_type
    return Exchange(
        protocol=raw.protocol,
        method=raw.method,
        target=raw.path,
        port=raw.port or DEFAULT_PORTS[raw.protocol],
        status=raw.status,
        headers=tuple(headers.items()),
        answer=_answer(folder, raw.body),
        action=operation_name(raw.action),
        body=raw.request_body.encode("utf-8"),
        login=raw.login,
        realm=raw.realm,
        tls=raw.protocol == "https",
    )


def _answer(folder: Path, name: str) -> bytes:
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        raise UsageError(f"{folder / DEVICE_FILE}: answer file {name!r} is not a file of this device's folder")
    with path.open("rb") as handle:
        return handle.read(MAX_ANSWER)


def _with_logins(exchanges: tuple[Exchange, ...]) -> tuple[Exchange, ...]:
    """An answer recorded after a 401 to the same request needed the login the 401 asked for: say so on it."""
    found = list(exchanges)
    for index, refused in enumerate(exchanges):
        challenge = next((v for k, v in refused.headers if k.lower() == "www-authenticate"), "")
        if refused.status != 401 or not challenge:
            continue
        scheme, _, params = challenge.strip().partition(" ")
        for later, answer in enumerate(exchanges[index + 1 :], start=index + 1):
            same = (answer.method, answer.target, answer.body) == (refused.method, refused.target, refused.body)
            if same and answer.status != 401 and not found[later].login:
                realm = parse_params(params).get("realm", "")
                found[later] = replace(answer, login=scheme.lower() if scheme.lower() in LOGINS else "", realm=realm)
    return tuple(found)
