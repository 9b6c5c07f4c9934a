"""What happens to a finished scan: printed, written as JSON, bundled as evidence, stored in the history."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from scanner.cli.reconcile_text import reconciliation_lines
from scanner.config import ScanConfig
from scanner.declared.export import INVENTORY_COPY, RECONCILIATION, render_reconciliation
from scanner.declared.reconcile import reconcile
from scanner.declared.records import Declaration, Reconciliation
from scanner.errors import CamauditError, UsageError
from scanner.model import ScanResult
from scanner.net.redact import secrets_of
from scanner.net.text import plain
from scanner.report.bundle.params import BundleParams, bundle_params
from scanner.report.bundle.sign import check_signing_key
from scanner.report.bundle.write import check_bundle_target, write_bundle
from scanner.report.formats import HtmlFormat, RenderContext
from scanner.report.i18n import Catalog, cached_catalog
from scanner.report.json_report import check_file_target, render_chunks, write_atomic
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
    quiet: bool = False  # -q: no notes on stderr (warnings and errors still)
    declared: Declaration | None = None  # the operator's inventory (`scan --declared`), reconciled with the scan


def check_outputs(options: OutputOptions) -> None:
    """Before any traffic: every output asked for can be written (UsageError naming the first that cannot), the
    signing key is an Ed25519 private key, and the history opens. A scan is never run only to be lost."""
    if options.json_path is not None:
        check_file_target(options.json_path, "-o")
    if options.bundle is not None:
        check_bundle_target(options.bundle)
    if options.sign_key is not None:
        check_signing_key(options.sign_key)
    if options.store:
        _check_history(options.db or default_db_path())


def _check_history(path: Path) -> None:
    """An existing history must open; a new one must be creatable (nothing is created before the scan)."""
    if path.exists() or path.is_symlink():
        History(path).close()
        return
    ancestor = next(p for p in path.parents if p.exists() or p == p.parent)
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise UsageError(f"cannot store the scan history at {path}: {ancestor} is not a writable directory")


def deliver(result: ScanResult, config: ScanConfig, signature_digest: str, options: OutputOptions) -> None:
    """Store the scan in the history first, then write the JSON file and the evidence bundle, and only then print
    (the table, the JSON on stdout): whatever fails, the rest is delivered. UsageError at the end, naming each
    output that could not be written.

    Everything but the console table and the bundle's raw exchanges is made from the redacted records.
    """
    words = cached_catalog(options.lang)
    secrets = secrets_of(e.credential for e in config.credentials.entries)
    clean = redact_result(result, secrets)
    declared = None if options.declared is None else reconcile(clean, options.declared)
    params = bundle_params(config.targets, config.ports, result, signature_digest, observe_window=config.observe)
    done, failed = [], []
    json_text = _json_text(clean, twice=options.json_path is not None and options.fmt == "json")
    outputs: list[tuple[bool, Callable[[], str]]] = [
        (options.store, lambda: _store(options, clean, params)),
        (options.json_path is not None, lambda: _write_json(options.json_path, json_text(), words)),
        (
            options.bundle is not None,
            lambda: _bundle(options.bundle, result, clean, params, secrets, options, declared),
        ),
    ]
    for wanted, write in outputs:
        if not wanted:
            continue
        try:
            done.append(write())
        except (CamauditError, OSError) as exc:
            failed.append(str(exc) if isinstance(exc, CamauditError) else f"{exc.strerror or exc}")
    if options.fmt == "json":
        sys.stdout.writelines(json_text())
    else:
        print_table(result, Console(highlight=False), words)
        if declared is not None:  # device and inventory words: never a terminal escape
            lines = reconciliation_lines(declared, cached_catalog(options.lang))
            print("\n".join(["", *(plain(line) for line in lines)]))
    if result.partial:
        why = result.errors[-1].message if result.errors else "stopped"  # the pipeline says why last
        print(words.t("console.partial", why=why), file=sys.stderr)
    for line in done if not options.quiet else ():
        print(line, file=sys.stderr)
    if failed:
        raise UsageError("; ".join(failed))


def _json_text(clean: ScanResult, twice: bool) -> Callable[[], Iterable[str]]:
    """The JSON report's text as it is encoded; encoded once and kept when it goes both to a file and to stdout
    (a thousand devices' report takes a few tenths of a second to encode)."""
    if not twice:
        return lambda: render_chunks(clean)
    kept: list[str] = []

    def encoded() -> list[str]:
        if not kept:
            kept.extend(render_chunks(clean))
        return kept

    return encoded


def _store(options: OutputOptions, clean: ScanResult, params: BundleParams) -> str:
    with History(options.db or default_db_path()) as history:
        scan_id = history.add(clean, params)
        if options.declared is not None:
            history.add_declaration(scan_id, options.declared)
    return cached_catalog(options.lang).t("console.stored", id=scan_id)


def _write_json(path: Path | None, text: Iterable[str], words: Catalog) -> str:
    assert path is not None
    write_atomic(path, text)
    return words.t("console.json_written", path=path)


def _bundle(
    directory: Path | None,
    result: ScanResult,
    clean: ScanResult,
    params: BundleParams,
    secrets: tuple[str, ...],
    options: OutputOptions,
    declared: Reconciliation | None = None,
) -> str:
    """The bundle: the raw exchanges from `result` (redacted as written), the HTML page from the `clean` records;
    with an inventory, a copy of the operator's file and the reconciliation as JSON too."""
    assert directory is not None
    context = RenderContext(cached_catalog(options.lang), options.jurisdiction, params, declared)
    extra = {"report.html": HtmlFormat().render(clean, context).encode()}
    if declared is not None:
        inventory = declared.declaration
        extra[INVENTORY_COPY.format(kind=inventory.kind)] = inventory.original
        extra[RECONCILIATION] = render_reconciliation(declared, clean).encode()
    write_bundle(result, params, directory, secrets=secrets, extra_files=extra, signing_key=options.sign_key)
    return cached_catalog(options.lang).t("console.bundle_written", path=directory)
