"""A tiny element builder for the lab's XML answers: prefixed names, automatic escaping, stable prefixes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lxml import etree

# Every namespace the emulated devices write, under the prefixes real firmware uses.
NS: dict[str, str] = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "xs": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "wsadis": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery",
    "dn": "http://www.onvif.org/ver10/network/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "tan": "http://www.onvif.org/ver20/analytics/wsdl",
    "ter": "http://www.onvif.org/ver10/error",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "wstop": "http://docs.oasis-open.org/wsn/t-1",
    "tns1": "http://www.onvif.org/ver10/topics",
    "tnshik": "http://www.hikvision.com/2011/event/topics",
    "tnssamsung": "http://www.samsungcctv.com/2011/event/topics",
    "fc": "http://www.onvif.org/ver20/analytics/humanface",
    "xml": "http://www.w3.org/XML/1998/namespace",
}

Content = object  # str | int | bool | Element | Mapping (attributes) | Iterable of those | None


def qname(name: str) -> str:
    """`tt:Name` -> `{uri}Name`; a name without a prefix stays unqualified."""
    prefix, sep, local = name.partition(":")
    if not sep:
        return name
    return f"{{{NS[prefix]}}}{local}"


def text(value: object) -> str:
    """XML Schema spelling of a Python value (booleans are lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def el(name: str, *content: Content) -> etree._Element:
    """An element named `prefix:Local`; content is text, child elements, attribute mappings or lists of them."""
    node = etree.Element(qname(name))
    _fill(node, content)
    return node


def _fill(node: etree._Element, content: Iterable[Content]) -> None:
    for item in content:
        if item is None:
            continue
        if isinstance(item, etree._Element):
            node.append(item)
        elif isinstance(item, Mapping):
            for key, value in item.items():
                if value is not None:
                    node.set(qname(key), text(value))
        elif isinstance(item, list | tuple):
            _fill(node, item)
        else:
            node.text = (node.text or "") + text(item)


def default_ns(element: etree._Element, uri: str) -> etree._Element:
    """Move a tree of unqualified elements into `uri` as the default namespace (Hikvision ISAPI style)."""
    root = etree.Element(f"{{{uri}}}{element.tag}", nsmap={None: uri})
    _copy_into(root, element, uri)
    return root


def _copy_into(target: etree._Element, source: etree._Element, uri: str) -> None:
    target.attrib.update(source.attrib)
    target.text = source.text
    for child in source:
        # SubElement inherits the parent's default namespace, so it is declared once, on the root.
        _copy_into(etree.SubElement(target, f"{{{uri}}}{child.tag}"), child, uri)


def serialize(root: etree._Element, declaration: bool = True) -> bytes:
    """UTF-8 bytes with the XML declaration, as every camera sends it."""
    return etree.tostring(root, xml_declaration=declaration, encoding="UTF-8")


def document(root_name: str, prefixes: Iterable[str], *content: Content) -> bytes:
    """A whole document whose root declares `prefixes` (also those only used inside QName values)."""
    names = list(prefixes)
    root = etree.Element(qname(root_name), nsmap={p: NS[p] for p in names})
    _fill(root, content)
    etree.cleanup_namespaces(root, keep_ns_prefixes=names)
    return serialize(root)
