"""`camaudit verify`: every file against the manifest (hash, size, no links, nothing extra), and the signature."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from scanner.report.bundle.manifest import MANIFEST, SIGNATURE, listing, read_capped
from scanner.report.bundle.sign import check_signature
from scanner.report.i18n import Catalog


@dataclass(frozen=True)
class Verification:
    """What `verify_bundle` found. `problems` are (code, detail): manifest_missing, manifest_invalid,
    unsafe_path, symlink, signature_invalid, signature_wrong_key, signature_missing."""

    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    problems: tuple[tuple[str, str], ...] = ()
    signed: bool = False
    key_fingerprint: str | None = None
    files: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.problems)


def verify_bundle(directory: Path, public_key: Path | None = None) -> Verification:
    """Recompute every file's hash and size, name the changed, missing and extra files, and check the signature
    (required when `public_key` is given, and then it must be that key's)."""
    try:
        manifest_bytes = read_capped(directory / MANIFEST)
        listed = listing(json.loads(manifest_bytes))
    except FileNotFoundError:
        return Verification(problems=(("manifest_missing", MANIFEST),))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        return Verification(problems=(("manifest_invalid", str(exc)[:200]),))
    changed, missing, problems = [], [], []
    for path, (digest, size) in sorted(listed.items()):
        status = _check_file(directory, path, digest, size)
        if status == "missing":
            missing.append(path)
        elif status == "changed":
            changed.append(path)
        elif status:
            problems.append((status, path))
    on_disk, links = _files_on_disk(directory)
    problems += [("symlink", p) for p in links]
    extra = sorted(on_disk - set(listed) - {MANIFEST, SIGNATURE})
    signature = check_signature(directory, manifest_bytes, public_key)
    return Verification(
        tuple(changed),
        tuple(missing),
        tuple(extra),
        (*problems, *signature.problems),
        signature.signed,
        signature.fingerprint,
        len(listed),
    )


def verification_lines(result: Verification, catalog: Catalog) -> list[str]:
    """What `camaudit verify` prints, in the catalogue's language: the verdict first, then each problem."""
    lines = [catalog.t("verify.ok", n=result.files) if result.ok else catalog.t("verify.failed")]
    lines += [
        catalog.t(f"verify.{kind}", path=path)
        for kind, paths in (("changed", result.changed), ("missing", result.missing), ("extra", result.extra))
        for path in paths
    ]
    lines += [catalog.t(f"verify.problem.{code}", detail=detail) for code, detail in result.problems]
    if result.key_fingerprint:
        lines.append(catalog.t("verify.signed", fingerprint=result.key_fingerprint))
    elif result.ok:
        lines.append(catalog.t("verify.unsigned"))
    return lines


def _safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\\" not in path and not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _check_file(directory: Path, path: str, digest: str, size: int) -> str:
    """'' when intact, else missing / changed / unsafe_path / symlink."""
    if not _safe_relative(path):
        return "unsafe_path"
    target = directory
    for part in path.split("/"):
        target = target / part
        if target.is_symlink():  # a link could make us hash (and vouch for) a file outside the bundle
            return "symlink"
    if not target.is_file():
        return "missing"
    sha = hashlib.sha256()
    with target.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            sha.update(chunk)
    return "" if sha.hexdigest() == digest and target.stat().st_size == size else "changed"


def _files_on_disk(directory: Path) -> tuple[set[str], list[str]]:
    found, links = set(), []
    for root, dirs, names in os.walk(directory, followlinks=False):
        for name in names + [d for d in dirs if Path(root, d).is_symlink()]:
            relative = Path(root, name).relative_to(directory).as_posix()
            if Path(root, name).is_symlink():
                links.append(relative)
            else:
                found.add(relative)
    return found, sorted(links)
