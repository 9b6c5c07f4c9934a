"""`camaudit reconcile`: the operator's declared inventory against a scan (stored, a JSON report or an evidence
bundle), in words, JSON, HTML or PDF; `--declared FILE` on `scan`; the template and the demo inventory, printed."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scanner.cli.exits import EXIT_CLEAN, EXIT_FACE
from scanner.cli.options import db_option, lang_option
from scanner.cli.reconcile_text import reconciliation_lines
from scanner.cli.written import emit, to_stdout
from scanner.declared.export import INVENTORY_COPY, render_reconciliation
from scanner.declared.read import parse_declared, read_declared
from scanner.declared.reconcile import reconcile
from scanner.declared.records import Declaration, Reconciliation
from scanner.declared.template import template_text, with_headers
from scanner.errors import UsageError
from scanner.model import ScanResult
from scanner.report.bundle.manifest import MANIFEST, REPORT, read_capped
from scanner.report.bundle.params import BundleParams, params_from_dict
from scanner.report.bundle.verify import verify_bundle
from scanner.report.formats import RenderContext, format_named
from scanner.report.i18n import JURISDICTION_CHOICES, cached_catalog
from scanner.report.json_report import read_report
from scanner.store.history import History, default_db_path

FORMATS = ("table", "json", "html", "pdf")


def declared_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--declared",
        type=Path,
        metavar="FILE",
        help="the operator's camera inventory (CSV or XLSX) to reconcile the scan with; read before any traffic "
        "(see camaudit reconcile --template)",
    )


def reconcile_parser(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("reconcile", help="compare the operator's declared camera inventory with a scan")
    parser.add_argument("scan", nargs="?", help="history id, latest, -2, a JSON report file or an evidence bundle")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--declared", type=Path, metavar="FILE", help="the inventory, CSV or XLSX")
    source.add_argument(
        "--declared-from",
        metavar="SCAN",
        help="the inventory kept with that earlier scan in the history (a later visit)",
    )
    source.add_argument("--template", action="store_true", help="print the blank inventory template and exit")
    source.add_argument(
        "--demo-inventory",
        action="store_true",
        help="print the inventory of the demo premises (camaudit demo) and exit",
    )
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout (html, pdf: a file is needed)")
    parser.add_argument("--jurisdiction", choices=JURISDICTION_CHOICES, default="all")
    parser.add_argument("--no-history", action="store_true", help="do not keep the inventory with the stored scan")
    db_option(parser)
    lang_option(parser)


@dataclass(frozen=True)
class Scanned:
    """A scan to reconcile: its records, its parameters, its history id, and the inventory it was kept with."""

    result: ScanResult
    params: BundleParams | None = None
    scan_id: int | None = None
    declaration: Declaration | None = None


def run_reconcile(args: argparse.Namespace) -> int:
    """1 when anything undeclared involves faces, else 0 (2 for bad input, as everywhere)."""
    if args.template or args.demo_inventory:
        return _print_inventory(args)
    if not args.scan:
        raise UsageError("reconcile: name a scan (history id, latest, a JSON report or a bundle), or use --template")
    scanned = load_scanned(args.scan, args.db)
    declaration = _declaration(args, scanned)
    rec = reconcile(scanned.result, declaration)
    if scanned.scan_id is not None and args.declared is not None and not args.no_history:
        with History(args.db or default_db_path()) as history:
            history.add_declaration(scanned.scan_id, declaration)
        print(
            f"Inventory kept with scan {scanned.scan_id} in the history "
            f"(a later visit: camaudit reconcile latest --declared-from {scanned.scan_id})",
            file=sys.stderr,
        )
    _output(args, scanned, rec)
    return EXIT_FACE if rec.involves_faces else EXIT_CLEAN


def load_scanned(ref: str, db: Path | None) -> Scanned:
    """A scan by bundle directory, JSON report file, or history reference (id, `latest`, `-2`)."""
    path = Path(ref)
    if path.is_dir():
        return _bundle(path)
    if path.suffix == ".json" or path.is_file():
        return Scanned(read_report(path))
    with History(db or default_db_path(), create=False) as history:  # reading: a mistyped --db creates nothing
        scan_id = history.resolve(ref)
        loaded = history.load(scan_id)
        return Scanned(loaded.result, loaded.params, scan_id, history.load_declaration(scan_id))


def _bundle(directory: Path) -> Scanned:
    """A bundle, verified first: a reconciliation must not rest on an altered report."""
    if not verify_bundle(directory).ok:
        raise UsageError(f"{directory}: the bundle does not verify (see camaudit verify {directory})")
    try:
        params = params_from_dict(json.loads(read_capped(directory / MANIFEST))["params"])
    except (OSError, ValueError, KeyError, TypeError):
        params = None
    copies = [directory / INVENTORY_COPY.format(kind=kind) for kind in ("csv", "xlsx")]
    copies = [path for path in copies if path.is_file()]
    declaration = parse_declared(copies[0].read_bytes(), copies[0].name) if copies else None
    return Scanned(read_report(directory / REPORT), params, None, declaration)


def _declaration(args: argparse.Namespace, scanned: Scanned) -> Declaration:
    if args.declared is not None:
        return read_declared(args.declared)
    if args.declared_from is not None:
        with History(args.db or default_db_path(), create=False) as history:
            earlier = history.resolve(args.declared_from)
            kept = history.load_declaration(earlier)
        if kept is None:
            raise UsageError(f"--declared-from: scan {earlier} has no inventory kept with it")
        return kept
    if scanned.declaration is None:
        raise UsageError(f"reconcile: {args.scan} has no inventory kept with it: pass --declared FILE")
    return scanned.declaration


def _output(args: argparse.Namespace, scanned: Scanned, rec: Reconciliation) -> None:
    catalog = cached_catalog(args.lang)
    if args.format in ("html", "pdf"):
        fmt = format_named(args.format)
        output = args.output or Path(f"camaudit-reconcile{fmt.suffix}")
        context = RenderContext(catalog, args.jurisdiction, scanned.params, rec)
        emit(output, fmt.render(scanned.result, context), f"{fmt.name.upper()} report written to {output}", args.quiet)
        return
    if args.format == "json":
        text = render_reconciliation(rec, scanned.result)
    else:
        text = "\n".join(reconciliation_lines(rec, catalog)) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        emit(args.output, text, f"Written to {args.output}", args.quiet)


def _print_inventory(args: argparse.Namespace) -> int:
    """The template or the demo premises' inventory, its headers in --lang; to a file with a byte-order mark (so a
    spreadsheet reads it as UTF-8)."""
    if args.template:
        text = template_text(args.lang)
    else:
        demo = resources.files("scanner").joinpath("lab", "demo-inventory.csv").read_text(encoding="utf-8-sig")
        text = with_headers(demo, args.lang)
    if args.output is None or to_stdout(args.output):
        sys.stdout.write(text)
    else:
        emit(args.output, "\ufeff" + text, f"Written to {args.output}", args.quiet)
    return EXIT_CLEAN
