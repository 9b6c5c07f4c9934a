"""The items an answer lists (trigger, rule, slot) and the fields of each, for xml:, json: and kv: item paths (pure).

An item path is `xml:<path of local names>`, `json:<dotted path to a list's items>`, or `kv:<regex>` over the part
of a `key=value` key before a field: `kv:(table\\.)?AlarmServer` makes `table.AlarmServer.Address=...` the field
`Address` of one item, and `kv:(table\\.)?VideoAnalyseRule\\[(?P<channel>\\d+)\\]\\[\\d+\\]` one item per rule, with
the named group `channel`. A field path is relative to the item (kv: the rest of the key, dots included).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from scanner.matching.matchers import (
    cap,
    json_leaves,
    json_text,
    kv_pairs,
    parse_json,
    parse_xml,
    render,
    xml_nodes,
    xml_relative,
)
from scanner.model import Observation
from scanner.net.xmlsafe import Element, local

MAX_ITEMS = 256  # more triggers, rules or slots than any device lists: a longer list is not believed
_ITEM_GROUP = "camaudit_item"


@dataclass(frozen=True)
class Item:
    """One listed element: every value at a relative field path, and an excerpt showing the fields it used."""

    kind: str  # xml | json | kv
    element: object  # the XML element, the JSON value, or the kv item's {field: value}
    groups: tuple[tuple[str, str], ...] = ()  # kv: the item regex's named groups
    lines: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # kv: (full key, field) in answer order

    def values(self, path: str) -> list[str]:
        """The non-empty values at `path` (stripped), in document order."""
        if self.kind == "xml":
            assert isinstance(self.element, Element)
            return [v for v in xml_relative(self.element, path) if v]
        if self.kind == "json":
            texts = (json_text(leaf) for _, leaf, _ in json_leaves(self.element, path))
            return [t.strip() for t in texts if t and t.strip()]
        assert isinstance(self.element, dict)
        value = self.element.get(path, "")
        return [value] if value else []

    def first(self, path: str | None) -> str | None:
        """The first non-empty value at `path`, or None (also for no path)."""
        found = self.values(path) if path else []
        return found[0] if found else None

    def group(self, name: str) -> str | None:
        return dict(self.groups).get(name)

    def excerpt(self, paths: Sequence[str | None] = (), pick: tuple[str, str] | None = None) -> str:
        """The item as evidence: for XML, the branches to the fields named (at `pick`'s path, only the leaf of that
        value); for kv, the lines of the fields named; a JSON value whole."""
        if self.kind == "xml":
            assert isinstance(self.element, Element)
            leaves = [e for path in paths if path for e in _xml_at(self.element, path) if _picked(e, path, pick)]
            return cap(_pruned(self.element, leaves) if leaves else render(self.element))
        if self.kind == "json":
            return cap(json.dumps(self.element, ensure_ascii=False, sort_keys=True))
        wanted = {p for p in paths if p}
        assert isinstance(self.element, dict)
        shown = [f"{key}={self.element[name]}" for key, name in self.lines if not wanted or name in wanted]
        return cap("\n".join(shown))


def items(obs: Observation, item: str) -> list[Item]:
    """The items the answer lists at `item` (empty when it does not parse), at most MAX_ITEMS."""
    kind, _, path = item.partition(":")
    if kind == "xml":
        root = parse_xml(obs.body)
        found = [Item("xml", element) for element, _, _ in xml_nodes(root, path)] if root is not None else []
    elif kind == "json":
        found = [Item("json", element) for _, element, _ in json_leaves(parse_json(obs.body), path)]
    else:
        found = _kv_items(obs.text, path)
    return found[:MAX_ITEMS]


def _kv_items(text: str, head: str) -> list[Item]:
    """One item per distinct key part matching `head`, in answer order; a repeated field keeps its first value."""
    pattern = re.compile(rf"(?P<{_ITEM_GROUP}>{head})\.(?P<camaudit_field>.+)")
    fields: dict[str, dict[str, str]] = {}
    lines: dict[str, list[tuple[str, str]]] = {}
    groups: dict[str, tuple[tuple[str, str], ...]] = {}
    for key, value in kv_pairs(text):
        found = pattern.fullmatch(key)
        if found is None:
            continue
        name, rest = found.group(_ITEM_GROUP), found.group("camaudit_field")
        if name not in fields:
            fields[name], lines[name] = {}, []
            named = found.groupdict()
            groups[name] = tuple((k, v) for k, v in named.items() if v is not None and not k.startswith("camaudit_"))
        if rest not in fields[name]:
            fields[name][rest] = value
            lines[name].append((key, rest))
    return [Item("kv", fields[name], groups[name], tuple(lines[name])) for name in fields]


def _xml_at(element: Element, path: str) -> list[Element]:
    """The elements at a relative path of local names (`a/b`; a final `@attr` names the element holding it)."""
    found = [element]
    for step in (s for s in path.split("/") if s and not s.startswith("@")):
        found = [c for e in found for c in e if isinstance(c.tag, str) and step in ("*", local(c.tag))]
    return found


def _picked(element: Element, path: str, pick: tuple[str, str] | None) -> bool:
    return pick is None or path != pick[0] or (element.text or "").strip() == pick[1]


def _pruned(element: Element, leaves: list[Element]) -> str:
    """The element with only the branches that lead to the fields used: the evidence of a join, not the whole slot.
    (`leaves` holds the elements themselves: lxml's proxies keep their identity only while referenced.)"""
    chosen = {id(leaf) for leaf in leaves}

    def kept(node: Element) -> bool:
        return id(node) in chosen or any(isinstance(c.tag, str) and kept(c) for c in node)

    def show(node: Element) -> str:
        if id(node) in chosen:
            return render(node)
        name = local(node.tag)
        return f"<{name}>" + "".join(show(c) for c in node if isinstance(c.tag, str) and kept(c)) + f"</{name}>"

    return show(element)
