"""`camaudit demo` and `camaudit lab`: the emulated premises started on loopback, audited end to end."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from scanner.cli.options import output_options
from scanner.config import ScanConfig
from scanner.credentials import Credentials, load_credentials
from scanner.errors import LabError
from scanner.report.i18n import cached_catalog

if TYPE_CHECKING:  # the lab (its servers, asyncio) loads only when `demo` or `lab` runs
    from scanner.lab import Lab


def run_demo(args: argparse.Namespace) -> int:
    """Start the lab, scan it (with the lab's logins unless told not to), print and write the report."""
    from scanner.cli.deliver import check_outputs, deliver
    from scanner.lab.answer_key import compare
    from scanner.matching.loader import load_signatures
    from scanner.pipeline.scan import run_scan
    from scanner.progress import make_progress

    err = Console(stderr=True, highlight=False, soft_wrap=True)  # a path is never cut by a line break
    words = cached_catalog(args.lang)

    def say(line: str) -> None:  # a note: not with -q
        if not args.quiet:
            err.print(escape(line))

    folder = args.output_dir or Path(tempfile.mkdtemp(prefix="camaudit-demo-"))
    options = replace(
        output_options(args),
        json_path=args.output or folder / "report.json",
        bundle=args.bundle or folder / "bundle",
        db=args.db or folder / "history.db",  # the demo never lands in the user's own scan history
    )
    folder.mkdir(parents=True, exist_ok=True)
    check_outputs(options)  # before the lab starts
    with start_lab(args.network) as lab, tempfile.TemporaryDirectory(prefix="camaudit-demo-") as tmp:
        say(words.t("demo.premises", count=len(lab.devices), network=lab.network))
        credentials = Credentials()
        if not args.no_credentials:
            credentials = load_credentials(write_private(Path(tmp) / "lab-credentials.toml", lab.credentials_toml()))
        config = ScanConfig(targets=(lab.network,), credentials=credentials)
        sigset = load_signatures()
        started = time.monotonic()
        result = run_scan(
            config,
            make_progress(False if args.no_progress or args.quiet else None, args.lang, quiet=args.quiet),
            sigset,
        )
        elapsed = time.monotonic() - started
        deliver(result, config, sigset.digest, options)
        mismatches = compare(result, lab.devices, with_credentials=not args.no_credentials)
    say(words.t("demo.took", seconds=f"{elapsed:.1f}"))
    say(words.t("demo.files", folder=folder))
    for line in mismatches:
        err.print(f"[red]unexpected[/] {escape(line)}")  # device words: text, never markup
    if mismatches:
        err.print(escape(words.t("demo.differ", count=len(mismatches))))
        return 1
    say(words.t("demo.as_expected", count=len(lab.devices)))
    return 0


def start_lab(network: str | None) -> Lab:
    """A started lab on `network`, or, when none is named, on the first free one of a few loopback /24s."""
    from scanner.lab import Lab

    candidates = [network] if network else [f"127.77.{n}.0/24" for n in range(0, 240, 30)]
    for number, candidate in enumerate(candidates, start=1):
        lab = Lab(network=candidate)
        try:
            lab.start()
            return lab
        except LabError:
            if number == len(candidates):
                raise
    raise AssertionError("unreachable")


def write_private(path: Path, text: str) -> Path:
    """Write a file only the current user can read (it holds the lab's logins)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def run_lab(args: argparse.Namespace) -> int:
    """Run the lab in the foreground until Ctrl-C or SIGTERM, printing where each device listens."""
    out = Console(highlight=False)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with start_lab(args.network) as lab, tempfile.TemporaryDirectory(prefix="camaudit-lab-") as tmp:
        creds = write_private(Path(tmp) / "lab-credentials.toml", lab.credentials_toml())
        for device in lab.devices:
            ports = ", ".join(f"{name} {port}" for name, port in sorted(device.ports.items()))
            out.print(f"{device.address:<15} {device.persona.id:<14} {device.persona.name} [{ports}]")
        out.print(f"\nCredentials file for this lab: {creds}")
        out.print(f"Try: camaudit scan {lab.network} --credentials {creds}")
        out.print("Press Ctrl-C to stop.")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("lab stopped", file=sys.stderr)
    return 0
