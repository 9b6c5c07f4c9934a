"""Ed25519 signing of the manifest's exact bytes, and the check of a bundle's signature (`cryptography`, lazily)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import UsageError
from scanner.report.bundle.manifest import SIGNATURE, read_capped


@dataclass(frozen=True)
class SignatureCheck:
    """Whether the bundle is signed, the signer's key fingerprint when the signature holds, and what is wrong."""

    signed: bool = False
    fingerprint: str | None = None
    problems: tuple[tuple[str, str], ...] = ()


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise UsageError("signing needs the `cryptography` package: pip install cryptography") from None
    return serialization, ed25519


def _private_key(key_path: Path, password: bytes | None = None) -> Any:
    serialization, ed25519 = _crypto()
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=password)
    except OSError as exc:
        raise UsageError(f"cannot read the signing key {key_path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot read the signing key {key_path}: {exc}") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise UsageError(f"the signing key {key_path} is not an Ed25519 private key")
    return key


def check_signing_key(key_path: Path, password: bytes | None = None) -> None:
    """UsageError unless `key_path` holds an Ed25519 private key in PEM (checked before a scan sends anything)."""
    _private_key(key_path, password)


def sign(manifest: bytes, key_path: Path, password: bytes | None = None) -> bytes:
    """manifest.sig: the Ed25519 signature of the manifest's exact bytes, with the public key that checks it."""
    key = _private_key(key_path, password)
    public = _raw_public(key.public_key())
    document = {
        "algorithm": "ed25519",
        "public_key": base64.b64encode(public).decode("ascii"),
        "signature": base64.b64encode(key.sign(manifest)).decode("ascii"),
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")


def _raw_public(public_key: Any) -> bytes:
    serialization, _ = _crypto()
    raw: bytes = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw


def fingerprint(raw_public_key: bytes) -> str:
    """SHA-256 of the raw public key, the string an inspector publishes so others can check the signer."""
    return hashlib.sha256(raw_public_key).hexdigest()


def load_public_key(path: Path) -> bytes:
    """The raw Ed25519 public key from a PEM public key (or private key) file."""
    serialization, ed25519 = _crypto()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the public key {path}: {exc.strerror or exc}") from None
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError) as exc:
            raise UsageError(f"cannot read the public key {path}: {exc}") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise UsageError(f"{path} is not an Ed25519 key")
    return _raw_public(key)


def check_signature(directory: Path, manifest: bytes, public_key: Path | None) -> SignatureCheck:
    """The bundle's manifest.sig checked against the manifest; it is required, and must be that key's, when
    `public_key` is given."""
    sig_path = directory / SIGNATURE
    if not sig_path.is_file():
        return SignatureCheck(problems=(("signature_missing", SIGNATURE),) if public_key else ())
    _, ed25519 = _crypto()
    try:
        document = json.loads(read_capped(sig_path))
        raw = base64.b64decode(document["public_key"], validate=True)
        ed25519.Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(document["signature"]), manifest)
    except Exception:  # noqa: BLE001 - any malformed or wrong signature is simply "invalid"
        return SignatureCheck(signed=True, problems=(("signature_invalid", SIGNATURE),))
    if public_key is not None and load_public_key(public_key) != raw:
        return SignatureCheck(True, fingerprint(raw), (("signature_wrong_key", SIGNATURE),))
    return SignatureCheck(True, fingerprint(raw))
