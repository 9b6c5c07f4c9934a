"""The bundle's manifest: every file's SHA-256 and size, the scan parameters and the evidence index, as JSON."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner import TOOL_NAME, __version__
from scanner.model import utc_now
from scanner.report.bundle.params import BundleParams, params_to_dict

MANIFEST, SIGNATURE, REPORT = "manifest.json", "manifest.sig", "report.json"
MANIFEST_VERSION = 1
MAX_MANIFEST = 16 << 20  # a manifest is a few KiB per device; anything bigger is not ours


@dataclass(frozen=True)
class EvidenceFile:
    """One observation file of the bundle, and the findings that cite its answer."""

    path: str
    device: str
    probe: str
    body_sha256: str
    body_redacted: bool
    cited_by: tuple[str, ...]


def build_manifest(
    files: Mapping[str, bytes],
    params: BundleParams,
    evidence: Sequence[EvidenceFile],
    derived_from: Mapping[str, Any] | None = None,
) -> bytes:
    """The manifest's exact bytes (what a signature covers): sorted, deterministic JSON. A bundle made from another
    one (a shareable recording) says so in `derived_from`: the original manifest's hash and what was changed."""
    listing = [{"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for p, d in sorted(files.items())]
    extra = {"derived_from": dict(derived_from)} if derived_from is not None else {}
    document = extra | {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "created_at": utc_now(),
        "hash": "sha256",
        "params": params_to_dict(params),
        "files": listing,
        "evidence": [dataclasses.asdict(entry) for entry in evidence],
    }
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def read_capped(path: Path) -> bytes:
    """A manifest or signature file, refused (ValueError) when larger than any camaudit would write."""
    with path.open("rb") as handle:
        data = handle.read(MAX_MANIFEST + 1)
    if len(data) > MAX_MANIFEST:
        raise ValueError(f"{path.name} is larger than {MAX_MANIFEST} bytes")
    return data


def listing(document: Any) -> dict[str, tuple[str, int]]:
    """path -> (sha256, size) of every file the manifest lists; ValueError when malformed (anyone may have edited
    it: a size of 1e400, a path that is a number, an entry that is a list)."""
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, list):
        raise ValueError("manifest `files` is not a list")
    found: dict[str, tuple[str, int]] = {}
    for entry in files:
        path, digest, size = (
            (entry.get(k) for k in ("path", "sha256", "size")) if isinstance(entry, dict) else ((),) * 3
        )
        if not isinstance(path, str) or not isinstance(digest, str) or type(size) is not int or size < 0:
            raise ValueError("a manifest entry needs a path and a sha256 (strings) and a size (a whole number)")
        found[path] = (digest, size)
    return found
