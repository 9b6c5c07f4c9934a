"""The camaudit command line: parse arguments, pick the subcommand's handler from an explicit table, run it.

Exit codes: 0 clean, 1 face analytics found (diff: changes found), 2 bad input (one line on stderr), 130 stopped by
Ctrl-C or SIGTERM (the report written is valid and marked partial).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from scanner import __version__
from scanner.cli.completion import print_completion
from scanner.cli.demo import run_demo
from scanner.cli.exits import EXIT_INTERRUPTED, EXIT_USAGE
from scanner.cli.options import db_option, lang_option, report_options, scan_options
from scanner.cli.reconcile import declared_option, reconcile_parser, run_reconcile
from scanner.cli.rejudge import add_parser as add_rejudge_parser
from scanner.cli.rejudge import run_rejudge
from scanner.cli.replay import add_replay_option, run_lab_command
from scanner.cli.scan import run_scan_command
from scanner.cli.share import add_parser as add_share_parser
from scanner.cli.share import run_share
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
    "lab": run_lab_command,
    "signatures": run_signatures,
    "verify": run_verify,
    "history": run_history,
    "diff": run_diff,
    "report": run_report,
    "rejudge": run_rejudge,
    "reconcile": run_reconcile,
    "share": run_share,
    "completion": lambda args: print_completion(build_parser(), args.shell),
}


DESCRIPTION = """Find the IP cameras and recorders on a premises network and show, with evidence,
which do face detection, face capture or face recognition. Only the addresses you
name are contacted, and nothing on a device is changed."""

EXAMPLES = """examples:
  camaudit demo                                  try it on an emulated premises (loopback only)
  camaudit scan 192.168.1.0/24                   audit a network without logins (what answers freely)
  camaudit scan 192.168.1.0/24 --credentials logins.toml --bundle evidence/
                                                 with the owner's logins, keeping an evidence bundle
  camaudit scan -iL targets.txt 10.0.0.5,10.0.0.9 -o report.json
  camaudit report latest --format pdf -o audit.pdf --lang zh
  camaudit diff -2 latest                        what changed since the previous scan (exit 1 if anything)
  camaudit verify evidence/                      check a bundle's hashes and signature

exit codes: 0 no face analytics found, 1 face analytics found, 2 bad input, 130 interrupted"""

SCAN_EXAMPLES = """examples:
  camaudit scan 192.168.1.0/24
  camaudit scan 192.168.1.10-40 10.0.0.5,10.0.0.9 --credentials logins.toml -o report.json
  camaudit scan -iL targets.txt --bundle evidence/ --lang zh
  camaudit scan 192.168.1.0/24 --format json -o - > report.json

targets: addresses, CIDR networks, ranges (a.b.c.1-20), comma lists, or -iL FILE (one or more per line, # comments)"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"camaudit: error: {message} (see camaudit --help)\n")


class _Version(argparse.Action):
    """`--version`: the tool's version and the signature set's (its digest, the one reports record)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the versions and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from scanner.matching.loader import load_signatures

        try:
            sigset = load_signatures()
            rules = len(sigset.rules) + len(sigset.identifies) + len(sigset.linkages) + len(sigset.destinations)
            signatures = f"signature set {sigset.digest[:12]} ({rules} rules in {len(sigset.files)} files)"
        except CamauditError as exc:
            signatures = f"signatures unreadable: {exc}"
        sys.stdout.write(f"camaudit {__version__}\n{signatures}\n")
        parser.exit(0)


def _common(parser: argparse.ArgumentParser, top: bool) -> None:
    """-v and -q, accepted before or after the subcommand (after it, they default to nothing, so that the
    top-level value stands)."""
    default = False if top else argparse.SUPPRESS
    parser.add_argument("-v", "--verbose", action="store_true", default=default, help="show tracebacks on errors")
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help="no progress, no notes")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="camaudit",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    scan = sub.add_parser(
        "scan",
        help="audit addresses, ranges or networks for cameras and face analytics",
        epilog=SCAN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument("targets", nargs="*", metavar="TARGET", help="address, CIDR, range (a.b.c.1-20) or a comma list")
    scan.add_argument("-iL", dest="target_file", type=Path, metavar="FILE", help="read targets from FILE (as nmap)")
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

    lab = sub.add_parser("lab", help="run the emulated premises, or replay a recording, until Ctrl-C")
    lab.add_argument("--network", help="loopback network (default: a free one of 127.77.x.0/24, replay 127.78.x.0/24)")
    add_replay_option(lab)

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
    add_share_parser(sub)
    completion = sub.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        epilog="example: camaudit completion bash > ~/.local/share/bash-completion/completions/camaudit",
    )
    completion.add_argument("shell", choices=("bash", "zsh"))
    for command in sub.choices.values():
        _common(command, top=False)
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
