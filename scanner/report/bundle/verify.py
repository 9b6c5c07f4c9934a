"""`camaudit verify`: every file against the manifest (hash, size, no links, nothing extra), and the signature."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from scanner.report.bundle.manifest import MANIFEST, SIGNATURE, listing, read_capped
from scanner.report.bundle.sign import check_signature, load_public_key
from scanner.report.i18n import Catalog


@dataclass(frozen=True)
class Verification:
    """What `verify_bundle` found. `problems` are (code, detail): manifest_missing, manifest_invalid,
    unsafe_path, symlink, unreadable, signature_invalid, signature_wrong_key, signature_missing. `key_checked`: the
    signature was checked against a key the user gave (`--public-key`), not only against the key it names."""

    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    problems: tuple[tuple[str, str], ...] = ()
    signed: bool = False
    key_fingerprint: str | None = None
    files: int = 0
    key_checked: bool = False

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.problems)


def verify_bundle(directory: Path, public_key: Path | None = None) -> Verification:
    """Recompute every file's hash and size, name the changed, missing and extra files, and check the signature
    (required when `public_key` is given, and then it must be that key's)."""
    if public_key is not None:
        load_public_key(public_key)  # a key that cannot be read is the user's error (UsageError), said first
    try:
        manifest_bytes = read_capped(directory / MANIFEST)
        listed = listing(json.loads(manifest_bytes))
    except FileNotFoundError:
        return Verification(problems=(("manifest_missing", MANIFEST),))
    except RecursionError:
        return Verification(problems=(("manifest_invalid", "nested too deeply"),))
    except OSError as exc:
        return Verification(problems=(("manifest_invalid", str(exc.strerror or exc)[:200]),))
    except ValueError as exc:  # not JSON, not UTF-8, or not a manifest
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
        key_checked=public_key is not None and signature.fingerprint is not None and not signature.problems,
    )


def verification_lines(result: Verification, catalog: Catalog) -> list[str]:
    """What `camaudit verify` prints, in the catalogue's language: the verdict first, then each problem."""
    if not result.ok:
        lines = [catalog.t("verify.failed")]
    elif result.key_checked:
        lines = [catalog.t("verify.ok", n=result.files)]
    else:  # unsigned, or signed by a key nobody vouched for: the files match, which a rewrite would also give
        lines = [catalog.t("verify.matches", n=result.files)]
    lines += [
        catalog.t(f"verify.{kind}", path=path)
        for kind, paths in (("changed", result.changed), ("missing", result.missing), ("extra", result.extra))
        for path in paths
    ]
    lines += [catalog.t(f"verify.problem.{code}", detail=detail) for code, detail in result.problems]
    if result.key_fingerprint and result.key_checked:
        lines.append(catalog.t("verify.signed", fingerprint=result.key_fingerprint))
    elif result.key_fingerprint:
        lines.append(catalog.t("verify.signed_unchecked", fingerprint=result.key_fingerprint))
    elif result.ok:
        lines.append(catalog.t("verify.unsigned"))
    return lines


def _safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\\" not in path and not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _check_file(directory: Path, path: str, digest: str, size: int) -> str:
    """'' when intact, else missing / changed / unsafe_path / symlink / unreadable."""
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
    try:
        with target.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                sha.update(chunk)
            real_size = os.fstat(handle.fileno()).st_size
    except OSError:
        return "unreadable"
    return "" if sha.hexdigest() == digest and real_size == size else "changed"


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
