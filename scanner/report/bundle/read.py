"""An evidence bundle read back: its report, scan parameters, and each device's recorded answers and judgement
inputs (for `camaudit rejudge` and `camaudit lab --replay`). Verify it first: this reads, it does not check."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import UsageError
from scanner.model import AuditInputs, Observation, ScanResult
from scanner.report.bundle.manifest import MANIFEST, REPORT, read_capped
from scanner.report.bundle.params import BundleParams, params_from_dict
from scanner.report.bundle.recorded import DEVICE_FILE, inputs_from_dict, read_observation
from scanner.report.json_report import read_report

MAX_FILE = 2 << 20  # an observation file is at most a capped body and its head


@dataclass(frozen=True)
class RecordedDevice:
    """One device as the bundle recorded it: what its judgement rested on, and every exchange in order."""

    inputs: AuditInputs
    observations: tuple[Observation, ...]


@dataclass(frozen=True)
class RecordedScan:
    report: ScanResult
    params: BundleParams
    devices: tuple[RecordedDevice, ...]  # the devices the bundle has judgement inputs for (audited ones)


def read_bundle(directory: Path) -> RecordedScan:
    """The bundle's records; UsageError (one line naming the file) when a part cannot be read."""
    report = read_report(directory / REPORT)
    try:
        manifest = json.loads(read_capped(directory / MANIFEST))
        params = params_from_dict(manifest.get("params") or {})
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise UsageError(f"{directory / MANIFEST}: cannot be read: {exc}") from None
    devices = [
        _device(folder) for folder in sorted((directory / "evidence").glob("*")) if (folder / DEVICE_FILE).is_file()
    ]
    return RecordedScan(report, params, tuple(devices))


def _device(folder: Path) -> RecordedDevice:
    where = folder / DEVICE_FILE
    try:
        inputs, names = inputs_from_dict(json.loads(where.read_bytes()[:MAX_FILE]))
        observations = tuple(_observation(folder, name) for name in names)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"{where}: cannot be read: {exc}") from None
    return RecordedDevice(inputs, observations)


def _observation(folder: Path, name: str) -> Observation:
    path = (folder / name).resolve()
    if path.parent != folder.resolve():
        raise ValueError(f"{name!r} is not a file of this device's folder")
    with path.open("rb") as handle:
        return read_observation(handle.read(MAX_FILE))
