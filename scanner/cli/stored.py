"""Commands on stored results: verify a bundle, list the history, diff two scans, re-render a past scan."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scanner.cli.exits import EXIT_DIFFERENT
from scanner.cli.written import emit
from scanner.net.text import plain
from scanner.report.bundle.verify import verification_lines, verify_bundle
from scanner.report.formats import RenderContext, format_named
from scanner.report.i18n import Catalog, cached_catalog
from scanner.report.json_report import read_report
from scanner.store.diff import DeviceRef, ScanDiff, diff
from scanner.store.history import History, LoadedScan, default_db_path


def run_verify(args: argparse.Namespace) -> int:
    """0 when every file matches the manifest (and the signature, if any); 1 otherwise."""
    catalog = cached_catalog(args.lang)
    result = verify_bundle(args.directory, args.public_key)
    for line in verification_lines(result, catalog):
        print(plain(line))  # paths and details come from the bundle, which anyone may have edited
    return 0 if result.ok else 1


def run_history(args: argparse.Namespace) -> int:
    catalog = cached_catalog(args.lang)
    path = args.db or default_db_path()
    if args.db is None and not path.exists():
        print(catalog.t("history.empty"))  # nothing stored yet, and nothing created to say so
        return 0
    with History(path, create=False) as history:
        scans = history.list_scans()
    if not scans:
        print(catalog.t("history.empty"))
        return 0
    table = Table(title_justify="left")
    for key in ("id", "started", "targets", "devices", "cameras", "face"):
        if key == "targets":
            table.add_column(catalog.t(f"history.{key}"), overflow="fold", min_width=18, ratio=1)
        else:
            table.add_column(catalog.t(f"history.{key}"), no_wrap=key in ("id", "started"))
    for scan in scans:
        targets = escape(plain(" ".join(scan.targets)))  # as stored: shown as text, never as markup
        table.add_row(str(scan.id), escape(plain(scan.started_at)), targets, str(scan.devices), str(scan.cameras),
                      str(scan.face))  # fmt: skip
    Console(highlight=False).print(table)
    return 0


def load_scan(ref: str, db: Path | None) -> LoadedScan:
    """A scan by history reference (id, `latest`, `-2`) or a JSON report file."""
    path = Path(ref)
    if path.suffix == ".json" or path.is_file():
        return LoadedScan(read_report(path), None)
    with History(db or default_db_path(), create=False) as history:
        return history.load(history.resolve(ref))


def run_diff(args: argparse.Namespace) -> int:
    """Print what changed from scan A to scan B; exit 1 when anything did, 0 when nothing did (as diff(1))."""
    catalog = cached_catalog(args.lang)
    before = load_scan(args.scan_a, args.db).result
    after = load_scan(args.scan_b, args.db).result
    changes = diff(before, after)
    print(catalog.t("diff.title", a=plain(args.scan_a), b=plain(args.scan_b)))
    for line in diff_lines(changes, catalog):
        print(line)
    return EXIT_DIFFERENT if any((changes.added, changes.removed, changes.moved, changes.verdict_changed)) else 0


def run_report(args: argparse.Namespace) -> int:
    """Re-render a stored scan (no rescanning) in one of the report formats (HTML, PDF, CSV, JSON)."""
    loaded = load_scan(args.scan, args.db)
    fmt = format_named(args.format)
    context = RenderContext(cached_catalog(args.lang), args.jurisdiction, loaded.params)
    output = args.output or Path(f"camaudit-report{fmt.suffix}")
    emit(output, fmt.render(loaded.result, context), f"{fmt.name.upper()} report written to {output}", args.quiet)
    return 0


def diff_lines(result: ScanDiff, catalog: Catalog) -> list[str]:
    """The diff as plain sentences in the catalogue's language, for the console."""

    def label(ref: DeviceRef) -> str:  # device words from a stored report: no terminal escapes reach the console
        name = plain(" ".join(x for x in (ref.vendor, ref.model) if x))
        return f"{name} ({plain(ref.address)})" if name else plain(ref.address)

    def word(verdict: str) -> str:
        key = f"verdict.{verdict}.word"
        return catalog.t(key) if catalog.has(key) else verdict

    lines = [catalog.t("diff.added", device=label(r)) for r in result.added]
    lines += [catalog.t("diff.removed", device=label(r)) for r in result.removed]
    lines += [
        catalog.t(
            "diff.moved",
            device=label(m.after),
            before=m.before.address,
            after=m.after.address,
            key=catalog.t(f"diff.by_{m.key}"),
        )
        for m in result.moved
    ]
    lines += [
        catalog.t(
            "diff.verdict",
            device=label(v.after),
            before=word(v.before.face_analytics),
            after=word(v.after.face_analytics),
        )
        for v in result.verdict_changed
    ]
    return lines or [catalog.t("diff.none")]
