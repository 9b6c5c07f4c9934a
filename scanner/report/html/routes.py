"""Where a device's face data goes, in words: one line per route ("face faceSnap on channel 1 -> FTP ->
10.0.0.5:21 (on the premises)") or registration, with the evidence of both sides of the join folded beneath."""

from __future__ import annotations

from html import escape

from scanner.model import Destination, DeviceReport, Evidence, Route, ScanResult
from scanner.report.html.words import anchor, data, t, term
from scanner.report.i18n import Catalog


def where(destination: Destination) -> str:
    """`host:port`, `host`, or the service's name (a cloud without a host), as plain text."""
    if destination.host is None:
        return destination.service or "-"
    host = f"[{destination.host}]" if ":" in destination.host else destination.host
    return host if destination.port is None else f"{host}:{destination.port}"


def place_words(catalog: Catalog, destination: Destination, devices: dict[str, DeviceReport]) -> str:
    """The destination's class in words, and the device camaudit found at its address (linked to its card)."""
    words = t(catalog, f"place.{destination.place or 'unplaced'}")
    found = devices.get(destination.device or "")
    if found is not None:
        role = t(catalog, f"role_short.{found.role}")
        words += f'{t(catalog, "list.colon")}<a href="#{anchor(found)}">{role} {data(found.address)}</a>'
    return words


def lines(catalog: Catalog, destination: Destination, devices: dict[str, DeviceReport]) -> list[str]:
    """One sentence per route reaching the destination; one "registered with" sentence when none does."""
    target = data(where(destination))
    method_kind = term(catalog, "destination_kind", destination.kind)
    place = place_words(catalog, destination, devices)
    if not destination.routes:
        return [t(catalog, "routes.registration", kind=method_kind, target=target, place=place)]
    return [
        t(catalog, "routes.route" if r.channel else "routes.route_no_channel", event=data(r.event),
          channel=data(r.channel), method=data(r.method), kind=method_kind, target=target, place=place)
        for r in destination.routes
    ]  # fmt: skip


def device_block(catalog: Catalog, device: DeviceReport, result: ScanResult) -> str:
    """The card's "where its face data goes": every route, then the evidence of both sides, folded."""
    if not device.destinations:
        return ""
    devices = {d.address: d for d in result.devices}
    items = []
    for destination in device.destinations:
        said = "".join(f"<li>{line}</li>" for line in lines(catalog, destination, devices))
        items.append(f'<ul class="routes">{said}</ul>{_evidence(catalog, destination)}')
    return f"<h4>{t(catalog, 'routes.heading')}</h4>{''.join(items)}"


def _evidence(catalog: Catalog, destination: Destination) -> str:
    extra = []
    if destination.pictures:
        extra.append(t(catalog, "routes.pictures"))
    if destination.status:
        extra.append(t(catalog, "routes.status", status=data(destination.status)))
    if destination.protocol:
        extra.append(t(catalog, "routes.protocol", protocol=data(destination.protocol)))
    facts = f'<p class="route-facts">{" · ".join(extra)}</p>' if extra else ""
    sides = "".join(_side(catalog, "routes.side_rule", r.evidence, r.rule) for r in _unique(destination.routes))
    sides += _side(catalog, "routes.side_receiver", destination.evidence, destination.rule)
    summary = t(catalog, "routes.evidence")
    return f'{facts}<details class="more"><summary>{summary}</summary>{sides}</details>'


def _unique(routes: tuple[Route, ...]) -> list[Route]:
    """Routes whose evidence differs (one trigger's excerpt names all its methods)."""
    seen: dict[tuple[str, str], Route] = {}
    for route in routes:
        seen.setdefault((route.evidence.sha256, route.evidence.excerpt), route)
    return list(seen.values())


def _side(catalog: Catalog, label: str, evidence: Evidence, rule: str) -> str:
    return (
        f'<div class="evidence"><div class="label">{t(catalog, label)}</div>'
        f'<div><span class="label">{t(catalog, "evidence.request")}</span> {data(evidence.request, "code")}</div>'
        f'<pre class="excerpt data">{escape(evidence.excerpt)}</pre>'
        f'<div class="fine"><span class="label">{t(catalog, "evidence.sha256")}</span> {data(evidence.sha256, "code")}'
        f' · <span class="label">{t(catalog, "evidence.at")}</span> {data(evidence.at)}'
        f' · <span class="label">{t(catalog, "evidence.rule")}</span> {data(rule, "code")}</div></div>'
    )
