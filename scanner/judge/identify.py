"""Who a device is, from its observations: vendor, model, firmware, serial, and whether it is a camera (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from scanner.matching.engine import (
    IdentifyHit,
    api_family,
    canonical_vendor,
    extract_fields,
    match_identify,
    vendor_for_oui,
)
from scanner.matching.schema import SignatureSet
from scanner.model import OK, Host, Identity, Observation
from scanner.net.text import plain
from scanner.vocabulary import Role

_CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}
_FIELDS = ("model", "firmware", "serial", "mac")
# Discovery methods whose facts name the device, most specific first: vendor protocols answer with the
# device's own records; SSDP and mDNS carry what the owner may have renamed; WS-Discovery scopes come last.
DISCOVERY_FIELD_ORDER = ("sadp", "dhip", "ssdp", "mdns")
VIDEO_ROLES = frozenset({Role.CAMERA, Role.RECORDER, Role.FACE_TERMINAL})  # in scope of the face verdict


@dataclass(frozen=True)
class IdentityHints:
    """What identification concluded before the vendor APIs run: which vendors to ask, is it a camera."""

    vendors: tuple[str, ...]
    is_camera: bool  # a video or face device, in scope of the face verdict (camera, recorder, face terminal)
    hits: tuple[IdentifyHit, ...]
    role: Role = Role.CAMERA


def scope_values(observations: Sequence[Observation], category: str) -> tuple[str, ...]:
    """Decoded values of ONVIF scopes `onvif://www.onvif.org/<category>/<value>` from WS-Discovery replies."""
    prefix = f"onvif://www.onvif.org/{category.lower()}/"
    found = []
    for obs in observations:
        for scope in obs.value("scopes"):
            if scope.lower().startswith(prefix):
                found.append(plain(unquote(scope[len(prefix) :])))  # `%1b` decodes to ESC: never kept
    return tuple(v for v in found if v)


def _onvif_info(observations: Sequence[Observation], name: str) -> str | None:
    for obs in observations:
        if obs.probe == "onvif.device.information" and obs.outcome == OK:
            items = obs.value(name)
            if items and items[0].strip():
                return items[0].strip()
    return None


def hints(observations: Sequence[Observation], sigset: SignatureSet, listens: bool = False) -> IdentityHints:
    """Vendors suggested by fingerprints, ONVIF and WS-Discovery, strongest first; camera-ness; and the role.

    `listens`: the host has a port open among those the scan looks at. Such a host that nothing identified is of
    role `unknown` (camaudit could not tell what it is), unless a fingerprint rules a camera out (`other`)."""
    hits = match_identify(observations, sigset.identifies)
    ranked = sorted(hits, key=lambda h: -_CONFIDENCE_RANK.get(h.confidence, 0))
    vendors: list[str] = []
    manufacturer = canonical_vendor(_onvif_info(observations, "manufacturer"), sigset)
    if manufacturer:
        vendors.append(manufacturer)
    for hit in ranked:
        if hit.vendor and hit.vendor not in vendors:
            vendors.append(hit.vendor)
    for name in scope_values(observations, "hardware") + scope_values(observations, "name"):
        vendor = canonical_vendor(name, sigset)
        if vendor and vendor not in vendors:
            vendors.append(vendor)
    vendors = _brand_first(vendors, sigset)
    role = _role(ranked, _looks_like_camera(observations, hits), listens)
    return IdentityHints(tuple(vendors), role in VIDEO_ROLES, hits, role)


def _brand_first(vendors: list[str], sigset: SignatureSet) -> list[str]:
    """An OEM brand the device names (Amcrest) before the maker whose firmware a fingerprint recognised (Dahua):
    the brand is what the device is sold as, whether or not a login let ONVIF say so."""
    if not vendors:
        return vendors
    maker = vendors[0]
    brands = [v for v in vendors[1:] if v != maker and api_family(v, sigset) == maker]
    return [*brands[:1], *(v for v in vendors if v not in brands[:1])]


def _role(ranked: Sequence[IdentifyHit], camera: bool, listens: bool) -> Role:
    """The role the most confident fingerprint that names one gives; else a camera when something says so; else
    unknown for a host listening on a camera port (nothing it answered shows what it is), other for one that is not.

    A fingerprint that names no maker (a web server's default page) speaks for its page only: it rules a camera out
    only when nothing else the host answered says it is one."""
    named = [Role(hit.role) for hit in ranked if hit.role and (hit.vendor or not camera)]
    if named:
        return named[0]
    if camera:
        return Role.CAMERA
    return Role.UNKNOWN if listens else Role.OTHER


def _looks_like_camera(observations: Sequence[Observation], hits: Sequence[IdentifyHit]) -> bool:
    if any(hit.camera for hit in hits):
        return True
    for obs in observations:
        if obs.probe.startswith("rtsp.") and obs.status is not None:
            return True  # something answered in RTSP: a video source
        if obs.probe.startswith("onvif.device.") and obs.outcome == OK:
            return True
        if any(t.lower().endswith("networkvideotransmitter") for t in obs.value("types")):
            return True
    return False


def identity(
    host: Host,
    observations: Sequence[Observation],
    found: IdentityHints,
    sigset: SignatureSet,
) -> Identity:
    """The device's identity: vendor APIs first, then ONVIF, then what discovery revealed, then scopes.

    The vendor is the strongest hint from the observations; else the one a discovery protocol names (SADP,
    DHIP, SSDP's manufacturer, an mDNS instance); else the MAC vendor's (an OEM keeps its brand this way).
    """
    fields: dict[str, str] = {}
    specs = {spec.id: spec for spec in sigset.requests}
    for obs in observations:
        spec = specs.get(obs.probe)
        if spec is None or obs.outcome != OK or not spec.extract:
            continue
        for key, value in extract_fields(obs, spec).items():
            fields.setdefault(key, value)
    onvif = {"model": "model", "firmware": "firmware", "serial": "serial"}
    for key, name in onvif.items():
        reported = _onvif_info(observations, name)
        if reported:
            fields.setdefault(key, reported)
    for key, claim in discovery_fields(host):
        fields.setdefault(key, claim)
    hardware = scope_values(observations, "hardware")
    if hardware:
        fields.setdefault("model", hardware[0])
    mac = host.mac or fields.get("mac")
    vendor = found.vendors[0] if found.vendors else discovery_vendor(host, sigset)
    maker = api_family(vendor, sigset)
    return Identity(
        vendor=vendor,
        model=_field(fields.get("model")),
        firmware=_field(fields.get("firmware")),
        serial=_field(fields.get("serial")),
        mac=_normal_mac(mac),
        maker=maker if maker != vendor else None,
    )


def _field(value: str | None) -> str | None:
    """A device's own words for a field, as the records keep them: no control characters (ESC, bidi overrides)."""
    cleaned = plain(value) if value else ""
    return cleaned or None


def discovery_fields(host: Host) -> list[tuple[str, str]]:
    """(field, value) for model, firmware, serial and MAC as discovery methods revealed them, strongest first."""
    found = []
    for method in DISCOVERY_FIELD_ORDER:
        for fact in host.facts:
            if fact.method == method:
                found += [(k, v) for k, v in fact.facts if k in _FIELDS]
    return found


def discovery_vendor(host: Host, sigset: SignatureSet) -> str | None:
    """The canonical vendor a discovery protocol names, else the one of the MAC vendor (nmap-mac-prefixes)."""
    for method in DISCOVERY_FIELD_ORDER:
        for fact in host.facts:
            vendor = canonical_vendor(fact.get("vendor"), sigset) if fact.method == method else None
            if vendor:
                return vendor
    return vendor_for_oui(host.mac_vendor, sigset) if host.mac_vendor else None


def _normal_mac(mac: str | None) -> str | None:
    if not mac:
        return None
    digits = "".join(c for c in mac.lower() if c in "0123456789abcdef")
    if len(digits) != 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
