"""The option groups and argument types the subcommands share, and the delivery options `scan` and `demo` set."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from scanner.cli.deliver import OutputOptions
from scanner.cli.written import to_stdout
from scanner.config import CAMERA_PORTS, MAX_OBSERVE
from scanner.errors import UsageError
from scanner.report.i18n import JURISDICTION_CHOICES, LANGS, default_lang


def lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGS, default=default_lang(), help="report language (default: locale)")


def db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="scan history database (default: under the user's data directory)")


def report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sign-key", type=Path, help="Ed25519 private key (PEM) to sign the bundle's manifest")
    parser.add_argument(
        "--jurisdiction",
        choices=JURISDICTION_CHOICES,
        default="all",
        help="which legal notes the HTML report shows (default: %(default)s)",
    )
    parser.add_argument("--no-history", action="store_true", help="do not store this scan in the history")
    db_option(parser)
    lang_option(parser)


def scan_options(scan: argparse.ArgumentParser) -> None:
    scan.add_argument("--credentials", type=Path, help="TOML file of owner-supplied logins ([[credentials]])")
    scan.add_argument("--format", choices=("table", "json"), default="table", help="what to print on stdout")
    scan.add_argument("-o", "--output", type=Path, help="also write the JSON report to this file (- : to stdout)")
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
        "--resume",
        metavar="SCAN",
        help="finish a stored partial scan (history id, latest, -2, or its JSON report): audit again only the "
        "devices it did not finish, with its targets and ports (all of it when its discovery did not finish)",
    )
    scan.add_argument(
        "--rate",
        type=_positive,
        metavar="PER_SECOND",
        help="at most this many requests started per second, scan-wide (default: no ceiling)",
    )
    scan.add_argument(
        "--concurrency",
        type=_count,
        default=None,
        metavar="N",
        help="devices audited at the same time (default: 64 at first, then as many as camaudit's own speed allows, "
        "up to 256)",
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
    report_options(scan)


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
            low, _, high = part.partition("-")
            first, last = int(low), int(high or low)
        except ValueError:
            raise UsageError(f"--ports: {part[:40]!r} is not a port or a range like 8000-8010") from None
        if not 1 <= first <= last <= 65535:  # checked before a range is made: 1-99999999 would fill memory
            raise UsageError(f"--ports: {part[:40]!r}: ports are between 1 and 65535, the lower first")
        ports.update(range(first, last + 1))
    return tuple(sorted(ports))


def output_options(args: argparse.Namespace) -> OutputOptions:
    """The delivery options common to `scan` and `demo`."""
    stdout = to_stdout(args.output)  # `-o -`: the JSON report on stdout, instead of the table
    return OutputOptions(
        fmt="json" if stdout else args.format,
        json_path=None if stdout else args.output,
        quiet=args.quiet,
        bundle=args.bundle,
        sign_key=args.sign_key,
        lang=args.lang,
        jurisdiction=args.jurisdiction,
        db=args.db,
        store=not args.no_history,
    )
