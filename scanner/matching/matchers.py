"""The closed set of matcher kinds: one matcher against one observation, giving the matched excerpt (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from scanner.errors import ParseError
from scanner.matching.schema import Matcher
from scanner.model import Observation
from scanner.net.xmlsafe import Element, local
from scanner.net.xmlsafe import parse_xml as parse_xml_strictly

EXCERPT_MAX = 400
_CONTEXT = 120  # characters shown either side of a hit in a body
_JSON_STEP = re.compile(r"^([^.\[\]]*)((?:\[(?:\d+|\*)\])*)$")
_INVALID = object()  # a body that did not parse
_PREDICATE = re.compile(r"^@([\w.-]+)='([^']*)'\]$")  # the rest of a step after its `[`


def evaluate(matcher: Matcher, obs: Observation) -> str | None:
    """The excerpt that `matcher` found in `obs` (at most 400 characters), or None. Never raises on bad bodies."""
    if matcher.kind == "xml":
        return _xml(matcher, obs.body)
    if matcher.kind == "kv":
        return _kv(matcher, obs.text)
    if matcher.kind == "json":
        return _json(matcher, obs.body)
    return _simple(matcher, obs)


def cap(text: str) -> str:
    """Text cut to the excerpt limit, marking the cut."""
    return text if len(text) <= EXCERPT_MAX else text[: EXCERPT_MAX - 1] + "…"


def compare(matcher: Matcher, value: str) -> bool:
    """Whether a value passes every comparison the matcher sets (`equals`, `regex`, `in`, `gt`)."""
    if matcher.equals is not None and value != matcher.equals:
        return False
    if matcher.regex is not None and not re.search(matcher.regex, value):
        return False
    if matcher.one_of is not None and value not in matcher.one_of:
        return False
    if matcher.gt is not None:
        number = _number(value)
        return number is not None and number > matcher.gt
    return True


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


# --- regex / contains / equals / exists on body, header:<Name>, status, value:<name> ---


def _simple(matcher: Matcher, obs: Observation) -> str | None:
    for text, label in _subjects(matcher.part, obs):
        span = _hit(matcher, text)
        if span is None:
            continue
        if matcher.part == "body":
            start, end = max(0, span[0] - _CONTEXT), span[1] + _CONTEXT
            return cap(text[start:end].strip())
        return cap(label + text)
    return None


def _subjects(part: str, obs: Observation) -> list[tuple[str, str]]:
    """The strings a part names, each with the label an excerpt shows before it."""
    if part == "body":
        return [(obs.text, "")]
    if part == "status":
        return [(str(obs.status), "status ")] if obs.status is not None else []
    kind, _, name = part.partition(":")
    if kind == "header":
        value = obs.header(name)
        return [(value, f"{name}: ")] if value is not None else []
    return [(item, "") for item in obs.value(name)]


def _hit(matcher: Matcher, text: str) -> tuple[int, int] | None:
    if matcher.kind == "regex":
        found = re.search(matcher.pattern or "", text)
        return found.span() if found else None
    if matcher.kind == "contains":
        at = text.find(matcher.text or "")
        return (at, at + len(matcher.text or "")) if at >= 0 else None
    if matcher.kind == "equals":
        return (0, len(text)) if text.strip() == (matcher.text or "").strip() else None
    return (0, len(text)) if text.strip() else None  # exists


# --- xml ---


def parse_xml(body: bytes) -> Element | None:
    """The root element of a body (safe parsing: no DTD, no entities, no network), or None when unreadable."""
    try:
        return parse_xml_strictly(body.strip())
    except ParseError:
        return None


def xml_nodes(root: Element, path: str) -> Iterator[tuple[Element, Element | None, str]]:
    """(element, its parent, value) at a local-name path; value is the text, or the attribute for `.../@name`."""
    steps, attribute = _steps(path)
    if path.startswith("//"):
        pairs = [(e, p) for e, p in _with_parents(root) if _is(e, steps[0])]
    else:
        pairs = [(root, None)] if _is(root, steps[0]) else []
    return _descend(pairs, steps[1:], attribute)


def _steps(path: str) -> tuple[list[str], str | None]:
    steps = path.lstrip("/").split("/")
    attribute = steps.pop()[1:] if steps[-1].startswith("@") else None
    return steps, attribute


def _descend(
    pairs: list[tuple[Element, Element | None]], steps: list[str], attribute: str | None
) -> Iterator[tuple[Element, Element | None, str]]:
    for step in steps:
        pairs = [(child, elem) for elem, _ in pairs for child in elem if _is(child, step)]
    for elem, parent in pairs:
        if attribute is None:
            yield elem, parent, (elem.text or "").strip()
            continue
        for name, value in elem.attrib.items():
            if local(name) == attribute:
                yield elem, parent, value.strip()


def _with_parents(root: Element) -> Iterator[tuple[Element, Element | None]]:
    yield root, None
    for parent in root.iter():
        for child in parent:
            yield child, parent


def _is(elem: Element, step: str) -> bool:
    """The element matches a step: a local name or `*`, and the step's `[@attr='value']` test if it has one."""
    name, _, test = step.partition("[")
    if not isinstance(elem.tag, str) or (name != "*" and local(elem.tag) != name):
        return False
    found = _PREDICATE.match(test)
    if found is None:
        return not test
    wanted, value = found.groups()
    return any(local(key) == wanted and given == value for key, given in elem.attrib.items())


def _xml(matcher: Matcher, body: bytes) -> str | None:
    root = parse_xml(body)
    if root is None:
        return None
    on_attribute = "/@" in (matcher.path or "")
    for elem, parent, value in xml_nodes(root, matcher.path or ""):
        if matcher.qname and ":" in value:
            value = value.split(":", 1)[1]
        if not compare(matcher, value):
            continue
        if not matcher.sibling and not matcher.unless:
            return cap(render(elem))
        # Siblings are read beside the matched element; an attribute's siblings are in the element holding it.
        context = elem if on_attribute else parent
        if context is not None and _siblings_hold(matcher.sibling, context) and _none_hold(matcher.unless, context):
            return cap(render(context))  # the element that holds both facts
    return None


def _siblings_hold(siblings: tuple[tuple[str, str], ...], parent: Element) -> bool:
    """Every `sibling` path, relative to the matched element's parent, has a value matching its regex."""
    return all(_sibling_holds(path, pattern, parent) for path, pattern in siblings)


def _none_hold(unless: tuple[tuple[str, str], ...], parent: Element) -> bool:
    """No `unless` path, relative to the matched element's parent, has a value matching its regex."""
    return not any(_sibling_holds(path, pattern, parent) for path, pattern in unless)


def _sibling_holds(path: str, pattern: str, parent: Element) -> bool:
    return any(re.search(pattern, value) for value in xml_relative(parent, path))


def xml_relative(element: Element, path: str) -> list[str]:
    """The values at a path relative to `element`: its first step names one of the element's children."""
    steps, attribute = _steps(path)
    return [value for _, _, value in _descend([(element, None)], steps, attribute)]


def render(elem: Element) -> str:
    """An element as compact XML with local names only, cut once past the excerpt limit."""
    out: list[str] = []
    _render(elem, out, EXCERPT_MAX + 1)
    return "".join(out)


def _render(elem: Element, out: list[str], room: int) -> int:
    """Append `elem` to `out`; returns the room left. Stops early, so depth stays bounded by the limit."""
    name = local(elem.tag)
    attrs = "".join(f" {local(k)}={quoteattr(v)}" for k, v in elem.attrib.items())
    text = escape((elem.text or "").strip())
    if not text and not any(isinstance(child.tag, str) for child in elem):
        empty = f"<{name}{attrs}/>"
        out.append(empty)
        return room - len(empty)
    opening = f"<{name}{attrs}>{text}"
    out.append(opening)
    room -= len(opening)
    for child in elem:
        if room <= 0:
            return room
        if isinstance(child.tag, str):  # comments and processing instructions are not evidence
            room = _render(child, out, room)
        tail = escape((child.tail or "").strip())
        out.append(tail)
        room -= len(tail)
    closing = f"</{name}>"
    out.append(closing)
    return room - len(closing)


# --- kv (Dahua `key=value` lines) ---


def kv_pairs(text: str) -> list[tuple[str, str]]:
    """The `key=value` lines of a body, keys and values stripped; other lines are skipped."""
    pairs = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            pairs.append((key.strip(), value.strip()))
    return pairs


def _kv(matcher: Matcher, text: str) -> str | None:
    pairs = kv_pairs(text)
    lookup = dict(reversed(pairs))  # the first line wins for a repeated key
    for key, value in pairs:
        if not re.fullmatch(matcher.key or "", key) or not compare(matcher, value):
            continue
        lines = [f"{key}={value}"]
        for name, pattern in matcher.sibling:
            other = _sibling_key(key, name)
            found = lookup.get(other)
            if found is None or not re.search(pattern, found):
                break
            lines.append(f"{other}={found}")
        else:
            vetoes = [_sibling_key(key, name) for name, pattern in matcher.unless
                      if re.search(pattern, lookup.get(_sibling_key(key, name), "\0"))]  # fmt: skip
            if not vetoes:
                return cap("\n".join(lines))
    return None


def _sibling_key(key: str, name: str) -> str:
    """`table.X[0][1].Type` with its last dotted component replaced by `name`."""
    head, dot, _ = key.rpartition(".")
    return f"{head}{dot}{name}"


# --- json ---


def parse_json(body: bytes) -> object:
    """The decoded JSON document, or a private sentinel when the body is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return _INVALID


def json_leaves(document: object, path: str) -> Iterator[tuple[str, object, object]]:
    """(concrete path, leaf, the leaf's container) for a dotted path with `[n]` and `[*]` steps."""
    if document is _INVALID:
        return
    found: list[tuple[str, object, object]] = [("", document, None)]
    for step in path.split("."):
        parsed = _JSON_STEP.match(step)
        if parsed is None:
            return
        name, indexes = parsed.groups()
        if name:
            found = [(f"{p}.{name}".lstrip("."), n[name], n) for p, n, _ in found if isinstance(n, dict) and name in n]
        for index in re.findall(r"\[(\d+|\*)\]", indexes):
            found = [item for p, n, _ in found for item in _index(p, n, index)]
    yield from found


def _index(path: str, node: object, index: str) -> list[tuple[str, object, object]]:
    if not isinstance(node, list):
        return []
    if index == "*":
        return [(f"{path}[{i}]", item, node) for i, item in enumerate(node)]
    i = int(index)
    return [(f"{path}[{i}]", node[i], node)] if i < len(node) else []


def json_text(leaf: object) -> str | None:
    """A JSON leaf as the string comparisons see (`true`/`false` for booleans), or None for null."""
    if leaf is None:
        return None
    if isinstance(leaf, bool):
        return "true" if leaf else "false"
    if isinstance(leaf, str):
        return leaf
    if isinstance(leaf, int | float):
        return str(leaf)
    return json.dumps(leaf, separators=(",", ":"), sort_keys=True)


def _json(matcher: Matcher, body: bytes) -> str | None:
    for where, leaf, container in json_leaves(parse_json(body), matcher.path or ""):
        value = json_text(leaf)
        if value is None or not compare(matcher, value):
            continue
        if isinstance(container, dict):
            holder = where.rsplit(".", 1)[0] if "." in where else "(top level)"
            return cap(f"{holder}: {json.dumps(container, ensure_ascii=False)}")
        return cap(f"{where}: {json.dumps(leaf, ensure_ascii=False)}")
    return None
