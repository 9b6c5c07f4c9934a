"""`camaudit rejudge BUNDLE`: an evidence bundle judged again under today's signatures, with no network traffic.

The bundle is verified first and never modified; the new report records both signature-set versions and, per
device, which verdict changed and which rules made it change.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from scanner.cli.exits import exit_code
from scanner.cli.options import lang_option
from scanner.cli.written import to_stdout
from scanner.errors import ScopeError, UsageError
from scanner.judge.places import place_result
from scanner.judge.rejudged import Change, changes, rejudge_device
from scanner.matching.loader import load_signatures
from scanner.model import ScanResult, utc_now
from scanner.report.bundle.read import read_bundle
from scanner.report.bundle.verify import verify_bundle
from scanner.report.html import render_html
from scanner.report.i18n import Catalog, cached_catalog
from scanner.report.json_report import to_dict, write_atomic
from scanner.report.table import print_table
from scanner.scope import expand_targets


def _scope(report: ScanResult) -> tuple[str, ...]:
    """The addresses the recorded scan was allowed to reach (its audited devices', if its targets cannot be expanded
    again): destinations in them are on the premises."""
    try:
        return expand_targets(report.targets, allow_public=True, confirmed=True)
    except ScopeError:
        return tuple(d.address for d in report.devices)


def run_rejudge(args: argparse.Namespace) -> int:
    """0 or 1 as for `scan` (face analytics found under the new judgement); 2 for a bundle that does not verify."""
    checked = verify_bundle(args.bundle)
    if not checked.ok:
        named = [*checked.changed, *checked.missing, *checked.extra, *(detail for _, detail in checked.problems)]
        raise UsageError(f"bundle {args.bundle} does not verify: {', '.join(named[:5]) or 'unreadable'}")
    recorded = read_bundle(args.bundle)
    sigset = load_signatures(args.signatures)
    judged = {d.inputs.host.address: rejudge_device(d.inputs, d.observations, sigset) for d in recorded.devices}
    devices = tuple(judged.get(d.address, d) for d in recorded.report.devices)  # an unaudited device stays as it was
    result = place_result(replace(recorded.report, devices=devices), _scope(recorded.report), sigset.clouds)
    found = changes(recorded.report, result)
    document = to_dict(result) | {
        "rejudge": _section(args.bundle, recorded.params.signature_digest, sigset.digest, found)
    }
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if to_stdout(args.output):
        sys.stdout.write(text)
        return exit_code(result)
    if args.output is not None:
        _write(args.output, text if args.output.suffix.lower() != ".html" else _html(result, args.lang))
    if args.format == "json":
        sys.stdout.write(text)
    else:
        _print(result, found, recorded.params.signature_digest, sigset.digest, cached_catalog(args.lang))
    return exit_code(result)


def _section(bundle: Path, before: str, after: str, found: tuple[Change, ...]) -> dict[str, object]:
    return {
        "bundle": str(bundle),
        "rejudged_at": utc_now(),
        "original_signatures": before,
        "signatures": after,
        "changes": [
            {
                "address": c.address,
                "before": c.before,
                "after": c.after,
                "rules_added": list(c.rules_added),
                "rules_removed": list(c.rules_removed),
            }
            for c in found
        ],  # fmt: skip
    }


def _html(result: ScanResult, lang: str) -> str:
    return render_html(result, cached_catalog(lang))


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def _print(result: ScanResult, found: tuple[Change, ...], before: str, after: str, catalog: Catalog) -> None:
    console = Console(highlight=False)
    print_table(result, console, catalog)
    same = (
        catalog.t("rejudge.same")
        if before == after
        else catalog.t("rejudge.other", after=after[:12], before=before[:12])
    )
    if not found:
        console.print(escape(catalog.t("rejudge.unchanged", signatures=same)))
        return
    console.print(escape(catalog.t("rejudge.changed", signatures=same, count=len(found))))
    for change in found:
        rules = ", ".join([*(f"+{r}" for r in change.rules_added), *(f"-{r}" for r in change.rules_removed)])
        line = f"  {change.address}: {change.before} -> {change.after}" + (f" ({rules})" if rules else "")
        console.print(escape(line))


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    rejudge = sub.add_parser("rejudge", help="judge an evidence bundle again under today's signatures (no traffic)")
    rejudge.add_argument("bundle", type=Path, metavar="BUNDLE")
    rejudge.add_argument("--signatures", type=Path, default=None, help="signature directory (default: built-in)")
    rejudge.add_argument("--format", choices=("table", "json"), default="table", help="what to print on stdout")
    rejudge.add_argument(
        "-o",
        "--output",
        type=Path,
        help="also write the new report: JSON, or HTML for a .html name (- : JSON to stdout)",
    )
    lang_option(rejudge)
