"""A shareable recording: a new bundle made from a verified one, with serials, MACs, addresses, host and device
names, device ids and user names replaced by stable pseudonyms and every picture removed; answers otherwise kept
byte for byte, so signature maintainers can study (and replay) a device without learning whose it was.

The new bundle has its own manifest, which says it is derived, from which manifest (its SHA-256), and what was
replaced. It is not signed: the original signature vouches for the original only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.errors import UsageError
from scanner.model import Observation, utc_now
from scanner.report.bundle.manifest import MANIFEST, REPORT, SIGNATURE, EvidenceFile, build_manifest, read_capped
from scanner.report.bundle.params import params_from_dict
from scanner.report.bundle.pseudonyms import Finder, Pseudonyms
from scanner.report.bundle.recorded import DEVICE_FILE, observation_file, read_observation
from scanner.report.bundle.verify import verify_bundle
from scanner.report.bundle.write import prepare, safe_name, write_new

NOT_SHARED = "not shared"
WHAT = (
    "serials, MAC addresses (the maker's prefix kept), IPv4 and IPv6 addresses, host and device names, device ids and "
    "user names replaced by stable pseudonyms; pictures removed; answers otherwise byte-exact"
)
MAX_FILE = 4 << 20  # an observation file is a capped body and its head; a report a few MiB at most


@dataclasses.dataclass(frozen=True)
class Shared:
    """What `share_bundle` did: where, how many values of each kind it replaced, and the files it left out."""

    manifest: Path
    counts: Mapping[str, int]
    left_out: tuple[str, ...]


def share_bundle(source: Path, target: Path) -> Shared:
    """Write the shareable recording of the bundle at `source` into `target` (new or empty); UsageError (one line
    naming the file) when the source does not verify or cannot be read."""
    checked = verify_bundle(source)
    if not checked.ok:
        named = [*checked.changed, *checked.missing, *checked.extra, *(detail for _, detail in checked.problems)]
        raise UsageError(f"bundle {source} does not verify: {', '.join(named[:5]) or 'unreadable'}")
    manifest_bytes = read_capped(source / MANIFEST)
    manifest = json.loads(manifest_bytes)
    files = {f["path"]: _read(source, f["path"]) for f in manifest["files"]}
    evidence = {e["path"]: e for e in manifest.get("evidence") or ()}
    pseudo = _collect(files, manifest).pseudonyms()
    shared, left_out = _transform(files, evidence, pseudo)
    params = params_from_dict(manifest.get("params") or {})
    params = dataclasses.replace(params, targets=tuple(pseudo.text(t) for t in params.targets), host=NOT_SHARED)
    derived = {
        "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
        "created_at": manifest.get("created_at", ""),
        "signed": (source / SIGNATURE).is_file(),
        "shared_at": utc_now(),
        "what": WHAT,
        "left_out": list(left_out),
    }
    prepare(target)
    for path, data in sorted(shared.files.items()):
        write_new(target, path, data)
    write_new(target, MANIFEST, build_manifest(shared.files, params, shared.evidence, derived))
    return Shared(target / MANIFEST, pseudo.counts, left_out)


def _read(source: Path, path: str) -> bytes:
    try:
        with (source / path).open("rb") as handle:
            return handle.read(MAX_FILE)
    except OSError as exc:
        raise UsageError(f"{source / path}: cannot be read: {exc.strerror or exc}") from None


def _collect(files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> Finder:
    """Every value to replace, from the report's records, each device's inputs and each recorded exchange."""
    found = Finder()
    try:
        report = json.loads(files[REPORT])
    except (KeyError, ValueError) as exc:
        raise UsageError(f"{REPORT}: cannot be read: {exc}") from None
    for device in report.get("devices") or ():
        _collect_device(found, device)
    found.text(" ".join(str(t) for t in (manifest.get("params") or {}).get("targets") or ()))
    for path, data in files.items():
        if path.endswith("/" + DEVICE_FILE):
            found.body(data)
        elif path.startswith("evidence/"):
            _collect_observation(found, _observation(path, data))
    return found


def _collect_device(found: Finder, device: Mapping[str, Any]) -> None:
    found.text(json.dumps(device, ensure_ascii=False))
    found.keep.update(str(device[k]) for k in ("vendor", "model") if device.get(k))
    found.field("serial", device.get("serial") or "")
    found.field("mac", device.get("mac") or "")
    for channel in device.get("channels") or ():
        found.field("serial", channel.get("serial") or "")
        found.field("channelName", channel.get("name") or "")
        found.keep.update(str(channel[k]) for k in ("maker", "model") if channel.get(k))
    for facts in (device.get("discovery") or {}).values():
        for key, value in facts.items():
            found.field("hostname" if key in ("name", "friendly_name") else key, value)


def _collect_observation(found: Finder, obs: Observation) -> None:
    found.body(obs.body)
    found.text("\n".join([obs.request, obs.detail, *(v for _, v in obs.headers)]))
    for name, items in obs.values:
        for item in items:
            found.field(name, item)
            found.text(item)
    if obs.sent is not None:
        found.text(f"{obs.sent.url} {obs.sent.realm}")
        found.body(obs.sent.body)


@dataclasses.dataclass
class _Files:
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    evidence: list[EvidenceFile] = dataclasses.field(default_factory=list)


def _transform(
    files: Mapping[str, bytes], evidence: Mapping[str, Mapping[str, Any]], pseudo: Pseudonyms
) -> tuple[_Files, tuple[str, ...]]:
    """Each observation re-written from its pseudonymised record (new hashes and sizes); the report, each device's
    inputs and the other text files pseudonymised as text, with the answers' old hashes replaced by the new."""
    out, hashes, left_out = _Files(), {}, []
    folders = {path.rsplit("/", 1)[0]: str(e.get("device") or "") for path, e in evidence.items()}
    rename = {folder: _folder(folder, pseudo.text(address)) for folder, address in folders.items()}
    observations = [p for p in files if p.startswith("evidence/") and not p.endswith("/" + DEVICE_FILE)]
    for path in sorted(observations):
        folder, name = path.rsplit("/", 1)
        address = pseudo.text(folders.get(folder, ""))
        obs = _observation(path, files[path])
        changed = _pseudonymised(obs, pseudo)
        hashes[obs.sha256] = changed.sha256
        new_path = f"{rename.get(folder, folder)}/{name}"
        data, _ = observation_file(address, changed)
        if b"\nbody-redacted: yes\n" in files[path]:  # the original body had a credential removed: still true
            data = data.replace(b"\nbody-redacted: no\n", b"\nbody-redacted: yes\n", 1)
        out.files[new_path] = data
        entry = evidence.get(path, {})
        cited = tuple(str(rule) for rule in entry.get("cited_by") or ())
        out.evidence.append(
            EvidenceFile(new_path, address, obs.probe, changed.sha256, bool(entry.get("body_redacted")), cited)
        )
    for path in sorted(set(files) - set(observations)):
        text = _text(files[path])
        if text is None:
            left_out.append(path)  # not text (a PDF): what it holds cannot be checked, so it is not shared
            continue
        for old, new in hashes.items():
            text = text.replace(old, new)
        folder, _, name = path.rpartition("/")
        new_path = f"{rename.get(folder, folder)}/{name}" if folder else name
        out.files[new_path] = pseudo.text(text).encode("utf-8")
        if name == DEVICE_FILE:
            out.evidence.append(EvidenceFile(new_path, pseudo.text(folders.get(folder, "")), "", "", False, ()))
    return out, tuple(left_out)


def _pseudonymised(obs: Observation, pseudo: Pseudonyms) -> Observation:
    content_type = next((v for k, v in obs.headers if k.lower() == "content-type"), "")
    sent = obs.sent
    if sent is not None:
        sent = dataclasses.replace(sent, url=pseudo.text(sent.url), body=pseudo.body(sent.body),
                                   realm=pseudo.text(sent.realm))  # fmt: skip
    return dataclasses.replace(
        obs,
        request=pseudo.text(obs.request),
        headers=tuple((k, pseudo.text(v)) for k, v in obs.headers),
        body=pseudo.body(obs.body, content_type),
        detail=pseudo.text(obs.detail),
        values=tuple((k, tuple(pseudo.text(v) for v in items)) for k, items in obs.values),
        sent=sent,
    )


def _folder(folder: str, address: str) -> str:
    """`evidence/NN-<address>` with the address's pseudonym."""
    number = folder.removeprefix("evidence/").split("-", 1)[0]
    return f"evidence/{number}-{safe_name(address)}" if address else folder


def _observation(path: str, data: bytes) -> Observation:
    try:
        return read_observation(data)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not an observation file: {exc}") from None


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
