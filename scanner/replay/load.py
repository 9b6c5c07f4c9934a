"""What `camaudit lab --replay` was given: an evidence bundle, one corpus device, or a folder of corpus devices."""

from __future__ import annotations

from pathlib import Path

from scanner.errors import UsageError
from scanner.replay.bundle import load_bundle
from scanner.replay.corpus import is_corpus_device, load_corpus_device
from scanner.replay.records import RecordedDevice
from scanner.report.bundle.manifest import MANIFEST


def load_recordings(path: Path) -> tuple[RecordedDevice, ...]:
    """The recorded devices at `path`; UsageError (one line) when it holds none in a format camaudit reads."""
    if (path / MANIFEST).is_file():
        return load_bundle(path)
    if is_corpus_device(path):
        return (load_corpus_device(path).recorded,)
    folders = sorted(p for p in path.iterdir() if is_corpus_device(p)) if path.is_dir() else []
    if folders:
        return tuple(load_corpus_device(folder).recorded for folder in folders)
    raise UsageError(f"{path}: neither an evidence bundle (manifest.json) nor corpus devices (device.toml)")
