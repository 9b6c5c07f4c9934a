"""`camaudit share BUNDLE -o OUT`: a shareable recording of an evidence bundle, for the signature maintainers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from scanner.cli.written import to_stdout
from scanner.errors import UsageError
from scanner.report.bundle.share import share_bundle


def run_share(args: argparse.Namespace) -> int:
    """0 when the shareable recording was written (notes on stderr unless -q); 2 (one line) when the bundle does
    not verify or cannot be read, or the output cannot be a new bundle directory."""
    if to_stdout(args.output):
        raise UsageError("share writes a bundle, which is a directory: give -o a new directory, not -")
    shared = share_bundle(args.bundle, args.output)
    if args.quiet:
        return 0
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    counts = ", ".join(f"{n} {kind}" for kind, n in shared.counts.items())
    err.print(escape(f"Shareable recording written to {args.output} (replaced: {counts}; pictures removed)."))
    for path in shared.left_out:
        err.print(escape(f"  left out: {path} (not text, so what it holds cannot be checked)"))
    err.print("Read it before sending: free text a device or its owner wrote (a description, a comment) is kept.")
    return 0


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    share = sub.add_parser(
        "share",
        help="write a shareable copy of an evidence bundle: identifiers replaced by pseudonyms, no pictures",
        epilog="example: camaudit share case-2026-031/ -o unknown-model/",
    )
    share.add_argument("bundle", type=Path, metavar="BUNDLE")
    share.add_argument("-o", "--output", type=Path, required=True, help="a new (or empty) directory for the copy")
