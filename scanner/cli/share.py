"""`camaudit share BUNDLE -o OUT`: a shareable recording of an evidence bundle, for the signature maintainers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from scanner.report.bundle.share import share_bundle


def run_share(args: argparse.Namespace) -> int:
    """0 when the shareable recording was written; 2 (one line) when the bundle does not verify or cannot be read."""
    shared = share_bundle(args.bundle, args.output)
    out = Console(highlight=False, soft_wrap=True)
    counts = ", ".join(f"{n} {kind}" for kind, n in shared.counts.items())
    out.print(escape(f"Shareable recording written to {args.output} (replaced: {counts}; pictures removed)."))
    for path in shared.left_out:
        out.print(escape(f"  left out: {path} (not text, so it cannot be checked)"))
    out.print("Check it before sending: what a device wrote in free text (a description, a comment) is kept.")
    return 0


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    share = sub.add_parser(
        "share", help="write a shareable copy of an evidence bundle: identifiers replaced by pseudonyms, no pictures"
    )
    share.add_argument("bundle", type=Path, metavar="BUNDLE")
    share.add_argument("-o", "--output", type=Path, required=True, help="new (or empty) directory for the copy")
