"""The reconciliation in plain sentences for the console, in the catalogue's language (no markup: every datum is
printed as it is, control characters having been removed when the inventory was read)."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.declared.records import DeclaredRow, Match, NotFound, Reconciliation
from scanner.model import LEVELS, DeviceReport, Finding
from scanner.report.html.declared import declared_headline
from scanner.report.i18n import Catalog

MAX_LINES = 20  # per list; the JSON and HTML formats list everything


def reconciliation_lines(rec: Reconciliation, catalog: Catalog) -> list[str]:
    """A heading, the headline, then each list as a count followed by one line per entry."""
    t, colon = catalog.t, catalog.t("list.colon")
    decl = rec.declaration
    intro = t("declared.intro", source=decl.source, rows=catalog.n("declared.rows", len(decl.rows)),
              read_as=decl.detail, sha256=decl.sha256)  # fmt: skip
    lines = [t("declared.heading"), intro, t(declared_headline(rec)[0])]
    if rec.partial:
        lines.append(t("declared.partial"))
    lists = _lists(rec, catalog)
    for name, entries, always in lists:
        if entries or always:
            lines.append(f"{t(f'declared.list.{name}')}{colon}{len(entries)}")
            lines += [f"  {e}" for e in entries[:MAX_LINES]]
            if len(entries) > MAX_LINES:
                lines.append("  " + t("declared.more_lines", n=len(entries) - MAX_LINES))
    return lines


def _lists(rec: Reconciliation, catalog: Catalog) -> list[tuple[str, list[str], bool]]:
    """(list name, its lines, shown even when empty): the four lists the reconciliation is for, then the others."""
    t, colon = catalog.t, catalog.t("list.colon")

    def by(key: str) -> str:
        return t(f"declared.by.{key}")

    face = [_row(catalog, m.row, m.device) + colon + _exceeds(catalog, m) for m in rec.undeclared_face]
    cameras = [_device(catalog, d) + colon + _verdict(catalog, d) for d in rec.undeclared_cameras]
    others = [_device(catalog, d) + colon + _verdict(catalog, d) for d in rec.undeclared_other]
    missing = [_row(catalog, n.row) + colon + _missing(catalog, n) for n in rec.not_found]
    unconfirmed = [_row(catalog, m.row, m.device) + colon + _unconfirmed(catalog, m) for m in rec.unconfirmed]
    ambiguous = [
        _row(catalog, a.row)
        + colon
        + t("declared.ambiguous", devices=", ".join(d.address for d in a.candidates), by=by(a.key))
        for a in rec.ambiguous
    ]
    moved = [
        _row(catalog, m.row, m.device)
        + colon
        + t("declared.moved", declared=m.row.address, found=m.device.address, by=by(m.key))
        for m in rec.moved
    ]
    models = [
        _row(catalog, m.row, m.device)
        + colon
        + t("declared.model_differs", declared=m.row.model, found=m.device.identity.model)
        for m in rec.matched
        if m.model_differs
    ]
    column = rec.declaration.face_column
    unmapped = [t("declared.unmapped", row=r.row, column=column, text=r.face_text) for r in rec.unmapped]
    return [
        ("undeclared_face", face, True),
        ("undeclared_devices", cameras, True),
        ("undeclared_other_devices", others, False),
        ("declared_not_found", missing, True),
        ("unconfirmed", unconfirmed, True),
        ("ambiguous", ambiguous, False),
        ("moved", moved, False),
        ("model_differs", models, False),
        ("unmapped", unmapped, False),
    ]


def _name(maker: str | None, model: str | None) -> str:
    return " ".join(x for x in (maker, model) if x)


def _row(catalog: Catalog, row: DeclaredRow, device: DeviceReport | None = None) -> str:
    """`row 4: Dahua IPC-HFW5442E-ZE at 127.77.0.13` (the device found, or else what the row declares)."""
    if device is not None:
        return catalog.t("declared.entry", row=row.row, device=_device(catalog, device))
    name = _name(row.maker, row.model) or row.serial or row.mac or ""
    where = row.address or row.serial or row.mac or ""
    said = catalog.t("declared.at", device=name, address=where) if name != where else where
    return catalog.t("declared.entry", row=row.row, device=said)


def _device(catalog: Catalog, device: DeviceReport) -> str:
    name = _name(device.identity.vendor, device.identity.model) or catalog.t("declared.unnamed")
    return catalog.t("declared.at", device=name, address=device.address)


def _declared_use(catalog: Catalog, row: DeclaredRow) -> str:
    if row.face_use is not None:
        return catalog.t(f"declared.use.{row.face_use}")
    if row.face_text:
        return catalog.t("declared.use.unmapped", text=row.face_text)
    return catalog.t("declared.use.not_stated")


def _exceeds(catalog: Catalog, match: Match) -> str:
    found = catalog.t(f"declared.found_use.{match.found}")
    return catalog.t("declared.exceeds", found=found, declared=_declared_use(catalog, match.row)) + _strongest(
        catalog, match.device.findings
    )


def _verdict(catalog: Catalog, device: DeviceReport) -> str:
    kind = device.face_analytics.value if device.is_camera or device.face_analytics == "unknown" else "none"
    return catalog.t(f"verdict.{kind}.word") + _strongest(catalog, device.findings)


def _strongest(catalog: Catalog, findings: Sequence[Finding]) -> str:
    """` (face recognition, set up; rule dahua...)`: the finding that carries the verdict, or nothing."""
    if not findings:
        return ""
    best = max(findings, key=lambda f: LEVELS.index(f.level))
    feature, level = catalog.t(f"feature.{best.feature}"), catalog.t(f"verdict.{best.level}.word")
    return catalog.t("declared.because", feature=feature, level=level, rule=best.rule)


def _unconfirmed(catalog: Catalog, match: Match) -> str:
    notes = match.device.not_checked
    reason = catalog.reason(notes[0].reason, notes[0].detail) if notes else catalog.t("verdict.unknown.tile")
    return catalog.t("declared.unconfirmed", declared=_declared_use(catalog, match.row), reason=reason)


def _missing(catalog: Catalog, entry: NotFound) -> str:
    other = ""
    if entry.at_address is not None:
        other = _device(catalog, entry.at_address)
    return catalog.t(f"declared.missing.{entry.why}", address=entry.row.address or "", device=other)
