"""`camaudit lab --replay BUNDLE_OR_DIR`: recorded devices served on loopback as live ones, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from scanner.cli.demo import run_lab, write_private
from scanner.errors import LabError

if TYPE_CHECKING:  # the replay (its servers, asyncio) loads only when it runs
    from scanner.replay.host import Replay
    from scanner.replay.records import RecordedDevice

NETWORKS = tuple(f"127.78.{n}.0/24" for n in range(0, 250, 25))  # tried in turn when --network is not given


def run_lab_command(args: argparse.Namespace) -> int:
    """`camaudit lab`: the emulated premises, or with --replay a recording served again."""
    return run_replay(args) if args.replay is not None else run_lab(args)


def run_replay(args: argparse.Namespace) -> int:
    """Serve every recorded device, print where each listens and a credentials file, wait for Ctrl-C or SIGTERM."""
    from scanner.replay.device import skipped_tls
    from scanner.replay.load import load_recordings

    devices = load_recordings(args.replay)
    out = Console(highlight=False, soft_wrap=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with start_replay(devices, args.network) as replay, tempfile.TemporaryDirectory(prefix="camaudit-replay-") as tmp:
        creds = write_private(Path(tmp) / "replay-credentials.toml", replay.credentials_toml())
        for placed in replay.devices:
            ports = ", ".join(f"{a}" if a == b else f"{a} as {b}" for a, b in sorted(placed.ports.items()))
            out.print(escape(f"{placed.address:<15} {placed.device.name} [{ports}]"))
            for port in skipped_tls(placed):
                out.print(escape(f"{'':<15} port {port} not served: its answers came over TLS"))
        out.print(f"\nThe replay accepts any login. Credentials file: {creds}")
        out.print(f"Try: camaudit scan {replay.network} --credentials {creds}")
        out.print("Press Ctrl-C to stop.", markup=False)
        sys.stdout.flush()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("replay stopped", file=sys.stderr)
    return 0


def start_replay(devices: Sequence[RecordedDevice], network: str | None) -> Replay:
    """A started replay on `network`, or, when none is named, on the first free one of a few loopback /24s."""
    from scanner.replay.host import Replay

    candidates = [network] if network else list(NETWORKS)
    for number, candidate in enumerate(candidates, start=1):
        replay = Replay(devices, network=candidate)
        try:
            replay.start()
            return replay
        except LabError:
            if number == len(candidates):
                raise
    raise AssertionError("unreachable")


def add_replay_option(lab: argparse.ArgumentParser) -> None:
    lab.add_argument(
        "--replay",
        type=Path,
        metavar="BUNDLE_OR_DIR",
        help="serve the devices an evidence bundle or a corpus folder recorded, instead of the emulated premises",
    )
