"""Writing a bundle: the redacted report, one file per exchange, extra top-level files, the manifest, the signature."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from scanner import TOOL_NAME
from scanner.errors import UsageError
from scanner.model import DeviceReport, Observation, ScanResult
from scanner.net.redact import redact, redact_bytes, redact_header
from scanner.report.bundle.manifest import MANIFEST, REPORT, SIGNATURE, EvidenceFile, build_manifest
from scanner.report.bundle.params import BundleParams
from scanner.report.bundle.sign import sign
from scanner.report.json_report import render
from scanner.report.redacted import redact_result

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
    _prepare(directory)
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
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    manifest = build_manifest(files, params, evidence)
    (directory / MANIFEST).write_bytes(manifest)
    if signing_key is not None:
        (directory / SIGNATURE).write_bytes(sign(manifest, signing_key))
    return directory / MANIFEST


def _prepare(directory: Path) -> None:
    if directory.is_symlink() or directory.exists() and not directory.is_dir():
        raise UsageError(f"bundle: {directory} is not a directory")
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"bundle: {directory} is not empty; give a new directory")
    directory.mkdir(parents=True, exist_ok=True)


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name component from device data: letters, digits, `._-` only, no leading dot, never empty."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")[:limit] or "unnamed"


def _device_files(number: int, device: DeviceReport, secrets: Sequence[str]) -> Iterable[tuple[bytes, EvidenceFile]]:
    folder = f"evidence/{number:02d}-{safe_name(device.address)}"
    cited: dict[tuple[str, str], set[str]] = {}
    for finding in device.findings:
        for evidence in finding.evidence:
            cited.setdefault((evidence.probe, evidence.sha256), set()).add(finding.rule)
    for index, obs in enumerate(device.observations, start=1):
        data, was_redacted = observation_file(device.address, obs, secrets)
        rules = tuple(sorted(cited.get((obs.probe, obs.sha256), ())))
        path = f"{folder}/{index:03d}-{safe_name(obs.probe)}.txt"
        yield data, EvidenceFile(path, device.address, obs.probe, obs.sha256, was_redacted, rules)


def observation_file(address: str, obs: Observation, secrets: Sequence[str] = ()) -> tuple[bytes, bool]:
    """One exchange as a file: request, outcome, status, headers, then the raw body; and whether the body changed."""
    body = redact_bytes(obs.body, secrets)
    lines = [
        f"{TOOL_NAME} observation",
        f"device: {address}",
        f"probe: {obs.probe}",
        f"request: {obs.request}",
        f"at: {obs.at}",
        f"outcome: {obs.outcome}",
        f"status: {'' if obs.status is None else obs.status}",
        f"detail: {obs.detail}",
        f"body-bytes-received: {len(obs.body)}",
        f"body-sha256-received: {obs.sha256}",
        f"body-redacted: {'yes' if body != obs.body else 'no'}",
    ]
    lines += [f"value.{name}: {' | '.join(items)}" for name, items in obs.values]
    lines += ["", "--- headers ---"]
    lines += [f"{k}: {redact_header(k, v)}" for k, v in obs.headers]
    lines += ["", "--- body ---", ""]
    head = "\n".join(_one_line(redact(line, secrets)) for line in lines)
    return head.encode("utf-8") + body, body != obs.body


def _one_line(text: str) -> str:
    # A device's header value must not be able to forge another line of the file.
    return text.replace("\r", "\\r").replace("\n", "\\n") if text else text
