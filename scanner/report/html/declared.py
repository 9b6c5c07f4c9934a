"""The "declared versus found" section: the operator's inventory reconciled with the scan, under the story on page 1.

The four lists it is for (face use beyond the declaration, cameras not declared, declared devices not found, declared
devices that could not be checked) each with the evidence of the device's verdict, then the others when there are
any, then the notes on the operator's own assessment. Every cell is built from the records and escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from scanner.declared.records import FEATURE_USE, IN_USE, Ambiguous, DeclaredRow, Match, NotFound, Reconciliation
from scanner.model import LEVELS, DeviceReport, Evidence
from scanner.report.html.tally import tone
from scanner.report.html.words import anchor, check, data, join, reason, t, term
from scanner.report.i18n import DECLARATION, Catalog, LegalNote, select_notes

DECLARED_TILES = (  # (list, tone of its tile when not empty)
    ("undeclared_face", "active"),
    ("undeclared_devices", "configured"),
    ("declared_not_found", "capable"),
    ("unconfirmed", "unknown"),
)


def declared_headline(rec: Reconciliation) -> tuple[str, str]:
    """The section's headline key and tone: undeclared face use first, then any difference, then what is unchecked."""
    if rec.involves_faces:
        return "declared.headline.face", "active"
    if rec.undeclared or rec.not_found or rec.ambiguous:
        return "declared.headline.differs", "capable"
    if rec.unconfirmed:
        return "declared.headline.unconfirmed", "unknown"
    return "declared.headline.agrees", "not_found"


def declared(rec: Reconciliation | None, catalog: Catalog, jurisdiction: str, notes: Sequence[LegalNote]) -> str:
    if rec is None:
        return ""
    decl = rec.declaration
    intro = t(
        catalog,
        "declared.intro",
        source=data(decl.source),
        rows=escape(catalog.n("declared.rows", len(decl.rows))),
        read_as=data(decl.detail),
        sha256=data(decl.sha256, "code"),
    )
    key, shade = declared_headline(rec)
    counts = dict(zip((n for n, _ in DECLARED_TILES), _declared_counts(rec), strict=True))
    tiles = "".join(
        f'<div class="tile tone-{shade if counts[n] else "not_found"}{"" if counts[n] else " zero"}">'
        f'<div class="count">{counts[n]}</div><div class="meaning">{t(catalog, f"declared.tile.{n}")}</div></div>'
        for n, shade in DECLARED_TILES
    )
    partial = f'<p class="applies later">{t(catalog, "declared.partial")}</p>' if rec.partial else ""
    return (
        f'<section id="declared" class="declared summary tone-{shade}"><h2>{t(catalog, "declared.heading")}</h2>'
        f'<p class="headline">{t(catalog, key)}</p><div class="tiles">{tiles}</div>{partial}'
        f'<p class="intro">{intro}</p>{_declared_lists(rec, catalog)}'
        f"{_declared_notes(catalog, jurisdiction, notes)}</section>"
    )


def _declared_counts(rec: Reconciliation) -> tuple[int, ...]:
    return len(rec.undeclared_face), len(rec.undeclared_cameras), len(rec.not_found), len(rec.unconfirmed)


def _declared_lists(rec: Reconciliation, catalog: Catalog) -> str:
    """The four lists the section is for (each shown, empty or not), then the ones shown only when not empty."""
    c = catalog
    both, found = ("declared", "found", "evidence"), ("found", "evidence")
    return "".join((
        _table(c, "undeclared_face", both, [
            (_row_cell(c, m.row), _found_cell(c, m.device, _exceeds(c, m), alarm=True),
             _evidence_cell(c, m.device, True)) for m in rec.undeclared_face], always=True),
        _table(c, "undeclared_devices", found, [
            (_found_cell(c, d), _evidence_cell(c, d)) for d in rec.undeclared_cameras], always=True),
        _table(c, "undeclared_other_devices", found, [
            (_found_cell(c, d), _evidence_cell(c, d)) for d in rec.undeclared_other]),
        _table(c, "declared_not_found", ("declared", "why"), [
            (_row_cell(c, n.row), _missing(c, n)) for n in rec.not_found], always=True),
        _table(c, "unconfirmed", both, [
            (_row_cell(c, m.row), _found_cell(c, m.device), _evidence_cell(c, m.device)) for m in rec.unconfirmed],
            always=True),
        _table(c, "ambiguous", ("declared", "found"), [(_row_cell(c, a.row), _ambiguous(c, a)) for a in rec.ambiguous]),
        _table(c, "moved", ("declared", "found"), [
            (_row_cell(c, m.row), _found_cell(c, m.device, _moved(c, m))) for m in rec.moved]),
        _table(c, "model_differs", ("declared", "found"), [
            (_row_cell(c, m.row), _found_cell(c, m.device, _model_differs(c, m)))
            for m in rec.matched if m.model_differs]),
        _unmapped(c, rec),
    ))  # fmt: skip


def _table(
    catalog: Catalog, name: str, columns: Sequence[str], rows: Sequence[tuple[str, ...]], always: bool = False
) -> str:
    """One list as a table of already-safe cells, under its heading; an empty list says so, or is left out."""
    if not rows and not always:
        return ""
    heading = f'<h3 id="declared-{name}">{t(catalog, f"declared.list.{name}")}</h3>'
    if not rows:
        return f'{heading}<p class="none">{t(catalog, "declared.none")}</p>'
    head = "".join(f"<th>{t(catalog, f'declared.column.{k}')}</th>" for k in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'{heading}<table class="declared-table"><tr>{head}</tr>{body}</table>'


def _unmapped(catalog: Catalog, rec: Reconciliation) -> str:
    if not rec.unmapped:
        return ""
    column = data(rec.declaration.face_column)
    items = "".join(
        f"<li>{t(catalog, 'declared.unmapped', row=data(r.row), column=column, text=data(r.face_text))}</li>"
        for r in rec.unmapped
    )
    return f'<h3 id="declared-unmapped">{t(catalog, "declared.list.unmapped")}</h3><ul class="unchecked">{items}</ul>'


def _ambiguous(catalog: Catalog, entry: Ambiguous) -> str:
    devices = join(catalog, [_link(d) for d in entry.candidates])
    return t(catalog, "declared.ambiguous", devices=devices, by=t(catalog, f"declared.by.{entry.key}"))


def _moved(catalog: Catalog, match: Match) -> str:
    by = t(catalog, f"declared.by.{match.key}")
    return t(catalog, "declared.moved", declared=data(match.row.address), found=_link(match.device), by=by)


def _model_differs(catalog: Catalog, match: Match) -> str:
    found = data(match.device.identity.model)
    return t(catalog, "declared.model_differs", declared=data(match.row.model), found=found)


def _row_cell(catalog: Catalog, row: DeclaredRow) -> str:
    """What a row declares: its number, maker and model, then each identifier, the location and the face use."""
    name = " ".join(x for x in (row.maker, row.model) if x)
    lines = [f"<strong>{t(catalog, 'declared.row', row=data(row.row))}</strong>" + (f" {data(name)}" if name else "")]
    labels = (("field.serial", row.serial), ("field.mac", row.mac), ("field.address", row.address),
              ("declared.location", row.location))  # fmt: skip
    colon = t(catalog, "list.colon")
    lines += [f"{t(catalog, k)}{colon}{data(v)}" for k, v in labels if v]
    lines.append(f"{t(catalog, 'declared.declared_use')}{colon}{_declared_use(catalog, row)}")
    return "<br>".join(lines)


def _declared_use(catalog: Catalog, row: DeclaredRow) -> str:
    if row.face_use is not None:
        return t(catalog, f"declared.use.{row.face_use}")
    if row.face_text:
        return t(catalog, "declared.use.unmapped", text=data(row.face_text))
    return t(catalog, "declared.use.not_stated")


def _link(device: DeviceReport) -> str:
    return f'<a class="data" href="#{anchor(device)}">{escape(device.address)}</a>'


def _found_cell(catalog: Catalog, device: DeviceReport, sentence: str = "", alarm: bool = False) -> str:
    """The device found (a link to its card, its name, its verdict), under a sentence about it if any: in the
    colour of face use when it is the headline of a row."""
    name = " ".join(x for x in (device.identity.vendor, device.identity.model) if x)
    label = data(name) if name else t(catalog, "device.unnamed")
    kind = tone(device)
    badge = f'<span class="level tone-{kind}">{t(catalog, f"verdict.{kind}.word")}</span>'
    head = f'<strong class="{"exceeds" if alarm else "said"}">{sentence}</strong><br>' if sentence else ""
    return f"{head}{_link(device)} {label}<br>{badge}"


def _exceeds(catalog: Catalog, match: Match) -> str:
    """The headline of one row: "Face recognition found, declared none"."""
    found = t(catalog, f"declared.found_use.{match.found}")
    return t(catalog, "declared.exceeds", found=found, declared=_declared_use(catalog, match.row))


def _evidence_cell(catalog: Catalog, device: DeviceReport, in_use: bool = False) -> str:
    """The evidence of the device's verdict: its strongest finding with the excerpt that proves it, or why its checks
    could not conclude (the device card below has everything)."""
    findings = [f for f in device.findings if f.level in IN_USE or not in_use]
    if findings:
        best = max(findings, key=lambda f: (LEVELS.index(f.level), FEATURE_USE[f.feature].rank))
        level = f'<span class="level tone-{best.level}">{t(catalog, f"verdict.{best.level}.word")}</span>'
        title = f'<span class="finding-title">{term(catalog, "feature", best.feature)}</span> · {level}'
        proof = "".join(_proof(catalog, e, best.rule) for e in best.evidence[:1])
        return title + proof
    if device.not_checked:
        colon = t(catalog, "list.colon")
        reasons = [f"{check(catalog, n.check)}{colon}{reason(catalog, n)}" for n in device.not_checked[:3]]
        more = len(device.not_checked) - 3
        tail = [t(catalog, "declared.more", n=data(more))] if more > 0 else []
        return "<br>".join(reasons + tail)
    return t(catalog, f"verdict.{tone(device)}.sentence")


def _missing(catalog: Catalog, entry: NotFound) -> str:
    row, other, device = entry.row, entry.at_address, ""
    if other is not None:
        name = " ".join(x for x in (other.identity.vendor, other.identity.model, other.identity.serial) if x)
        device = _link(other) + (f" {data(name)}" if name else "")
    return t(catalog, f"declared.missing.{entry.why}", address=data(row.address), device=device)


def _declared_notes(catalog: Catalog, jurisdiction: str, notes: Sequence[LegalNote]) -> str:
    shown = select_notes(notes, jurisdiction, DECLARATION, "active")
    blocks = "".join(
        f'<div class="legal-note"><h4>{escape(n.cite[catalog.lang])}</h4><p>{escape(n.text[catalog.lang])}</p>'
        f'<p class="sources">{t(catalog, "legal.sources")} '
        + " ".join(f'<a class="data" href="{escape(u)}">{escape(u)}</a>' for u in n.sources)
        + "</p></div>"
        for n in shown
    )
    return f"<h3>{t(catalog, 'declared.notes')}</h3>" + (
        blocks or f'<p class="none">{t(catalog, "declared.legal_none")}</p>'
    )


def _proof(catalog: Catalog, evidence: Evidence, rule: str) -> str:
    """The request, the excerpt that proves the finding, and the rule (the device card has the rest)."""
    return (
        f'<div class="evidence"><div><span class="label">{t(catalog, "evidence.request")}</span> '
        f"{data(evidence.request, 'code')}</div>"
        f'<pre class="excerpt data">{escape(evidence.excerpt)}</pre>'
        f'<div class="fine"><span class="label">{t(catalog, "evidence.rule")}</span> {data(rule, "code")}</div></div>'
    )
