"""Run a fleet of N emulated cameras in this process until stdin closes (the benchmark's lab, kept apart)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh clone without installing

from tests.doubles.fleet import Fleet  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, required=True, help="number of devices")
    parser.add_argument("--network", required=True, help="loopback /24, e.g. 127.79.0.0/24")
    parser.add_argument("--credentials", type=Path, required=True, help="where to write the lab's logins (0600)")
    args = parser.parse_args()
    with Fleet(args.n, network=args.network) as fleet:
        fd = os.open(args.credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(fleet.credentials_toml())
        print(f"ready {len(fleet.devices)}", flush=True)
        sys.stdin.read()  # the benchmark closes our stdin when it is done
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
