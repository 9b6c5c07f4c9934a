"""The camaudit command line: parse arguments, build the objects, run.

Exit codes: 0 clean, 1 face analytics found, 2 bad input (one line on stderr), 130 stopped by Ctrl-C or SIGTERM
(the report written is valid and marked partial).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from rich.console import Console

from scanner import __version__
from scanner.cli.deliver import OutputOptions
from scanner.config import CAMERA_PORTS, MAX_OBSERVE, ScanConfig
from scanner.credentials import Credentials, load_credentials
from scanner.errors import CamauditError, UsageError
from scanner.model import ScanResult
from scanner.report.formats import FORMAT_NAMES
from scanner.report.i18n import JURISDICTION_CHOICES, LANGS, default_lang

EXIT_CLEAN, EXIT_FACE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
FACE_LEVELS = ("active", "configured", "capable")


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"camaudit: error: {message} (see camaudit --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="camaudit", description=__doc__)
    parser.add_argument("--version", action="version", version=f"camaudit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    scan = sub.add_parser("scan", help="audit addresses, ranges or networks for cameras and face analytics")
    scan.add_argument("targets", nargs="+", metavar="TARGET", help="address, range (a.b.c.1-20) or CIDR")
    _scan_options(scan)

    demo = sub.add_parser("demo", help="start the emulated premises on loopback and audit it")
    demo.add_argument("--no-credentials", action="store_true", help="scan without the lab's logins")
    demo.add_argument("--network", help="loopback network for the lab (default: a free one of 127.77.x.0/24)")
    demo.add_argument("--format", choices=("table", "json"), default="table")
    demo.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("camaudit-demo-report.json"),
        help="where to write the JSON report (default: %(default)s)",
    )
    demo.add_argument(
        "--bundle", type=Path, default=None, help="evidence bundle directory (default: camaudit-demo-<time>/)"
    )
    demo.add_argument("--no-progress", action="store_true")
    _report_options(demo)

    lab = sub.add_parser("lab", help="run the emulated premises until Ctrl-C (for trying camaudit by hand)")
    lab.add_argument("--network", help="loopback network for the lab (default: a free one of 127.77.x.0/24)")

    sig = sub.add_parser("signatures", help="check or list the face-analytics signatures")
    sig.add_argument("action", choices=("validate", "list"))
    sig.add_argument("--signatures", type=Path, default=None, help="signature directory (default: built-in)")

    verify = sub.add_parser("verify", help="check that an evidence bundle is unaltered (hashes, signature)")
    verify.add_argument("directory", type=Path)
    verify.add_argument("--public-key", type=Path, help="Ed25519 public key (PEM) the manifest must be signed with")
    _lang_option(verify)

    history = sub.add_parser("history", help="list the scans stored in the history")
    _db_option(history)
    _lang_option(history)

    changes = sub.add_parser("diff", help="what changed between two scans (history id, latest, -2, or a JSON file)")
    changes.add_argument("scan_a")
    changes.add_argument("scan_b")
    _db_option(changes)
    _lang_option(changes)

    report = sub.add_parser("report", help="re-render a stored scan as HTML, PDF, CSV or JSON, without rescanning")
    report.add_argument("scan", help="history id, latest, -2, or a JSON report file")
    report.add_argument("--format", choices=FORMAT_NAMES, default="html")
    report.add_argument("-o", "--output", type=Path)
    report.add_argument("--jurisdiction", choices=JURISDICTION_CHOICES, default="all")
    _db_option(report)
    _lang_option(report)
    return parser


def _lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGS, default=default_lang(), help="report language (default: locale)")


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="scan history database (default: under the user's data directory)")


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sign-key", type=Path, help="Ed25519 private key (PEM) to sign the bundle's manifest")
    parser.add_argument(
        "--jurisdiction",
        choices=JURISDICTION_CHOICES,
        default="all",
        help="which legal notes the HTML report shows (default: %(default)s)",
    )
    parser.add_argument("--no-history", action="store_true", help="do not store this scan in the history")
    _db_option(parser)
    _lang_option(parser)


def _scan_options(scan: argparse.ArgumentParser) -> None:
    scan.add_argument("--credentials", type=Path, help="TOML file of owner-supplied logins ([[credentials]])")
    scan.add_argument("--format", choices=("table", "json"), default="table", help="what to print on stdout")
    scan.add_argument("-o", "--output", type=Path, help="also write the JSON report to this file (atomically)")
    scan.add_argument("--ports", help="TCP ports to look at, e.g. 80,554,8000-8100 (default: camera ports)")
    scan.add_argument("--allow-public", action="store_true", help="allow public (internet) addresses")
    scan.add_argument("--no-nmap", action="store_true", help="use the built-in TCP connect scan instead of nmap")
    scan.add_argument("--timeout", type=float, default=4.0, help="seconds per request (default: %(default)s)")
    scan.add_argument("--signatures", type=Path, default=None, help="signature directory (default: built-in)")
    scan.add_argument("--no-progress", action="store_true", help="no progress display")
    scan.add_argument(
        "--interface",
        metavar="NAME",
        help="send discovery multicast only here (default: each interface on a target's subnet)",
    )
    scan.add_argument(
        "--discovery-window",
        type=_seconds,
        default=3.0,
        metavar="SECONDS",
        help="how long to listen for discovery replies (default: %(default)s)",
    )
    scan.add_argument(
        "--observe",
        type=_observe_window,
        default=0.0,
        metavar="SECONDS",
        help="opt-in: also watch each ONVIF device's events this long (a short-lived PullPoint "
        "subscription, removed afterwards; needs --credentials)",
    )
    scan.add_argument("--bundle", type=Path, help="write an evidence bundle (report, raw answers, hashes) here")
    scan.add_argument("--yes", action="store_true", help="confirm a scan of more than a /16 (65536 addresses)")
    scan.add_argument(
        "--rate",
        type=_positive,
        metavar="PER_SECOND",
        help="at most this many requests started per second, scan-wide (default: no ceiling)",
    )
    scan.add_argument(
        "--concurrency",
        type=_count,
        default=64,
        metavar="N",
        help="devices audited at the same time (default: %(default)s)",
    )
    scan.add_argument(
        "--per-host",
        type=_count,
        default=2,
        metavar="N",
        help="requests in flight to one device at a time (default: %(default)s; at most 8)",
    )
    scan.add_argument(
        "--device-budget",
        type=_positive,
        default=60.0,
        metavar="SECONDS",
        help="time one device's audit may take (default: %(default)s)",
    )
    _report_options(scan)


def _number(convert: Callable[[str], float], low: float, high: float, noun: str, bounds: str) -> Callable[[str], float]:
    """An argparse type: `convert(text)` within [low, high], else one clear message."""

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {bounds}")
        return value

    return parse


_seconds = _number(float, 0.2, 60, "a number of seconds", "between 0.2 and 60 seconds")
_positive = _number(float, 1e-9, 1e12, "a number", "a positive number")
_count = _number(int, 1, 1 << 30, "a whole number", "at least 1")
_observe_window = _number(float, 1, MAX_OBSERVE, "a number of seconds", f"between 1 and {MAX_OBSERVE:.0f} seconds")


def parse_ports(text: str | None) -> tuple[int, ...]:
    """`80,554,8000-8010` -> sorted unique ports; UsageError on anything else."""
    if not text:
        return CAMERA_PORTS
    ports: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                ports.update(range(low, high + 1))
            else:
                ports.add(int(part))
        except ValueError:
            raise UsageError(f"--ports: {part!r} is not a port or a range like 8000-8010") from None
    if not ports or min(ports) < 1 or max(ports) > 65535:
        raise UsageError("--ports: ports must be between 1 and 65535")
    return tuple(sorted(ports))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except CamauditError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"camaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("camaudit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "scan":
        return _scan(args)
    if args.command == "demo":
        from scanner.cli.demo import run_demo

        return run_demo(args)
    if args.command == "lab":
        from scanner.cli.demo import run_lab

        return run_lab(args)
    if args.command in ("verify", "history", "diff", "report"):
        from scanner.cli import stored as records

        return int(getattr(records, f"run_{args.command}")(args))
    return _signatures(args)


def _scan(args: argparse.Namespace) -> int:
    from scanner.cli.deliver import deliver
    from scanner.matching.loader import load_signatures
    from scanner.pipeline.scan import run_scan
    from scanner.progress import make_progress

    credentials = load_credentials(args.credentials) if args.credentials else Credentials()
    config = ScanConfig(
        targets=tuple(args.targets),
        ports=parse_ports(args.ports),
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
        concurrency=args.concurrency,
        per_host_concurrency=args.per_host,
        device_budget=args.device_budget,
    )
    sigset = load_signatures(config.signatures_dir)
    stop = threading.Event()
    with stop_on_signals(stop):  # delivery too: a late Ctrl-C must not cut the report short
        result = run_scan(config, make_progress(False if args.no_progress else None), sigset, stop)
        deliver(result, config, sigset.digest, output_options(args))
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


def output_options(args: argparse.Namespace) -> OutputOptions:
    """The delivery options common to `scan` and `demo`."""
    return OutputOptions(
        fmt=args.format,
        json_path=args.output,
        bundle=args.bundle,
        sign_key=args.sign_key,
        lang=args.lang,
        jurisdiction=args.jurisdiction,
        db=args.db,
        store=not args.no_history,
    )


def exit_code(result: ScanResult) -> int:
    """1 when any device shows face analytics, else 0."""
    return EXIT_FACE if any(d.face_analytics in FACE_LEVELS for d in result.devices) else EXIT_CLEAN


def _signatures(args: argparse.Namespace) -> int:
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
    failures = validate(sigset)
    cases = sum(len(r.cases) for r in sigset.rules) + sum(len(r.cases) for r in sigset.identifies)
    for failure in failures:
        console.print(f"[red]FAIL[/] {failure}")
    rules = len(sigset.rules) + len(sigset.identifies)
    if failures:
        console.print(f"{len(failures)} of {cases} cases failed in {rules} rules")
        return EXIT_FACE
    console.print(f"{rules} rules in {len(sigset.files)} files: all {cases} cases pass (set {sigset.digest[:12]})")
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
