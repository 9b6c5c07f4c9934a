"""Child process for the memory test: scan hostile devices, print the peak resident set before and after (JSON).

Run as `python -m tests.hostile.rss_child CREDENTIALS WARMUP ADDRESS...`: the warm-up scan loads what every scan
loads (signatures, WSDLs, threads), so the growth measured after it is what the hostile answers cost.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.pipeline.scan import run_scan

BOUNDS = {"request_timeout": 1.5, "device_budget": 15.0, "use_nmap": False}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str]) -> int:
    credentials, warmup, addresses = load_credentials(Path(argv[0])), argv[1], tuple(argv[2:])
    run_scan(ScanConfig(targets=(warmup,), credentials=credentials, **BOUNDS))
    before = _peak_mb()
    result = run_scan(ScanConfig(targets=addresses, credentials=credentials, **BOUNDS))
    kept = sum(len(obs.body) for device in result.devices for obs in device.observations)
    notes = {d.address: [n.check for n in d.not_checked] for d in result.devices}
    print(json.dumps({"before_mb": before, "after_mb": _peak_mb(), "kept_bytes": kept, "notes": notes}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
