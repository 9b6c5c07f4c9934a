"""The camaudit command line: parse arguments, pick the subcommand's handler from an explicit table, run it.

Exit codes: 0 clean, 1 face analytics found, 2 bad input (one line on stderr), 130 stopped by Ctrl-C or SIGTERM
(the report written is valid and marked partial).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from scanner import __version__
from scanner.cli.demo import run_demo, run_lab
from scanner.cli.exits import EXIT_INTERRUPTED, EXIT_USAGE
from scanner.cli.options import db_option, lang_option, report_options, scan_options
from scanner.cli.reconcile import declared_option, reconcile_parser, run_reconcile
from scanner.cli.rejudge import add_parser as add_rejudge_parser
from scanner.cli.rejudge import run_rejudge
from scanner.cli.scan import run_scan_command
from scanner.cli.signatures import run_signatures
from scanner.cli.stored import run_diff, run_history, run_report, run_verify
from scanner.errors import CamauditError
from scanner.net.text import plain
from scanner.report.formats import FORMAT_NAMES
from scanner.report.i18n import JURISDICTION_CHOICES

Handler = Callable[[argparse.Namespace], int]
COMMANDS: Mapping[str, Handler] = {
    "scan": run_scan_command,
    "demo": run_demo,
    "lab": run_lab,
    "signatures": run_signatures,
    "verify": run_verify,
    "history": run_history,
    "diff": run_diff,
    "report": run_report,
    "rejudge": run_rejudge,
    "reconcile": run_reconcile,
}


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
    scan_options(scan)
    declared_option(scan)

    demo = sub.add_parser("demo", help="start the emulated premises on loopback and audit it")
    demo.add_argument("--no-credentials", action="store_true", help="scan without the lab's logins")
    demo.add_argument("--network", help="loopback network for the lab (default: a free one of 127.77.x.0/24)")
    demo.add_argument("--format", choices=("table", "json"), default="table")
    demo.add_argument(
        "--output-dir",
        type=Path,
        help="where the demo's report, evidence bundle and history go (default: a new temporary folder)",
    )
    demo.add_argument("-o", "--output", type=Path, help="the JSON report (default: report.json in the output folder)")
    demo.add_argument("--bundle", type=Path, help="evidence bundle directory (default: bundle/ in the output folder)")
    demo.add_argument("--no-progress", action="store_true")
    report_options(demo)

    lab = sub.add_parser("lab", help="run the emulated premises until Ctrl-C (for trying camaudit by hand)")
    lab.add_argument("--network", help="loopback network for the lab (default: a free one of 127.77.x.0/24)")

    sig = sub.add_parser("signatures", help="check or list the face-analytics signatures")
    sig.add_argument("action", choices=("validate", "list"))
    sig.add_argument("--signatures", type=Path, default=None, help="signature directory (default: built-in)")

    verify = sub.add_parser("verify", help="check that an evidence bundle is unaltered (hashes, signature)")
    verify.add_argument("directory", type=Path)
    verify.add_argument("--public-key", type=Path, help="Ed25519 public key (PEM) the manifest must be signed with")
    lang_option(verify)

    history = sub.add_parser("history", help="list the scans stored in the history")
    db_option(history)
    lang_option(history)

    changes = sub.add_parser("diff", help="what changed between two scans (history id, latest, -2, or a JSON file)")
    changes.add_argument("scan_a")
    changes.add_argument("scan_b")
    db_option(changes)
    lang_option(changes)

    report = sub.add_parser("report", help="re-render a stored scan as HTML, PDF, CSV or JSON, without rescanning")
    report.add_argument("scan", help="history id, latest, -2, or a JSON report file")
    report.add_argument("--format", choices=FORMAT_NAMES, default="html")
    report.add_argument("-o", "--output", type=Path)
    report.add_argument("--jurisdiction", choices=JURISDICTION_CHOICES, default="all")
    db_option(report)
    lang_option(report)

    add_rejudge_parser(sub)
    reconcile_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; its exit code, or 2 with one line on stderr for a camaudit error (-v: the traceback).

    A bug keeps the contract too: an unexpected exception is one line and exit code 2, never Python's exit code 1,
    which would say "face analytics found". (A scan writes its files before it prints anything.)
    """
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CamauditError as exc:
        return _fail(args, str(exc))
    except KeyboardInterrupt:
        print("camaudit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last resort: the exit-code contract holds even for a bug
        detail = plain(str(exc), 200)
        return _fail(args, f"internal error ({type(exc).__name__}{': ' + detail if detail else ''}); -v shows where")


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.verbose:
        traceback.print_exc()
    print(f"camaudit: error: {plain(message)}", file=sys.stderr)  # one line, and never a terminal escape
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
