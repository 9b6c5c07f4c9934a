"""One card per device: who it is, the strongest proof first, further evidence folded, what could not be checked."""

from __future__ import annotations

from html import escape

from scanner.model import Channel, DeviceReport, Evidence, Finding, ScanResult
from scanner.report.html.routes import device_block
from scanner.report.html.story import device_title
from scanner.report.html.tally import by_strength, ordered, tone
from scanner.report.html.words import anchor, channel, check, data, join, reason, t, term
from scanner.report.i18n import Catalog


def cards(result: ScanResult, catalog: Catalog) -> str:
    body = "".join(card(catalog, d, result) for d in ordered(result))
    if not result.devices:
        body = f'<p class="none">{t(catalog, "devices.none")}</p>'
    return (
        f'<section class="devices"><h2>{t(catalog, "devices.heading")}</h2>'
        f'<p class="intro">{t(catalog, "devices.intro")}</p>{body}</section>'
    )


def card(catalog: Catalog, device: DeviceReport, result: ScanResult) -> str:
    kind = tone(device)
    head = (
        f'<header class="card-head"><div><h3>{device_title(catalog, device)}</h3><div class="where">'
        f"{data(device.address)} · {t(catalog, f'role.{device.role}')}</div></div>"
        f'<span class="badge">{t(catalog, f"verdict.{kind}.word")}</span></header>'
    )
    return (
        f'<article class="device-card tone-{kind}" id="{anchor(device)}">{head}'
        f'<p class="verdict-sentence">{t(catalog, f"verdict.{kind}.sentence")}</p>'
        f"{_findings(catalog, device)}{device_block(catalog, device, result)}"
        f"{_unchecked(catalog, device)}{_facts(catalog, device)}</article>"
    )


def _findings(catalog: Catalog, device: DeviceReport) -> str:
    """The strongest finding in full; the others folded (opened for print) under "further evidence"."""
    findings = by_strength(device.findings)
    if not findings:
        return ""
    channels = {c.id: c for c in device.channels}
    strongest = f"<h4>{t(catalog, 'findings.strongest')}</h4>{_finding(catalog, findings[0], channels)}"
    if len(findings) == 1:
        return strongest
    rest = "".join(_finding(catalog, f, channels) for f in findings[1:])
    summary = t(catalog, "findings.more", count=data(len(findings) - 1))
    return f'{strongest}<details class="more"><summary>{summary}</summary>{rest}</details>'


def _finding(catalog: Catalog, finding: Finding, channels: dict[str, Channel]) -> str:
    feature = term(catalog, "feature", finding.feature)
    help_key = f"feature_help.{finding.feature}"
    help_text = f'<div class="help">{t(catalog, help_key)}</div>' if catalog.has(help_key) else ""
    level = f'<span class="level tone-{finding.level}">{t(catalog, f"verdict.{finding.level}.word")}</span>'
    confidence = t(catalog, "findings.confidence", level=term(catalog, "confidence", finding.confidence))
    where = ""
    if finding.channel is not None:
        known = channels.get(finding.channel) or Channel(finding.channel)
        where = f' · <span class="channel">{channel(catalog, known)}</span>'
    evidence = "".join(_evidence(catalog, e, finding.rule) for e in finding.evidence)
    return (
        f'<div class="finding"><span class="finding-title">{feature}</span>{where} · {level} · {confidence}'
        f"{help_text}{evidence}</div>"
    )


def _evidence(catalog: Catalog, evidence: Evidence, rule: str) -> str:
    return (
        f'<div class="evidence"><div><span class="label">{t(catalog, "evidence.request")}</span> '
        f"{data(evidence.request, 'code')}</div>"
        f'<div class="label">{t(catalog, "evidence.excerpt")}</div>'
        f'<pre class="excerpt data">{escape(evidence.excerpt)}</pre>'
        f'<div class="fine"><span class="label">{t(catalog, "evidence.sha256")}</span> {data(evidence.sha256, "code")}'
        f' · <span class="label">{t(catalog, "evidence.at")}</span> {data(evidence.at)}'
        f' · <span class="label">{t(catalog, "evidence.rule")}</span> {data(rule, "code")}</div></div>'
    )


def _unchecked(catalog: Catalog, device: DeviceReport) -> str:
    if not device.not_checked:
        return ""
    colon = t(catalog, "list.colon")
    items = "".join(f"<li><strong>{check(catalog, n.check)}</strong>{colon}{reason(catalog, n)}</li>"
                    for n in device.not_checked)  # fmt: skip
    return f'<h4>{t(catalog, "not_checked.heading")}</h4><ul class="unchecked">{items}</ul>'


def _facts(catalog: Catalog, device: DeviceReport) -> str:
    """Who the device is and how it was read, folded: the proof comes first."""
    unknown = t(catalog, "value.not_revealed")
    ident = device.identity
    known = (device.address, ident.mac, ident.vendor, ident.model, ident.firmware, ident.serial)
    names = ("address", "mac", "vendor", "model", "firmware", "serial")
    rows = [(f"field.{k}", data(value) if value else unknown) for k, value in zip(names, known, strict=True)]
    if ident.maker:
        rows.insert(3, ("field.maker", data(ident.maker)))
    rows.insert(0, ("field.role", t(catalog, f"role.{device.role}")))
    services = [f"{term(catalog, 'service', s.protocol)} {data(s.port)}" for s in device.services]
    found = [term(catalog, "method", m) for m in device.discovered_by]
    rows.append(("field.services", join(catalog, services) or unknown))
    rows.append(("field.discovered_by", join(catalog, found) or unknown))
    if device.channels:
        rows.append(("field.channels", "<br>".join(channel(catalog, c) for c in device.channels)))
    if device.is_camera:
        counts = {state: data(len(getattr(device.coverage, state))) for state in ("read", "absent", "unread")}
        rows.append(("field.coverage", t(catalog, "coverage.line", **counts)))
    cells = "".join(f"<dt>{t(catalog, k)}</dt><dd>{v}</dd>" for k, v in rows)
    summary = f"<summary>{t(catalog, 'device.facts')}</summary>"
    return f'<details class="facts-box">{summary}<dl class="facts">{cells}</dl></details>'
