"""Where a device's face data goes, read as a join (pure): the methods its face rules or triggers use
(`[[linkage]]`), then the receivers its settings name for those methods (`[[destination]]`).

A receiver slot counts only when it is in use: its switches on, its host set (an empty host, 0.0.0.0 or :: is a
factory slot), none of its `unset` fields matching. It is reported when a face route reaches it, or when it is a
registration (a cloud or platform that reaches the device whatever the linkage). `validate_reads` runs every
table's cases.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scanner.matching.items import Item, items
from scanner.matching.matchers import evaluate
from scanner.matching.schema import DestinationSource, Linkage, ReadCase, SignatureSet
from scanner.model import OK, Destination, Evidence, Observation, Route
from scanner.net.text import plain, small_int
from scanner.vocabulary import DestinationKind, outcome_of_status

MAX_TEXT = 255  # a host name is at most 253 characters; paths and words shown are capped alike
_NOWHERE = frozenset({ipaddress.ip_address("0.0.0.0"), ipaddress.ip_address("::")})  # noqa: S104 - compared, never bound


def route_key(route: Route) -> str:
    """`faceSnap@1:FTP`: how cases (and the lab's answer key) name a route."""
    return f"{route.event}@{route.channel or '-'}:{route.method}"


def destination_key(destination: Destination) -> str:
    """`ftp 10.1.15.2:21`: how cases name a destination slot in use."""
    port = "-" if destination.port is None else str(destination.port)
    return f"{destination.kind} {destination.host or '-'}:{port}"


def read_destinations(
    observations: Sequence[Observation], sigset: SignatureSet, vendors: Sequence[str]
) -> tuple[Destination, ...]:
    """The device's destinations: each slot in use that a face route reaches, or that is a registration."""
    mine = [t for t in sigset.linkages if t.vendor is None or t.vendor in vendors]
    routes = [route for table in mine for route in read_routes(observations, table)]
    found = []
    for source in (s for s in sigset.destinations if s.vendor is None or s.vendor in vendors):
        methods = {m.casefold() for m in source.methods}
        for slot in read_slots(observations, source):
            reached = tuple(r for r in routes if r.method.casefold() in methods)
            if reached or source.registration:
                found.append(replace(slot, routes=reached))
    return tuple(sorted(found, key=_order))


def _order(destination: Destination) -> tuple[object, ...]:
    kinds = list(DestinationKind)
    return kinds.index(destination.kind), destination.host or "", destination.port or 0, destination.rule


def read_routes(observations: Sequence[Observation], table: Linkage) -> list[Route]:
    """Each face rule's or trigger's methods, once per (event, channel, method)."""
    found: dict[tuple[str, str | None, str], Route] = {}
    for obs in _answers(observations, table.probe):
        for item in items(obs, table.item):
            event = item.first(table.event)
            if event is None or not re.search(table.events, event) or not _holds(item, table.require):
                continue
            channel = next((c for c in map(item.group, table.channel) if c is not None), None)
            channel = channel or next(filter(None, map(item.first, table.channel)), None) or obs.channel
            listed = [(m, table.methods) for m in item.values(table.methods)] if table.methods else []
            switched = [(m, p) for m, p in table.switches if re.search(table.on, item.first(p) or "")]
            shown = [table.event, *table.channel, *(f for f, _ in table.require)]
            for method, path in listed + switched:  # each route's evidence: the item with that method's field
                excerpt = item.excerpt([*shown, path], pick=(path, method) if path == table.methods else None)
                key = (_text(event), _text(channel) if channel else None, _text(method))
                evidence = Evidence(obs.probe, obs.request, excerpt, obs.sha256, obs.at)
                found.setdefault(key, Route(*key, rule=table.id, evidence=evidence))
    return sorted(found.values(), key=lambda r: (r.event, r.channel or "", r.method))


def read_slots(observations: Sequence[Observation], source: DestinationSource) -> list[Destination]:
    """The receiver slots in use, without routes."""
    also = _answers(observations, source.also_probe or source.probe)
    if not all(any(evaluate(matcher, obs) is not None for obs in also) for matcher in source.also):
        return []
    found = []
    for obs in _answers(observations, source.probe):
        for item in items(obs, source.item):
            slot = _slot(obs, item, source)
            if slot is not None:
                found.append(slot)
    return found


def _slot(obs: Observation, item: Item, source: DestinationSource) -> Destination | None:
    if not _holds(item, source.require) or any(re.search(p, item.first(f) or "") for f, p in source.unset):
        return None
    host = _host(item, source)
    if host is None and source.host:
        return None
    port = small_int(item.first(source.port) or "", 5)
    shown = [*source.host, source.choose, source.port, source.path, source.protocol, source.status, source.pictures]
    shown += [f for f, _ in source.require]
    pictures = item.first(source.pictures)
    return Destination(
        rule=source.id,
        kind=DestinationKind(source.kind),
        host=host,
        port=port if port and port < 65536 else None,
        evidence=Evidence(obs.probe, obs.request, item.excerpt(shown), obs.sha256, obs.at),
        path=_optional(item.first(source.path)),
        protocol=_optional(item.first(source.protocol)),
        service=source.service,
        status=_state(item, source.status),
        pictures=None if pictures is None else bool(re.search(source.on, pictures)),
        registration=source.registration,
    )


def _host(item: Item, source: DestinationSource) -> str | None:
    """The first host field that is set; `choose` picks the field its value names (`hostname` -> `hostName`)."""
    fields = list(source.host)
    chosen = (item.first(source.choose) or "").casefold()
    fields.sort(key=lambda name: name.casefold() != chosen)
    for name in fields:
        value = _text(item.first(name) or "")
        if value and not _nowhere(value):
            return value
    return None


def _nowhere(host: str) -> bool:
    """A factory slot's address: the unspecified address of either family."""
    try:
        return ipaddress.ip_address(host.strip("[]")) in _NOWHERE
    except ValueError:
        return False


def _holds(item: Item, conditions: Sequence[tuple[str, str]]) -> bool:
    """Every condition's field has a value matching its regex."""
    return all(any(re.search(pattern, v) for v in item.values(path)) for path, pattern in conditions)


def _answers(observations: Sequence[Observation], probe: str) -> list[Observation]:
    return [obs for obs in observations if obs.probe == probe and obs.outcome == OK]


def _text(value: str) -> str:
    return plain(value, MAX_TEXT)


def _state(item: Item, path: str | None) -> str | None:
    """The live state a slot reports, with the field's name: `registerStatus=true`, `status=offline`."""
    value = item.first(path)
    return f"{path.rsplit('/', 1)[-1].rsplit('.', 1)[-1]}={_text(value)}" if path and value else None


def _optional(value: str | None) -> str | None:
    return _text(value) or None if value is not None else None


# --- cases ---


@dataclass(frozen=True)
class ReadFailure:
    """A [[linkage]] or [[destination]] case whose answer did not read as expected."""

    table: str
    case: int
    expected: tuple[str, ...]
    got: tuple[str, ...]
    note: str = ""

    def __str__(self) -> str:
        about = f" ({self.note})" if self.note else ""
        return f"{self.table} case {self.case}: expected {list(self.expected)}, read {list(self.got)}{about}"


def validate_reads(sigset: SignatureSet) -> tuple[ReadFailure, ...]:
    """Every case of every linkage and destination table, through the real reading path."""
    failures = []
    for linkage in sigset.linkages:
        for index, case in enumerate(linkage.cases):
            got = sorted({route_key(r) for r in read_routes([_observation(linkage.probe, case)], linkage)})
            if got != sorted(case.read):
                failures.append(ReadFailure(linkage.id, index, tuple(sorted(case.read)), tuple(got), case.note))
    for source in sigset.destinations:
        for index, case in enumerate(source.cases):
            answers = [_observation(source.probe, case)]
            if source.also_probe and source.also_probe != source.probe:
                answers.append(_observation(source.also_probe, replace(case, body=case.also, status=200)))
            got = sorted(destination_key(d) for d in read_slots(answers, source))
            if got != sorted(case.read):
                failures.append(ReadFailure(source.id, index, tuple(sorted(case.read)), tuple(got), case.note))
    return tuple(failures)


def _observation(probe: str, case: ReadCase) -> Observation:
    return Observation(probe, f"case of {probe}", outcome_of_status(case.status), case.status, body=case.body)
