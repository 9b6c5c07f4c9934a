"""Safe XML parsing for hostile device answers, and namespace-blind helpers to walk the result."""

from __future__ import annotations

from lxml import etree
from lxml.etree import _Element as Element

from scanner.errors import ParseError
from scanner.model import MAX_BODY

__all__ = ["Element", "find_local", "local", "parse_xml", "text_of"]

# No entity expansion, no DTD loading, no network; huge_tree off keeps libxml2's depth and size limits.
_STRICT = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_comments=True, recover=False
)
# Cameras send slightly broken XML (stray `&`, unclosed tags); recovery keeps what can be read.
_LENIENT = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_comments=True, recover=True
)


def parse_xml(data: bytes) -> Element:
    """Parse bytes from a device into an element tree; raise ParseError for anything unsafe or unreadable."""
    if len(data) > MAX_BODY:
        raise ParseError(f"XML document larger than {MAX_BODY} bytes")
    if not data.strip():
        raise ParseError("empty XML document")
    try:
        root = etree.fromstring(data, parser=_STRICT)
    except etree.XMLSyntaxError:
        root = _recover(data)
    except ValueError as exc:  # e.g. an encoding declaration lxml refuses
        raise ParseError(f"not XML: {exc}") from None
    _refuse_dtd(root)
    return root


def _recover(data: bytes) -> Element:
    try:
        root = etree.fromstring(data, parser=_LENIENT)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"not XML: {exc}") from None
    if root is None:
        raise ParseError("not XML: nothing could be parsed")
    return root


def _refuse_dtd(root: Element) -> None:
    # A DOCTYPE has no business in a device API answer and is how entity attacks start.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ParseError("XML with a DOCTYPE is refused")


def local(tag: object) -> str:
    """The local name of a tag: `{ns}Name` and `prefix:Name` both give `Name`; comments and PIs give ``."""
    if not isinstance(tag, str):
        return ""
    if tag.startswith("{"):
        return tag.rpartition("}")[2]
    return tag.rpartition(":")[2]


def find_local(root: Element, path: str) -> list[Element]:
    """Elements at a path of local names, ignoring namespaces.

    `A/B/C`: the root must be named A, then its children B, then theirs C. A leading `//` lets the first
    step match any element (the root included). `*` matches any name. Attribute steps (`@x`) are the
    caller's business.
    """
    anywhere = path.startswith("//")
    steps = [s for s in path.strip("/").split("/") if s]
    if not steps:
        return []
    first, rest = steps[0], steps[1:]
    if anywhere:
        current = _anywhere(root, first) if first != "*" else [el for el in root.iter() if _named(el, first)]
    else:
        current = [root] if _named(root, first) else []
    for step in rest:
        current = [child for el in current for child in el if _named(child, step)]
    return current


def _anywhere(root: Element, name: str) -> list[Element]:
    """`//Name`: the element itself or any below it whose local name is Name, in document order.

    A document parse_xml read strictly has every prefix declared, so lxml's own walk by tag (`{*}Name`: any
    namespace or none, in C) finds them all: about 2 us a call against 10 us for the XPath below, which also lets go
    of the interpreter while it runs (another thread takes it, and this one waits to get it back). A recovered
    document can hold a prefix it never declared (libxml2 keeps `tt:Name` whole as the tag), and a tree built
    elsewhere may too: those get the XPath."""
    if root.getroottree().parser is _STRICT:
        return list(root.iter("{*}" + name))
    return list(_ANYWHERE(root, n=name))


# `//Name` in libxml2's XPath: the element itself or any below it whose local name is Name, namespaced (`{ns}Name`)
# or with a prefix the document never declared (libxml2 keeps `tt:Name` whole).
_ANYWHERE = etree.XPath("descendant-or-self::*[local-name() = $n or substring-after(name(), ':') = $n]")


def _named(element: Element, name: str) -> bool:
    if not isinstance(element.tag, str):
        return False
    return name == "*" or local(element.tag) == name


def text_of(element: Element) -> str:
    """The element's own text, stripped (empty when it has none)."""
    return (element.text or "").strip()
