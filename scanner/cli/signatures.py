"""`camaudit signatures`: validate every rule against its cases, or list the coverage by vendor and feature."""

from __future__ import annotations

import argparse

from rich.console import Console

from scanner.cli.exits import EXIT_CLEAN, EXIT_FACE
from scanner.matching.schema import DestinationSource, IdentifyRule, Linkage, Rule


def run_signatures(args: argparse.Namespace) -> int:
    """`list`: the coverage table; `validate`: every case of every rule and table, 1 when any fails."""
    from scanner.matching.destinations import validate_reads
    from scanner.matching.engine import validate, vendor_coverage, vendors_without_rules
    from scanner.matching.loader import load_signatures

    sigset = load_signatures(args.signatures)
    console = Console(highlight=False)
    if args.action == "list":
        from rich.table import Table

        rows = vendor_coverage(sigset)
        vendors = {vendor for vendor, _, _ in rows}
        features = {feature for _, feature, _ in rows}
        title = f"Signature coverage: {len(sigset.rules)} face rules, {len(vendors)} vendors, {len(features)} features"
        table = Table(title=title, title_justify="left")
        for column in ("Vendor", "Feature", "Levels"):
            table.add_column(column)
        for vendor, feature, levels in rows:
            table.add_row(vendor, feature.replace("_", " "), ", ".join(levels))
        console.print(table)
        others = vendors_without_rules(sigset)
        if others:
            console.print("Identified, judged by the vendor-neutral rules only: " + ", ".join(others))
        return EXIT_CLEAN
    failures = (*validate(sigset), *validate_reads(sigset))
    tables: tuple[Rule | IdentifyRule | Linkage | DestinationSource, ...]
    tables = (*sigset.rules, *sigset.identifies, *sigset.linkages, *sigset.destinations)
    cases = sum(len(t.cases) for t in tables)
    for failure in failures:
        console.print(f"[red]FAIL[/] {failure}")
    rules = len(tables)
    if failures:
        console.print(f"{len(failures)} of {cases} cases failed in {rules} rules")
        return EXIT_FACE
    console.print(f"{rules} rules in {len(sigset.files)} files: all {cases} cases pass (set {sigset.digest[:12]})")
    return EXIT_CLEAN
