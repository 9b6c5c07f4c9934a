"""The first page: what was found, where, how sure, and what could not be checked; then one line per device."""

from __future__ import annotations

from collections import Counter

from scanner.model import Channel, DeviceReport, NotChecked, ScanResult, cut_short, main_reason
from scanner.report.html.tally import FACE_TONES, TONES, by_strength, headline_key, ordered, summarize, tone
from scanner.report.html.words import channel, data, join, reason, t, term
from scanner.report.i18n import Catalog
from scanner.vocabulary import FACE_API_REASONS, Reason

LOGIN_REASONS = frozenset({Reason.NEEDS_LOGIN, Reason.NO_LOGIN_ONVIF, Reason.SESSION_NEEDS_LOGIN})
MAX_WHERE = 6  # devices named in the story, the strongest first; the overview table below lists every one


def masthead(result: ScanResult, catalog: Catalog) -> str:
    targets = ", ".join(result.targets)
    line = t(catalog, "report.subtitle", targets=data(targets), started=data(result.started_at))
    return (
        f'<header class="masthead"><div class="inner"><h1>{t(catalog, "report.title")}</h1>'
        f'<p class="premises">{line}</p></div></header>'
    )


def incomplete(result: ScanResult, catalog: Catalog) -> str:
    """A warning at the top when the scan stopped early or some device's checks were cut short: their verdicts
    say "not checked", never "none found", and the reader must know before reading any number."""
    cut = [d for d in result.devices if cut_short(d)]
    if not result.partial and not cut:
        return ""
    devices = join(catalog, [data(d.address) for d in cut[:20]]) + (" …" if len(cut) > 20 else "")
    lines = [f"<p>{t(catalog, 'incomplete.partial')}</p>"] if result.partial else []
    if cut:
        lines.append(f"<p>{t(catalog, 'incomplete.devices', count=data(len(cut)), devices=devices)}</p>")
    return (
        f'<section id="incomplete" class="incomplete"><h2>{t(catalog, "incomplete.heading")}</h2>'
        f"{''.join(lines)}</section>"
    )


def story(result: ScanResult, catalog: Catalog) -> str:
    """The headline and one count per verdict, then where faces are analysed, how sure, and what is open."""
    s = summarize(result)
    key = headline_key(s)
    worst = key.split(".", 1)[1] if s.cameras else "none"
    tiles = "".join(_tile(catalog, v, s.by_verdict[v]) for v in TONES[:-1]) + _tile(catalog, "none", s.others)
    return (
        f'<section id="summary" class="summary tone-{worst}"><h2>{t(catalog, "summary.heading")}</h2>'
        f'<p class="headline">{t(catalog, key)}</p><div class="tiles">{tiles}</div>'
        f'{_where(result, catalog)}<div class="story-notes"><div>{_how_sure(catalog)}</div>'
        f"<div>{_open(result, catalog)}</div></div></section>"
    )


def _tile(catalog: Catalog, verdict: str, count: int) -> str:
    zero = " zero" if count == 0 else ""
    return (
        f'<div class="tile tone-{verdict}{zero}"><div class="count">{count}</div>'
        f'<div class="word">{t(catalog, f"verdict.{verdict}.word")}</div>'
        f'<div class="meaning">{t(catalog, f"verdict.{verdict}.tile")}</div></div>'
    )


def _where(result: ScanResult, catalog: Catalog) -> str:
    faces = [d for d in ordered(result) if tone(d) in FACE_TONES]
    if not faces:
        return f"<h3>{t(catalog, 'story.where')}</h3><p>{t(catalog, 'story.where_none')}</p>"
    lines = "".join(f"<li>{_face_line(catalog, d)}</li>" for d in faces[:MAX_WHERE])
    more = f"<li>{t(catalog, 'story.more', count=data(len(faces) - MAX_WHERE))}</li>" if len(faces) > MAX_WHERE else ""
    return f'<h3>{t(catalog, "story.where")}</h3><ul class="where">{lines}{more}</ul>'


def _face_line(catalog: Catalog, device: DeviceReport) -> str:
    """`In use: Hikvision DS-K1T671MF (127.0.0.1), face terminal: face library, face recognition (channel 2)`."""
    kind = tone(device)
    best: dict[str, str] = {}
    channels = {c.id: c for c in device.channels}
    for finding in by_strength(device.findings):
        if finding.feature not in best and finding.level == kind:
            where = ""
            if finding.channel is not None:
                where = f" ({channel(catalog, channels.get(finding.channel) or Channel(finding.channel))})"
            best[finding.feature] = term(catalog, "feature", finding.feature) + where
    role = "" if device.role == "camera" else f"{t(catalog, 'list.separator')}{t(catalog, f'role_short.{device.role}')}"
    return (
        f'<span class="level tone-{kind}">{t(catalog, f"verdict.{kind}.word")}</span>{t(catalog, "list.colon")}'
        f"{device_title(catalog, device)} ({data(device.address)}{role}){t(catalog, 'list.colon')}"
        f"{join(catalog, list(best.values()))}"
    )


def _how_sure(catalog: Catalog) -> str:
    return f"<h3>{t(catalog, 'story.sure')}</h3><p>{t(catalog, 'story.sure_text')}</p>"


def _open(result: ScanResult, catalog: Catalog) -> str:
    """The devices that could not be checked, grouped by their first reason, and what would let camaudit check."""
    open_devices = [d for d in result.devices if tone(d) == "unknown"]
    if not open_devices:
        return ""
    first = Counter(_group(note) for d in open_devices if (note := main_reason(d)) is not None)
    rows = "".join(
        f"<li>{t(catalog, 'story.open_line', count=data(n), reason=reason(catalog, NotChecked('', *key)))}</li>"
        for key, n in first.most_common()
    )
    needs_login = any(n.reason in LOGIN_REASONS for d in open_devices for n in d.not_checked)
    flag = data("--credentials", "code")
    hint = f'<p class="hint">{t(catalog, "story.login_hint", flag=flag)}</p>' if needs_login else ""
    return f'<h3>{t(catalog, "story.open")}</h3><ul class="open">{rows}</ul>{hint}'


def _group(note: NotChecked) -> tuple[Reason, str]:
    """A reason with the detail that names a maker (face APIs out of reach); other details are one device's own."""
    return note.reason, note.detail if note.reason in FACE_API_REASONS else ""


def device_title(catalog: Catalog, device: DeviceReport) -> str:
    """`Vendor Model`, without the vendor twice when the model already starts with it."""
    vendor, model = device.identity.vendor, device.identity.model
    if vendor and model and model.lower().startswith(vendor.lower()):
        vendor = None
    name = " ".join(x for x in (vendor, model) if x)
    return data(name) if name else t(catalog, "device.unnamed")


def overview(result: ScanResult, catalog: Catalog) -> str:
    """One line per device: where, what, the verdict, and the strongest reason for it."""
    heads = "".join(f"<th>{t(catalog, f'overview.{k}')}</th>" for k in ("address", "device", "role", "verdict", "why"))
    rows = "".join(_row(catalog, d) for d in ordered(result))
    return (
        f'<section id="overview"><h2>{t(catalog, "overview.heading")}</h2>'
        f'<table class="overview"><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table></section>'
    )


def _row(catalog: Catalog, device: DeviceReport) -> str:
    kind = tone(device)
    why = ""
    findings = by_strength(device.findings)
    if findings:
        why = join(catalog, list(dict.fromkeys(term(catalog, "feature", f.feature) for f in findings)))
    elif kind == "not_found" and device.is_camera:
        concluded = len(device.coverage.read) + len(device.coverage.absent)
        why = t(catalog, "overview.all_read", count=data(concluded))
    elif (note := main_reason(device)) is not None:
        why = reason(catalog, note)
    return (
        f'<tr class="tone-{kind}"><td>{data(device.address)}</td><td>{device_title(catalog, device)}</td>'
        f"<td>{t(catalog, f'role_short.{device.role}')}</td>"
        f'<td><span class="level">{t(catalog, f"verdict.{kind}.word")}</span></td><td>{why}</td></tr>'
    )
