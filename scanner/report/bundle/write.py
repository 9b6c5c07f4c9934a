"""Writing a bundle: the redacted report, one file per exchange, extra top-level files, the manifest, the signature."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from scanner.errors import UsageError
from scanner.model import DeviceReport, ScanResult
from scanner.net.redact import redact
from scanner.report.bundle.manifest import MANIFEST, REPORT, SIGNATURE, EvidenceFile, build_manifest
from scanner.report.bundle.params import BundleParams
from scanner.report.bundle.recorded import DEVICE_FILE, inputs_to_dict, observation_file
from scanner.report.bundle.sign import check_signing_key, sign
from scanner.report.json_report import render
from scanner.report.redacted import redact_result

FILE_MODE, DIRECTORY_MODE = 0o600, 0o700  # evidence from the premises: the owner's only, like the -o report
_TOP_LEVEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")


def write_bundle(
    result: ScanResult,
    params: BundleParams,
    directory: Path,
    secrets: Sequence[str] = (),
    extra_files: Mapping[str, bytes] | None = None,
    signing_key: Path | None = None,
) -> Path:
    """Write the bundle into `directory` (new or empty) and return the manifest's path.

    `secrets` are the owner's passwords (see `scanner.net.redact.secrets_of`), removed wherever they appear;
    `extra_files` (for example report.html) are added at the top level and covered by the manifest.
    """
    if signing_key is not None:
        check_signing_key(signing_key)  # a bad key is said before anything is written, not after
    prepare(directory)
    files: dict[str, bytes] = {REPORT: render(redact_result(result, secrets)).encode("utf-8")}
    evidence = []
    for number, device in enumerate(result.devices, start=1):
        for data, entry in _device_files(number, device, secrets):
            files[entry.path] = data
            evidence.append(entry)
    for name, data in (extra_files or {}).items():
        if not _TOP_LEVEL_NAME.fullmatch(name) or name in files or name in (MANIFEST, SIGNATURE):
            raise UsageError(f"bundle: {name!r} cannot be added as a top-level file")
        files[name] = data
    for path, data in files.items():
        write_new(directory, path, data)
    manifest = build_manifest(files, params, evidence)
    signature = sign(manifest, signing_key) if signing_key is not None else None  # a bad key: before the manifest
    write_new(directory, MANIFEST, manifest)
    if signature is not None:
        write_new(directory, SIGNATURE, signature)
    return directory / MANIFEST


def check_bundle_target(directory: Path) -> None:
    """UsageError unless a bundle can be written there: a new directory under one we may write, or an empty one
    (checked before a scan sends anything, and again when writing)."""
    if directory.is_symlink():
        raise UsageError(f"bundle: {directory} is a symbolic link; give a new directory")
    if directory.exists():
        if not directory.is_dir():
            raise UsageError(f"bundle: {directory} is not a directory")
        if any(directory.iterdir()):
            raise UsageError(f"bundle: {directory} is not empty; give a new directory")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise UsageError(f"bundle: the directory {directory} is not writable")
        return
    ancestor = next(p for p in directory.parents if p.exists() or p == p.parent)
    if not ancestor.is_dir():
        raise UsageError(f"bundle: cannot create {directory}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise UsageError(f"bundle: cannot create {directory}: {ancestor} is not writable")


def prepare(directory: Path) -> None:
    """Create the bundle's directory (new, or empty), owner-only; UsageError when a bundle cannot be written there."""
    check_bundle_target(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
    except OSError as exc:
        raise UsageError(f"bundle: cannot create {directory}: {exc.strerror or exc}") from None


def write_new(directory: Path, relative: str, data: bytes) -> None:
    """A new owner-only file in the bundle, in owner-only folders; never through a link, never over a file."""
    target = directory
    try:
        for part in relative.split("/")[:-1]:
            target = target / part
            try:
                os.mkdir(target, DIRECTORY_MODE)
            except FileExistsError:
                if target.is_symlink() or not target.is_dir():
                    raise UsageError(f"bundle: {target} is not a directory camaudit made") from None
        target = target / relative.split("/")[-1]
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise UsageError(f"bundle: cannot write {target}: {exc.strerror or exc}") from None


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name component from device data: letters, digits, `._-` only, no leading dot, never empty."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")[:limit] or "unnamed"


def _device_files(number: int, device: DeviceReport, secrets: Sequence[str]) -> Iterable[tuple[bytes, EvidenceFile]]:
    folder = f"evidence/{number:02d}-{safe_name(device.address)}"
    cited: dict[tuple[str, str], set[str]] = {}
    for finding in device.findings:
        for evidence in finding.evidence:
            cited.setdefault((evidence.probe, evidence.sha256), set()).add(finding.rule)
    names = []
    for index, obs in enumerate(device.observations, start=1):
        data, was_redacted = observation_file(device.address, obs, secrets)
        rules = tuple(sorted(cited.get((obs.probe, obs.sha256), ())))
        name = f"{index:03d}-{safe_name(obs.probe)}.txt"
        names.append(name)
        yield data, EvidenceFile(f"{folder}/{name}", device.address, obs.probe, obs.sha256, was_redacted, rules)
    if device.inputs is not None:  # what a judgement of the device rests on, to judge it again later
        record = redact(json.dumps(inputs_to_dict(device.inputs, names), indent=2, sort_keys=True, ensure_ascii=False))
        yield (
            (record + "\n").encode("utf-8"),
            EvidenceFile(f"{folder}/{DEVICE_FILE}", device.address, "", "", False, ()),
        )
