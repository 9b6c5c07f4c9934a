"""`camaudit scan`: the scan configuration from the arguments, the scan run until done or stopped, its delivery."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from scanner.cli.deliver import check_outputs, deliver
from scanner.cli.exits import EXIT_INTERRUPTED, exit_code
from scanner.cli.options import output_options, parse_ports
from scanner.cli.targets import gather_targets
from scanner.config import CAMERA_PORTS, ScanConfig
from scanner.credentials import Credentials, exposed_mode, load_credentials
from scanner.declared.read import read_declared
from scanner.errors import UsageError
from scanner.model import ScanResult
from scanner.pipeline.resume import merged, unfinished
from scanner.report.i18n import cached_catalog


def run_scan_command(args: argparse.Namespace) -> int:
    """Scan the targets, deliver the report; the exit code says whether face analytics was found."""
    # The pipeline (the probes, the signatures) loads only when a scan runs: the other commands stay quick.
    from scanner.matching.loader import load_signatures
    from scanner.pipeline.scan import run_scan
    from scanner.progress import make_progress

    resumed = _resumed(args) if args.resume else None
    targets = gather_targets(args.targets, args.target_file) if resumed is None else resumed.targets
    credentials = load_credentials(args.credentials) if args.credentials else Credentials()
    declared = read_declared(args.declared) if args.declared else None  # a bad inventory stops before any traffic
    if args.credentials and (mode := exposed_mode(args.credentials)) is not None:
        warning = cached_catalog(args.lang).t("console.readable_credentials", path=args.credentials, mode=f"{mode:o}")
        print(f"camaudit: {warning}", file=sys.stderr)
    config = ScanConfig(
        targets=targets,
        ports=parse_ports(args.ports) if args.ports or resumed is None else resumed.ports,
        credentials=credentials,
        allow_public=args.allow_public,
        use_nmap=not args.no_nmap,
        request_timeout=args.timeout,
        signatures_dir=args.signatures,
        interface=args.interface,
        discovery_window=args.discovery_window,
        observe=args.observe,
        confirm_large=args.yes,
        rate=args.rate,
        **({} if args.concurrency is None else {"concurrency": args.concurrency, "max_concurrency": args.concurrency}),
        per_host_concurrency=args.per_host,
        device_budget=args.device_budget,
    )
    sigset = load_signatures(config.signatures_dir)
    outputs = replace(output_options(args), declared=declared)
    check_outputs(outputs)  # before any traffic: a scan is never run only for its report to be lost
    stop = threading.Event()
    with stop_on_signals(stop):  # delivery too: a late Ctrl-C must not cut the report short
        progress = make_progress(False if args.no_progress or args.quiet else None, args.lang, quiet=args.quiet)
        if resumed is None:
            result = run_scan(config, progress, sigset, stop)
        else:  # only the devices the stored scan did not finish (all of it when its discovery did not finish)
            again = replace(config, targets=resumed.redo) if resumed.redo is not None else config
            result = merged(resumed.stored, run_scan(again, progress, sigset, stop), resumed.redo, resumed.ref)
        deliver(result, config, sigset.digest, outputs)
    return EXIT_INTERRUPTED if stop.is_set() else exit_code(result)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM set `stop` (the scan then ends with a partial report) instead of
    killing the process; a second Ctrl-C aborts at once. Handlers are only installed from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # the second one: give up now (written files are whole: writes are atomic)
        stop.set()
        name = signal.Signals(signum).name
        print(f"camaudit: {name}: stopping; the report will be partial (Ctrl-C again to abort)", file=sys.stderr)

    for sig in previous:
        signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class _Resumed:
    """A stored partial scan to finish: its targets and ports, and the addresses to audit again (None: all)."""

    ref: str
    stored: ScanResult
    targets: tuple[str, ...]
    ports: tuple[int, ...]
    redo: tuple[str, ...] | None


def _resumed(args: argparse.Namespace) -> _Resumed:
    """`--resume SCAN`: the stored scan (history reference or JSON report), checked to have something to finish."""
    from scanner.cli.stored import load_scan

    if args.targets or args.target_file:
        raise UsageError("--resume audits the stored scan's own targets: give no targets with it")
    loaded = load_scan(args.resume, args.db)
    redo = unfinished(loaded.result)
    if redo == ():
        raise UsageError(f"scan {args.resume} finished: every device was audited, there is nothing to resume")
    ports = tuple(loaded.params.ports) if loaded.params is not None else CAMERA_PORTS
    return _Resumed(args.resume, loaded.result, tuple(loaded.result.targets), ports, redo)
