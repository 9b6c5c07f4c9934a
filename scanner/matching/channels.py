"""A device's video channels and the cameras behind them, read from its own channel list (`[[channels]]`, pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from scanner.matching.matchers import (
    json_leaves,
    json_text,
    kv_pairs,
    parse_json,
    parse_xml,
    xml_nodes,
    xml_relative,
)
from scanner.matching.schema import ChannelSource
from scanner.model import OK, Channel, Observation
from scanner.net.urls import printable
from scanner.net.xmlsafe import Element

MAX_CHANNELS = 256  # more than any recorder has (64 is common); a list longer than this is not believed
_FIELDS = ("name", "address", "model", "serial", "maker")
Lookup = Callable[[str], str | None]  # a field path relative to one listed item -> its first non-empty value


def read_channels(observations: Sequence[Observation], source: ChannelSource) -> tuple[Channel, ...] | None:
    """The channels an `ok` answer of the source's probe lists; None when no such answer was read."""
    for obs in observations:
        if obs.probe == source.probe and obs.outcome == OK:
            return _listed(obs, source)[:MAX_CHANNELS]
    return None


def default_channels(source: ChannelSource) -> tuple[Channel, ...]:
    """A device without a channel list (a camera): its own inputs, as the vendor numbers them."""
    return tuple(Channel(id=channel) for channel in source.default)


def _listed(obs: Observation, source: ChannelSource) -> tuple[Channel, ...]:
    kind, _, item = source.item.partition(":")
    items = {"json": _json_items, "kv": _kv_items}.get(kind, _xml_items)(obs, item, source)
    found = []
    for channel_id, lookup in items:
        if channel_id and all(re.search(pattern, lookup(field) or "") for field, pattern in source.require):
            found.append(_channel(channel_id, {name: _field(lookup, getattr(source, name)) for name in _FIELDS}))
    return tuple(found)


def _field(lookup: Lookup, path: str | None) -> str | None:
    return lookup(path) if path else None


def _xml_items(obs: Observation, item: str, source: ChannelSource) -> list[tuple[str | None, Lookup]]:
    root = parse_xml(obs.body)
    if root is None:
        return []
    lookups = [_xml_lookup(element) for element, _, _ in xml_nodes(root, item)]
    return [(lookup(source.channel), lookup) for lookup in lookups]


def _xml_lookup(element: Element) -> Lookup:
    def lookup(path: str) -> str | None:
        return next((value for value in xml_relative(element, path) if value), None)

    return lookup


def _json_items(obs: Observation, item: str, source: ChannelSource) -> list[tuple[str | None, Lookup]]:
    lookups = [_json_lookup(element) for _, element, _ in json_leaves(parse_json(obs.body), item)]
    return [(lookup(source.channel), lookup) for lookup in lookups]


def _json_lookup(element: object) -> Lookup:
    def lookup(path: str) -> str | None:
        return next((json_text(leaf) for _, leaf, _ in json_leaves(element, path) if json_text(leaf)), None)

    return lookup


def _kv_items(obs: Observation, item: str, source: ChannelSource) -> list[tuple[str | None, Lookup]]:
    """One item per slot: the keys whose part before the last dot full-matches `item`, grouped by the slot number
    (the `channel` group), in slot order; each field is the value of the key ending in that component."""
    slots: dict[str, dict[str, str]] = {}
    for key, value in kv_pairs(obs.text):
        head, _, last = key.rpartition(".")
        found = re.fullmatch(item, head)
        slot = found.group(source.channel) if found else None
        if slot is not None:
            slots.setdefault(slot, {}).setdefault(last, value)
    ordered = sorted(slots, key=lambda s: (0, int(s), "") if s.isdigit() else (1, 0, s))
    return [(slot, _kv_lookup(slots[slot])) for slot in ordered]


def _kv_lookup(fields: dict[str, str]) -> Lookup:
    def lookup(name: str) -> str | None:
        return fields.get(name) or None

    return lookup


def _channel(channel_id: str, values: dict[str, str | None]) -> Channel:
    clean = {name: printable(value, 128) if value else None for name, value in values.items()}
    return Channel(id=printable(channel_id, 128), **clean)
