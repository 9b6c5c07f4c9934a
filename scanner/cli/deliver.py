"""What happens to a finished scan: printed, written as JSON, bundled as evidence, stored in the history."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from scanner.cli.reconcile_text import reconciliation_lines
from scanner.config import ScanConfig
from scanner.declared.export import INVENTORY_COPY, RECONCILIATION, render_reconciliation
from scanner.declared.reconcile import reconcile
from scanner.declared.records import Declaration, Reconciliation
from scanner.errors import UsageError
from scanner.model import ScanResult
from scanner.net.redact import secrets_of
from scanner.report.bundle.params import BundleParams, bundle_params
from scanner.report.bundle.write import write_bundle
from scanner.report.formats import HtmlFormat, RenderContext
from scanner.report.html import summary_sentence
from scanner.report.i18n import cached_catalog
from scanner.report.json_report import render, write_atomic
from scanner.report.redacted import redact_result
from scanner.report.table import print_table
from scanner.store.history import History, default_db_path


@dataclass(frozen=True)
class OutputOptions:
    """Where and how to deliver a scan's results."""

    fmt: str = "table"
    json_path: Path | None = None
    bundle: Path | None = None
    sign_key: Path | None = None
    lang: str = "en"
    jurisdiction: str = "all"
    db: Path | None = None
    store: bool = True
    declared: Declaration | None = None  # the operator's inventory (`scan --declared`), reconciled with the scan


def deliver(result: ScanResult, config: ScanConfig, signature_digest: str, options: OutputOptions) -> None:
    """Print the report, then write the JSON file, the evidence bundle and the history entry asked for.

    Everything but the console table and the bundle's raw exchanges is made from the redacted records.
    """
    secrets = secrets_of(e.credential for e in config.credentials.entries)
    clean = redact_result(result, secrets)
    report_text = render(clean)
    declared = None if options.declared is None else reconcile(clean, options.declared)
    if options.fmt == "json":
        sys.stdout.write(report_text)
    else:
        print_table(result, Console(highlight=False))
        if options.lang != "en":
            print(summary_sentence(clean, cached_catalog(options.lang)))
        if declared is not None:
            print("\n".join(["", *reconciliation_lines(declared, cached_catalog(options.lang))]))
    if result.partial:
        why = result.errors[-1].message if result.errors else "stopped"  # the pipeline says why last
        print(f"note: the scan did not finish ({why}); the report is marked partial", file=sys.stderr)
    params = bundle_params(config.targets, config.ports, result, signature_digest)
    if options.json_path is not None:
        _write(options.json_path, report_text)
        print(f"JSON report written to {options.json_path}", file=sys.stderr)
    if options.bundle is not None:
        _bundle(options.bundle, result, clean, params, secrets, options, declared)
    if options.store:
        with History(options.db or default_db_path()) as history:
            scan_id = history.add(clean, params)
            if options.declared is not None:
                history.add_declaration(scan_id, options.declared)
        print(f"Stored as scan {scan_id} in the history (camaudit history)", file=sys.stderr)


def _bundle(
    directory: Path,
    result: ScanResult,
    clean: ScanResult,
    params: BundleParams,
    secrets: tuple[str, ...],
    options: OutputOptions,
    declared: Reconciliation | None = None,
) -> None:
    """The bundle: the raw exchanges from `result` (redacted as written), the HTML page from the `clean` records;
    with an inventory, a copy of the operator's file and the reconciliation as JSON too."""
    context = RenderContext(cached_catalog(options.lang), options.jurisdiction, params, declared)
    extra = {"report.html": HtmlFormat().render(clean, context).encode()}
    if declared is not None:
        inventory = declared.declaration
        extra[INVENTORY_COPY.format(kind=inventory.kind)] = inventory.original
        extra[RECONCILIATION] = render_reconciliation(declared, clean).encode()
    write_bundle(result, params, directory, secrets=secrets, extra_files=extra, signing_key=options.sign_key)
    print(
        f"Evidence bundle written to {directory} (check it with: camaudit verify {directory})",
        file=sys.stderr,
    )


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
