"""The facts each ONVIF probe records, read from the raw SOAP answer (pure, namespace-blind)."""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from lxml import etree

from scanner.net.text import small_int
from scanner.net.urls import printable
from scanner.net.xmlsafe import Element, find_local, local, text_of

Values = tuple[tuple[str, tuple[str, ...]], ...]

NS_DEVICE = "http://www.onvif.org/ver10/device/wsdl"
NS_MEDIA = "http://www.onvif.org/ver10/media/wsdl"
NS_MEDIA2 = "http://www.onvif.org/ver20/media/wsdl"
NS_EVENTS = "http://www.onvif.org/ver10/events/wsdl"
NS_ANALYTICS = "http://www.onvif.org/ver20/analytics/wsdl"
NS_SCHEMA = "http://www.onvif.org/ver10/schema"
_WSTOP_TOPIC = "{http://docs.oasis-open.org/wsn/t-1}topic"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
MAX_REFERENCE_PARAMETERS = 8  # WS-Addressing headers echoed back to a subscription; real devices send one or two
# Data items of event messages that identify a person or carry an image: never kept, only their presence.
PERSONAL_ITEMS = frozenset({"image", "imageuri", "refimageuri", "enrollmentid", "label", "name", "personname"})
WITHHELD = "<withheld>"
_TRUE = frozenset({"true", "1"})
MAX_TOPICS = 2000
MAX_DEPTH = 32
MAX_ITEMS = 500  # per value: more names than any real device lists

# GetCapabilities categories and the service namespaces they stand for.
CATEGORY_NAMESPACES = {
    "Analytics": NS_ANALYTICS,
    "Device": NS_DEVICE,
    "Events": NS_EVENTS,
    "Imaging": "http://www.onvif.org/ver20/imaging/wsdl",
    "Media": NS_MEDIA,
    "PTZ": "http://www.onvif.org/ver20/ptz/wsdl",
    "DeviceIO": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "Recording": "http://www.onvif.org/ver10/recording/wsdl",
    "Search": "http://www.onvif.org/ver10/search/wsdl",
    "Replay": "http://www.onvif.org/ver10/replay/wsdl",
    "Receiver": "http://www.onvif.org/ver10/receiver/wsdl",
    "AnalyticsDevice": "http://www.onvif.org/ver10/analyticsdevice/wsdl",
}
_AUTH_CODES = frozenset({"NotAuthorized", "FailedAuthentication", "InvalidSecurity", "InvalidSecurityToken"})
_UNSUPPORTED_CODES = frozenset({"ActionNotSupported", "NotSupported", "ActionNotSupportedFault"})


def _items(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Device strings made one-line, de-duplicated in order, capped in number."""
    cleaned = (printable(v.strip()) for v in values if v and v.strip())
    return tuple(dict.fromkeys(cleaned))[:MAX_ITEMS]


def _attrs(root: Element, path: str, name: str) -> list[str]:
    return [el.get(name) or "" for el in find_local(root, path)]


def _texts(root: Element, path: str) -> list[str]:
    return [text_of(el) for el in find_local(root, path)]


def response_element(root: Element) -> Element | None:
    """The first element inside the SOAP Body, or None."""
    for body in find_local(root, "Envelope/Body"):
        for child in body:
            if isinstance(child.tag, str):
                return child
    return None


def is_response_to(root: Element, operation: str) -> bool:
    """True when the Body holds `<operation>Response`."""
    element = response_element(root)
    return element is not None and local(element.tag) == f"{operation}Response"


def fault_kind(root: Element) -> str | None:
    """`auth`, `unsupported` or `other` for a SOAP 1.1/1.2 Fault; None when the answer is no fault."""
    faults = find_local(root, "//Fault")
    if not faults:
        return None
    fault = faults[0]
    codes = {text_of(v).rpartition(":")[2] for v in fault.iter() if local(v.tag) in ("Value", "faultcode")}
    reason = " ".join(text_of(t) for t in fault.iter() if local(t.tag) in ("Text", "faultstring")).lower()
    if codes & _AUTH_CODES or "not authorized" in reason or "unauthorized" in reason:
        return "auth"
    if codes & _UNSUPPORTED_CODES or "not supported" in reason or "not implemented" in reason:
        return "unsupported"
    return "other"


def fault_summary(root: Element) -> str:
    """The fault's codes and reason, on one line, for an observation's detail."""
    faults = find_local(root, "//Fault")
    if not faults:
        return ""
    parts = [text_of(el) for el in faults[0].iter() if local(el.tag) in ("Value", "faultcode", "Text", "faultstring")]
    return printable(" ".join(p for p in parts if p), 300)


def device_utc(root: Element) -> datetime | None:
    """GetSystemDateAndTime's UTCDateTime, or None when absent or nonsensical (devices send both)."""
    found = find_local(root, "//UTCDateTime")
    if not found:
        return None
    fields = []
    for name in ("Year", "Month", "Day", "Hour", "Minute", "Second"):
        values = _texts(found[0], f"//{name}")
        number = small_int(values[0], 4) if values else None
        if number is None:
            return None
        fields.append(number)
    year, month, day, hour, minute, second = fields
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def service_xaddrs(root: Element) -> tuple[tuple[str, str], ...]:
    """(namespace, XAddr) per GetServices Service entry."""
    pairs = []
    for service in find_local(root, "//GetServicesResponse/Service"):
        namespace = next(iter(_texts(service, "Service/Namespace")), "")
        xaddr = next(iter(_texts(service, "Service/XAddr")), "")
        if namespace and xaddr:
            pairs.append((namespace, xaddr))
    return tuple(pairs)


def _capability_entries(root: Element) -> list[Element]:
    entries = []
    for caps in find_local(root, "//GetCapabilitiesResponse/Capabilities"):
        for child in caps:
            if local(child.tag) == "Extension":
                entries += [c for c in child if isinstance(c.tag, str)]
            elif isinstance(child.tag, str):
                entries.append(child)
    return entries


def capability_xaddrs(root: Element) -> tuple[tuple[str, str], ...]:
    """(namespace, XAddr) per GetCapabilities category whose namespace camaudit knows."""
    pairs = []
    for entry in _capability_entries(root):
        namespace = CATEGORY_NAMESPACES.get(local(entry.tag))
        xaddr = next(iter(_texts(entry, f"{local(entry.tag)}/XAddr")), "")
        if namespace and xaddr:
            pairs.append((namespace, xaddr))
    return tuple(pairs)


def topic_paths(root: Element) -> tuple[str, ...]:
    """Topic paths of the first TopicSet, e.g. `tns1:RuleEngine/Recognition/Face`.

    Segments are element names joined with `/`; a segment keeps the prefix the document declares when it
    opens a new namespace (the first one, or a vendor's inside tns1). A path ends at `wstop:topic="true"`,
    or, for devices that omit the attribute, at an element carrying a MessageDescription.
    """
    sets = find_local(root, "//TopicSet")
    if not sets:
        return ()
    paths: list[str] = []
    stack: list[tuple[Element, str, str | None]] = [(c, "", None) for c in reversed(list(sets[0]))]
    while stack and len(paths) < MAX_TOPICS:
        element, parent, parent_ns = stack.pop()
        if not isinstance(element.tag, str) or local(element.tag) == "MessageDescription":
            continue
        namespace = _namespace(element.tag)
        segment = _segment(element, namespace, parent_ns, first=not parent)
        path = f"{parent}/{segment}" if parent else segment
        if _is_topic(element):
            paths.append(path)
        if path.count("/") < MAX_DEPTH:
            stack.extend((c, path, namespace) for c in reversed(list(element)))
    return _items(paths)


def _namespace(tag: str) -> str | None:
    """The namespace of a `{ns}local` tag; None without one (a recovered `prefix:name` tag whose prefix was never
    declared has none: lxml's QName would raise on it)."""
    return tag[1:].partition("}")[0] or None if tag.startswith("{") else None


def _segment(element: Element, namespace: str | None, parent_ns: str | None, first: bool) -> str:
    name = local(element.tag)
    if namespace and (first or namespace != parent_ns) and element.prefix:
        return f"{element.prefix}:{name}"
    return name


def _is_topic(element: Element) -> bool:
    if (element.get(_WSTOP_TOPIC) or "").strip().lower() in ("true", "1"):
        return True
    return any(local(child.tag) == "MessageDescription" for child in element)


def _class_filters(root: Element) -> list[str]:
    return [name for rule in find_local(root, "//Rule") for name in _rule_classes(rule)]


def _rule_classes(rule: Element) -> list[str]:
    found: list[str] = []
    for item in find_local(rule, "Rule/Parameters/SimpleItem"):
        if (item.get("Name") or "").lower() == "classfilter":
            found += (item.get("Value") or "").split()
    return found


def armed(rule: Element) -> str:
    """A rule's `Armed` parameter as the device gave it (a SimpleItem of its Parameters, or an attribute of older
    rules), or `not set`: ONVIF runs a rule whose Armed is absent."""
    for item in find_local(rule, "Rule/Parameters/SimpleItem"):
        if (item.get("Name") or "").lower() == "armed":
            return (item.get("Value") or "").strip() or "not set"
    return (rule.get("Armed") or "").strip() or "not set"


def _armed_rules(root: Element) -> list[Element]:
    """The configured rules that run: Armed not false (the switch), and not a placeholder without geometry."""
    return [r for r in find_local(root, "//Rule") if armed(r).lower() not in ("false", "0") and not _placeholder(r)]


def _placeholder(rule: Element) -> bool:
    """Hikvision lists MyLineDetector1-4 with no points on every camera: a rule with an empty geometry element."""
    shapes = [e for e in rule.iter() if local(e.tag) in ("Segments", "Polyline", "Polygon", "Field")]
    return bool(shapes) and not any(local(e.tag) == "Point" for s in shapes for e in s.iter())


def _armed_values(root: Element) -> Values:
    """Type and class filters of the rules that run, each with its switch as read (`tt:FaceRecognition (Armed=true)`),
    so a finding shows the switch it rests on."""
    rules = _armed_rules(root)
    types = [f"{r.get('Type') or ''} (Armed={armed(r)})" for r in rules if r.get("Type")]
    classes = [f"{name} (Armed={armed(r)})" for r in rules for name in _rule_classes(r)]
    return (("armed_rule_types", _items(types)), ("armed_class_filters", _items(classes)))


def _profiles(root: Element) -> Values:
    metadata = find_local(root, "//Profiles/MetadataConfiguration")
    with_analytics = [m for m in metadata if any(text_of(a).lower() == "true" for a in find_local(m, "*/Analytics"))]
    return (
        ("profiles", _items(_attrs(root, "//Profiles", "token"))),
        ("analytics_tokens", _items(_attrs(root, "//Profiles/VideoAnalyticsConfiguration", "token"))),
        ("metadata", _items([m.get("token") or "" for m in metadata])),
        ("metadata_analytics", _items([m.get("token") or "" for m in with_analytics])),
    )


def _capabilities(root: Element) -> Values:
    found = find_local(root, "//GetServiceCapabilitiesResponse/Capabilities")
    pairs = [f"{local(k)}={v}" for el in found[:1] for k, v in el.attrib.items()]
    return (("capabilities", _items(pairs)),)


def capability(root: Element, name: str) -> bool:
    """Whether a service's GetServiceCapabilities answer sets the boolean attribute `name` to true."""
    return f"{name}=true" in dict(_capabilities(root))["capabilities"]


def _rule_options(root: Element) -> Values:
    options = find_local(root, "//GetRuleOptionsResponse/RuleOptions")
    names = [f"{o.get('RuleType') or ''}/{o.get('Name') or ''}".strip("/") for o in options]
    classes: list[str] = []
    for option in options:
        if (option.get("Name") or "").strip().lower() == "classfilter":
            classes += [word for el in find_local(option, "*/StringList") for word in text_of(el).split()]
    return (("rule_options", _items(names)), ("class_options", _items(classes)))


def _supported_metadata(root: Element) -> Values:
    modules = find_local(root, "//GetSupportedMetadataResponse/AnalyticsModule")
    frames = [frame for m in modules for frame in m if local(frame.tag) == "SampleFrame"]
    appearance = [el for frame in frames for el in frame.iter() if local(el.tag) == "Appearance"]
    classes = [text_of(t) for a in appearance for t in find_local(a, "Appearance/Class/Type")]
    parts = [local(child.tag) for a in appearance for child in a if isinstance(child.tag, str)]
    return (
        ("module_types", _items([m.get("Type") or "" for m in modules])),
        ("object_classes", _items(classes)),
        ("appearance", _items(parts)),
    )


def _messages(root: Element) -> list[tuple[str, Element]]:
    """(topic, tt:Message) of each NotificationMessage."""
    found = []
    for note in find_local(root, "//NotificationMessage"):
        topic = next((text_of(t) for t in note if local(t.tag) == "Topic"), "")
        message = next((m for m in note.iter() if local(m.tag) == "Message" and m is not note), None)
        if topic and message is not None and any(local(c.tag) == "Message" for c in message):
            message = next(c for c in message if local(c.tag) == "Message")  # wsnt:Message wraps tt:Message
        if topic and message is not None:
            found.append((topic, message))
    return found


def _data_items(message: Element) -> list[tuple[str, str]]:
    return [
        ((item.get("Name") or "").strip(), (item.get("Value") or "").strip())
        for data in message if local(data.tag) == "Data"
        for item in data if local(item.tag) in ("SimpleItem", "ElementItem")
    ]  # fmt: skip


def _pull(root: Element) -> Values:
    """Topics seen in a PullMessages answer; those whose data says true; those carrying recognition data."""
    topics, true_topics, recognized = [], [], []
    for topic, message in _messages(root):
        items = _data_items(message)
        topics.append(topic)
        if any(value.lower() in _TRUE for _, value in items):
            true_topics.append(topic)
        if any(name.lower() in ("enrollmentid", "likelihood") and value for name, value in items):
            recognized.append(topic)
    return (
        ("topics", _items(topics)),
        ("true_topics", _items(true_topics)),
        ("recognition_topics", _items(recognized)),
    )


def withhold_personal(root: Element) -> bool:
    """Blank the event data that could identify a person (images, enrolment ids, labels); True if any was."""
    changed = False
    for _, message in _messages(root):
        for data in (d for d in message if local(d.tag) == "Data"):
            for item in data:
                if (item.get("Name") or "").strip().lower() not in PERSONAL_ITEMS:
                    continue
                if item.get("Value") not in (None, WITHHELD):
                    item.set("Value", WITHHELD)
                    changed = True
                if len(item) or (item.text or "").strip() not in ("", WITHHELD):
                    item[:] = []
                    item.text = WITHHELD
                    changed = True
    return changed


def subscription_reference(root: Element) -> tuple[str, tuple[Element, ...]]:
    """The SubscriptionReference of a CreatePullPointSubscription answer: its address and reference parameters."""
    for ref in find_local(root, "//CreatePullPointSubscriptionResponse/SubscriptionReference"):
        address = next((text_of(a) for a in ref if local(a.tag) == "Address"), "")
        params = [c for p in ref if local(p.tag) == "ReferenceParameters" for c in p if isinstance(c.tag, str)]
        return address, tuple(params[:MAX_REFERENCE_PARAMETERS])
    return "", ()


def soap_request(
    operation: etree.QName,
    fields: tuple[Field, ...] = (),
    *,
    to: str = "",
    action: str = "",
    headers: tuple[Element, ...] = (),
) -> Element:
    """A SOAP 1.2 envelope for one operation, with WS-Addressing if `to`.

    `fields` are the operation's children in order: (namespace, local name, text or children); a plain
    (local name, text) pair is a child in the operation's own namespace.
    """
    envelope = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"s": SOAP12, "a": WSA})
    header = etree.SubElement(envelope, f"{{{SOAP12}}}Header")
    if to:
        etree.SubElement(header, f"{{{WSA}}}Action").text = action
        etree.SubElement(header, f"{{{WSA}}}To").text = to
        header.extend(copy.deepcopy(h) for h in headers)
    body = etree.SubElement(envelope, f"{{{SOAP12}}}Body")
    _add_fields(etree.SubElement(body, operation.text), operation.namespace or "", fields)
    return envelope


# One element of a request: (namespace, local name, text or child elements).
Field = tuple[str, str, "str | tuple[Field, ...]"]


def _add_fields(parent: Element, namespace: str, fields: tuple[Field, ...] | tuple[tuple[str, str], ...]) -> None:
    for item in fields:
        ns, name, value = (namespace, *item) if len(item) == 2 else item
        element = etree.SubElement(parent, f"{{{ns}}}{name}")
        if isinstance(value, str):
            element.text = value
        else:
            _add_fields(element, ns, value)


WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_TOKEN_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"  # noqa: S105 - a namespace, not a secret
_BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"


def add_username_token(envelope: Element, username: str, password: str, created: datetime, nonce: bytes) -> None:
    """Put a WS-Security UsernameToken (the OASIS password digest: Base64(SHA-1(nonce + created + password)),
    as ONVIF Core asks) in the envelope's Header."""
    stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hashlib.sha1(nonce + stamp.encode() + password.encode(), usedforsecurity=False).digest()
    header = envelope.find(f"{{{SOAP12}}}Header")
    assert header is not None  # soap_request always makes one
    security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE})
    token = etree.SubElement(security, f"{{{WSSE}}}UsernameToken")
    etree.SubElement(token, f"{{{WSSE}}}Username").text = username
    secret = etree.SubElement(token, f"{{{WSSE}}}Password", Type=f"{_TOKEN_PROFILE}#PasswordDigest")
    secret.text = base64.b64encode(digest).decode("ascii")
    etree.SubElement(token, f"{{{WSSE}}}Nonce", EncodingType=_BASE64).text = base64.b64encode(nonce).decode("ascii")
    etree.SubElement(token, f"{{{WSU}}}Created", nsmap={"wsu": WSU}).text = stamp


def _system_date(root: Element) -> Values:
    utc = device_utc(root)
    return (("utc", (utc.strftime("%Y-%m-%dT%H:%M:%SZ"),) if utc else ()),)


def _information(root: Element) -> Values:
    names = {"manufacturer": "Manufacturer", "model": "Model", "firmware": "FirmwareVersion"}
    names |= {"serial": "SerialNumber", "hardware": "HardwareId"}
    return tuple((key, _items(_texts(root, f"//GetDeviceInformationResponse/{tag}"))) for key, tag in names.items())


_PARSERS: dict[str, Callable[[Element], Values]] = {
    "onvif.device.system_date_and_time": _system_date,
    "onvif.device.services": lambda r: (("namespaces", _items([ns for ns, _ in service_xaddrs(r)])),),
    "onvif.device.capabilities": lambda r: (("categories", _items([local(e.tag) for e in _capability_entries(r)])),),
    "onvif.device.information": _information,
    "onvif.media.profiles": _profiles,
    "onvif.media.analytics_configurations": lambda r: (
        ("analytics_tokens", _items(_attrs(r, "//GetVideoAnalyticsConfigurationsResponse/Configurations", "token"))),
    ),
    "onvif.media.stream_uri": lambda r: (("stream_uri", _items(_texts(r, "//MediaUri/Uri"))),),
    "onvif.analytics.supported_rules": lambda r: (
        ("rule_types", _items(_attrs(r, "//RuleDescription", "Name"))),
        ("parent_topics", _items(_texts(r, "//RuleDescription/Messages/ParentTopic"))),
    ),
    "onvif.analytics.rules": lambda r: (
        ("rule_types", _items(_attrs(r, "//Rule", "Type"))),
        ("rule_names", _items(_attrs(r, "//Rule", "Name"))),
        ("class_filters", _items(_class_filters(r))),
        *_armed_values(r),
    ),
    "onvif.analytics.supported_modules": lambda r: (
        ("module_types", _items(_attrs(r, "//AnalyticsModuleDescription", "Name"))),
        ("parent_topics", _items(_texts(r, "//AnalyticsModuleDescription/Messages/ParentTopic"))),
    ),
    "onvif.analytics.modules": lambda r: (
        ("module_types", _items(_attrs(r, "//AnalyticsModule", "Type"))),
        ("module_names", _items(_attrs(r, "//AnalyticsModule", "Name"))),
    ),
    "onvif.events.properties": lambda r: (("topics", topic_paths(r)),),
    "onvif.analytics.capabilities": _capabilities,
    "onvif.analytics.rule_options": _rule_options,
    "onvif.analytics.supported_metadata": _supported_metadata,
    "onvif.events.subscribe": lambda r: (("subscription", _items([subscription_reference(r)[0]])),),
    "onvif.events.pull": _pull,
}


def values_for(probe: str, root: Element) -> Values:
    """The derived `values` of an ONVIF probe's successful answer (empty for an unknown probe id)."""
    parser = _PARSERS.get(probe)
    return parser(root) if parser else ()


def soap_body(envelope: Element) -> bytes:
    """The Body element of a SOAP request we built, without its Header (which carries the WS-Security login)."""
    bodies = find_local(envelope, "//Body")
    return etree.tostring(bodies[0]) if bodies else b""
