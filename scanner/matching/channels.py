"""A device's video channels and the cameras behind them, read from its own channel list (`[[channels]]`, pure)."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.matching.matchers import json_leaves, json_text, parse_json, parse_xml, xml_nodes, xml_relative
from scanner.matching.schema import ChannelSource
from scanner.model import OK, Channel, Observation
from scanner.net.urls import printable
from scanner.net.xmlsafe import Element

MAX_CHANNELS = 256  # more than any recorder has (64 is common); a list longer than this is not believed
_FIELDS = ("name", "address", "model", "serial", "maker")


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
    if source.item.startswith("json:"):
        return _from_json(obs, source)
    return _from_xml(obs, source)


def _from_xml(obs: Observation, source: ChannelSource) -> tuple[Channel, ...]:
    root = parse_xml(obs.body)
    if root is None:
        return ()
    found = []
    for element, _, _ in xml_nodes(root, source.item.removeprefix("xml:")):
        values = {name: _xml_value(element, getattr(source, name)) for name in ("channel", *_FIELDS)}
        if values["channel"]:
            found.append(_channel(values))
    return tuple(found)


def _xml_value(element: Element, path: str | None) -> str | None:
    return next((value for value in xml_relative(element, path) if value), None) if path else None


def _from_json(obs: Observation, source: ChannelSource) -> tuple[Channel, ...]:
    found = []
    for _, item, _ in json_leaves(parse_json(obs.body), source.item.removeprefix("json:")):
        values = {name: _json_value(item, getattr(source, name)) for name in ("channel", *_FIELDS)}
        if values["channel"]:
            found.append(_channel(values))
    return tuple(found)


def _json_value(item: object, path: str | None) -> str | None:
    if not path:
        return None
    return next((json_text(leaf) for _, leaf, _ in json_leaves(item, path) if json_text(leaf)), None)


def _channel(values: dict[str, str | None]) -> Channel:
    clean = {name: printable(value, 128) if value else None for name, value in values.items()}
    return Channel(id=clean["channel"] or "", **{name: clean[name] for name in _FIELDS})
