"""Stable pseudonyms for what identifies a device, its place or its people (pure): serial numbers, MAC addresses,
IPv4 and IPv6 addresses, host and device names, device ids, user names; and pictures removed.

`Finder` collects the values from everything a bundle holds (structured records and answer bodies); `Pseudonyms`
replaces each everywhere by the same pseudonym. Serials, MACs, addresses and ids are replaced wherever they appear
(also URL-encoded); names and user names only where they stand as a whole field value (`>name<`, `"name"`,
`=name`, `/name ` as in an ONVIF scope), so that a generic name ("IPC", "www") does not eat into the rest of an answer.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from lxml import etree

from scanner.vocabulary import Confidence, DestinationKind, Feature, Level, Outcome, Place, Reason, Role, Verdict

MIN_VALUE = 3  # shorter values are not identifying, and would hit everything
_HEX = "0-9A-Fa-f"
MAC = re.compile(rf"(?<![{_HEX}:-])([{_HEX}]{{2}}([:-])(?:[{_HEX}]{{2}}\2){{4}}[{_HEX}]{{2}})(?![{_HEX}:-])")
BARE_MAC = re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Fa-f]*[A-Fa-f])(?=[0-9A-Fa-f]*\d)([0-9A-Fa-f]{12})(?![0-9A-Za-z])")
IPV4 = re.compile(r"(?<![0-9A-Za-z.])(\d{1,3}(?:\.\d{1,3}){3})(?![0-9A-Za-z]|\.\d)")
IPV6 = re.compile(
    rf"(?<![{_HEX}:.\w])((?:[{_HEX}]{{0,4}}:){{2,7}}(?:[{_HEX}]{{1,4}}|\d{{1,3}}(?:\.\d{{1,3}}){{3}})?)(?![\w:])"
)
UUID = re.compile(r"(?i)urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
VERSION_LABEL = re.compile(r"(?i)(version|firmware|build|ver)\W{0,3}$")
# Field names whose value identifies the device, names it, or names a person (compared in lower case, without _-).
SERIAL_KEYS = frozenset({"serial", "serialno", "serialnumber", "devicesn", "sn", "deviceserialno", "deviceserial"})
MAC_KEYS = frozenset({"mac", "macaddress", "macaddr", "hwaddress", "physicaladdress"})
ID_KEYS = frozenset({"deviceid", "uuid", "deviceuuid", "udn"})
NAME_KEYS = frozenset({"hostname", "devicename", "machinename", "friendlyname", "devname", "channelname"})
# The report's own words: a device name or user name spelled like one (a mail account named "camera") stays, else
# replacing it as a whole field value would rewrite the report's roles, verdicts and classes too.
OUR_WORDS = frozenset(
    m.value.lower()
    for words in (Role, Verdict, Level, Feature, Confidence, Outcome, Reason, DestinationKind, Place)
    for m in words
)
USER_KEYS = frozenset({"user", "username", "userid", "owner", "ownername", "account", "accountname", "loginname",
                       "email", "mail", "phone", "phonenumber", "fullname", "personname", "employeename",
                       "employeeno", "cardno"})  # fmt: skip
PEOPLE = ("user", "owner", "person", "employee", "people", "member")  # a `name` under these names a person
SCOPE_NAMES = ("onvif://www.onvif.org/name/", "onvif://www.onvif.org/location/")
# Pictures: images sent whole, inside multipart bodies, as base64 (data: URLs or bare JPEG/PNG/GIF runs).
PICTURE = "[PICTURE REMOVED]"
_BASE64_PICTURE = re.compile(
    r"data:image/[\w.+-]+;base64,[A-Za-z0-9+/=\s]+"
    r"|(?<![A-Za-z0-9+/])(?:\\?/9j\\?/|iVBORw0KGgo|R0lGOD)[A-Za-z0-9+/=\\\s]{40,}"
)
_JPEG = re.compile(rb"\xff\xd8\xff.*?(?:\xff\xd9|$)", re.S)
_PNG = re.compile(rb"\x89PNG\r\n\x1a\n.*?(?:IEND\xaeB`\x82|$)", re.S)


def _key(name: str) -> str:
    return re.sub(r"[_\-\s]", "", name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]).lower()


@dataclass
class Finder:
    """What identifies devices, places or people, collected from records and answers before anything is replaced."""

    serials: set[str] = field(default_factory=set)
    macs: set[str] = field(default_factory=set)  # 12 lower-case hex digits
    addresses: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    keep: set[str] = field(default_factory=set)  # vendor and model names: never taken for a device's name

    def field(self, key: str, value: object, parents: Iterable[str] = ()) -> None:
        """One named value of a record or an answer (XML element or attribute, JSON member, key=value line)."""
        if not isinstance(value, str | int) or isinstance(value, bool):
            return
        text, name = str(value).strip(), _key(key)
        if len(text) < MIN_VALUE:
            return
        if name in SERIAL_KEYS:
            self.serials.add(text)
        elif name in MAC_KEYS:
            self.mac(text)
        elif name in ID_KEYS:
            self.ids.add(text)
        elif name in NAME_KEYS or name == "name" and any("hostname" in _key(p) for p in parents):
            self.names.add(text)
        elif name in USER_KEYS or name == "name" and any(word in _key(p) for p in parents for word in PEOPLE):
            self.users.add(text)

    def mac(self, text: str) -> None:
        digits = re.sub(rf"[^{_HEX}]", "", text).lower()
        if len(digits) == 12 and digits not in ("000000000000", "ffffffffffff"):
            self.macs.add(digits)

    def text(self, text: str) -> None:
        """Addresses, MACs (also a bare word of 12 hex digits, letters and digits mixed) and device ids written
        anywhere; device names and locations in ONVIF scopes."""
        for match in MAC.finditer(text):
            self.mac(match.group(1))
        for match in BARE_MAC.finditer(text):  # a 12-digit hex word (Axis realms, mDNS names): taken for a MAC
            self.mac(match.group(1))
        for match in IPV4.finditer(text):
            if _personal_ipv4(match.group(1), text[max(0, match.start() - 24) : match.start()]):
                self.addresses.add(match.group(1))
        for match in IPV6.finditer(text):
            if _personal_ipv6(match.group(1)):
                self.addresses.add(match.group(1))
        self.ids.update(match.group(1) for match in UUID.finditer(text))
        for prefix in SCOPE_NAMES:
            for start in (m.end() for m in re.finditer(re.escape(prefix), text, re.I)):
                value = re.split(r"[\s<\"]", text[start:], maxsplit=1)[0]
                if len(value) >= MIN_VALUE:
                    self.names.add(value)

    def body(self, data: bytes) -> None:
        """An answer's bytes: its text, and its named fields when it is XML, JSON or key=value lines."""
        text = data.decode("utf-8", errors="replace")
        self.text(text)
        for key, value, parents in _fields(data, text):
            self.field(key, value, parents)

    def pseudonyms(self) -> Pseudonyms:
        return Pseudonyms(self)


def _personal_ipv4(text: str, before: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(text)
    except ValueError:
        return False
    if ip.is_unspecified or ip.is_multicast or int(ip) == 0xFFFFFFFF or _netmask(int(ip)):
        return False
    return not (ip.is_global and VERSION_LABEL.search(before))  # "Version 1.2.3.4" is a version number


def _netmask(value: int) -> bool:
    inverted = ~value & 0xFFFFFFFF
    return value != 0 and inverted & (inverted + 1) == 0


def _personal_ipv6(text: str) -> bool:
    try:
        ip = ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return not (ip.is_unspecified or ip.is_loopback or ip.is_multicast)


def _fields(data: bytes, text: str) -> Iterator[tuple[str, object, tuple[str, ...]]]:
    start = text.lstrip()[:1]
    if start == "<":
        yield from _xml_fields(data)
    elif start in ("{", "["):
        try:
            yield from _json_fields(json.loads(text), ())
        except ValueError:
            return
    else:
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep and key and " " not in key.strip():
                parts = tuple(re.split(r"[.\[\]]+", key.strip()))
                yield parts[-1] if parts[-1] else key, value.strip(), parts[:-1]


def _xml_fields(data: bytes) -> Iterator[tuple[str, object, tuple[str, ...]]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return
    if root is None:
        return
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        parents = tuple(str(a.tag) for a in element.iterancestors())
        if element.text and len(element) == 0:
            yield element.tag, element.text, parents
        for name, value in element.attrib.items():
            yield name, value, (str(element.tag), *parents)


def _json_fields(value: object, parents: tuple[str, ...]) -> Iterator[tuple[str, object, tuple[str, ...]]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                yield from _json_fields(item, (*parents, str(key)))
            else:
                yield str(key), item, parents
    elif isinstance(value, list):
        for item in value:
            yield from _json_fields(item, parents)


class Pseudonyms:
    """Each collected value's pseudonym, the same wherever it appears; `text` and `body` apply them all at once."""

    def __init__(self, found: Finder) -> None:
        self.mapping: dict[str, str] = {}  # replaced wherever it appears
        self.fields: dict[str, str] = {}  # replaced only as a whole field value
        for n, address in enumerate(sorted(found.addresses, key=_address_order), start=1):
            self.mapping[address] = _pseudo_address(address, n)
        for n, digits in enumerate(sorted(found.macs), start=1):
            for spelling, pseudo in _mac_spellings(digits, n):
                self.mapping.setdefault(spelling, pseudo)
        for n, ident in enumerate(sorted(found.ids), start=1):
            is_uuid = UUID.match(f"urn:uuid:{ident}") is not None
            self.mapping.setdefault(ident, f"00000000-0000-4000-8000-{n:012d}" if is_uuid else f"device-id-{n:04d}")
        for n, serial in enumerate(sorted(found.serials), start=1):
            self.mapping.setdefault(serial, f"PSEUDO-SN-{n:04d}")
        keep = {k.lower() for k in found.keep}
        names = sorted(v for v in found.names if v.lower() not in keep | OUR_WORDS and v not in self.mapping)
        for n, name in enumerate(names, start=1):
            self.fields[name] = f"device-name-{n:04d}"
        users = (u for u in found.users if u not in self.mapping and u.lower() not in OUR_WORDS)
        for n, user in enumerate(sorted(users), start=1):
            self.fields.setdefault(user, f"user-{n:04d}")
        for table in (self.mapping, self.fields):
            for value, pseudo in list(table.items()):
                table.setdefault(quote(value, safe=""), quote(pseudo, safe=""))  # as in a URL or an ONVIF scope
        self.counts = {
            "addresses": len(found.addresses), "macs": len(found.macs), "ids": len(found.ids),
            "serials": len(found.serials), "names": len(names), "users": len(found.users),
        }  # fmt: skip
        self._text = _Replacer(self.mapping, self.fields, lambda s: s)
        self._bytes = _Replacer(self.mapping, self.fields, lambda s: s.encode("utf-8").decode("latin-1"))

    def text(self, text: str) -> str:
        """The text with every value replaced by its pseudonym, and pictures written in it removed."""
        return self._text.apply(_BASE64_PICTURE.sub(PICTURE, text))

    def body(self, data: bytes, content_type: str = "") -> bytes:
        """An answer's bytes, pseudonymised: every byte that is neither a replaced value nor a picture is kept."""
        if content_type.lower().startswith("image/"):
            return PICTURE.encode()
        data = _PNG.sub(PICTURE.encode(), _JPEG.sub(PICTURE.encode(), data))
        return self._bytes.apply(_BASE64_PICTURE.sub(PICTURE, data.decode("latin-1"))).encode("latin-1")


class _Replacer:
    """Both tables as two regular expressions over text (bytes go through Latin-1, one character per byte)."""

    def __init__(self, anywhere: Mapping[str, str], in_field: Mapping[str, str], form: Callable[[str], str]) -> None:
        self._anywhere = {form(k): form(v) for k, v in anywhere.items()}
        self._in_field = {form(k): form(v) for k, v in in_field.items()}
        self._any = _alternation(self._anywhere)
        self._field = _alternation(self._in_field, r"(?:(?<=[>\"'=/])|^)", r"(?=[<\"'&\s]|$)")

    def apply(self, text: str) -> str:
        if self._any is not None:
            text = self._any.sub(lambda m: self._anywhere[m.group(0)], text)
        if self._field is not None:
            text = self._field.sub(lambda m: self._in_field[m.group(0)], text)
        return text


def _alternation(table: Mapping[str, str], before: str = "", after: str = "") -> re.Pattern[str] | None:
    if not table:
        return None
    needles = sorted(table, key=len, reverse=True)  # the longest first: a serial holding another value wins
    return re.compile(before + "(?:" + "|".join(re.escape(n) for n in needles) + ")" + after, re.M)


def _address_order(text: str) -> tuple[int, int]:
    ip = ipaddress.ip_address(text)
    return ip.version, int(ip)


def _pseudo_address(text: str, n: int) -> str:
    """IPv6 in 2001:db8::/32 (documentation), IPv4 in 198.18.0.0/15 (benchmarking), never .0 or .255 of a /24."""
    if ipaddress.ip_address(text).version == 6:
        return str(ipaddress.IPv6Address("2001:db8::") + n)
    index = n - 1
    return str(ipaddress.IPv4Address("198.18.0.0") + index // 254 * 256 + index % 254 + 1)


def _mac_spellings(digits: str, n: int) -> Iterator[tuple[str, str]]:
    """Every usual spelling of a MAC and of its pseudonym, which keeps the maker's prefix (its first 28 bits: an
    OUI, or a 28-bit MA-M block): MAC-based identification reads the maker from it; the rest names the device."""
    pseudo = digits[:7] + f"{n:05x}"
    for upper in (False, True):
        a, b = (digits.upper(), pseudo.upper()) if upper else (digits, pseudo)
        for sep in (":", "-", ""):
            yield sep.join(a[i : i + 2] for i in range(0, 12, 2)), sep.join(b[i : i + 2] for i in range(0, 12, 2))
