"""The evidence bundle: report, raw exchanges (credentials redacted), SHA-256 manifest, optional Ed25519 signature."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner import TOOL_NAME, __version__
from scanner.errors import UsageError
from scanner.model import DeviceReport, Observation, ScanResult, utc_now
from scanner.net.redact import redact, redact_bytes, redact_header
from scanner.report.i18n import Catalog
from scanner.report.json_report import to_dict

MANIFEST, SIGNATURE, REPORT = "manifest.json", "manifest.sig", "report.json"
MANIFEST_VERSION = 1
MAX_MANIFEST = 16 << 20  # a manifest is a few KiB per device; anything bigger is not ours


@dataclass(frozen=True)
class BundleParams:
    """How the scan was run: stored in the manifest so the bundle says what was done, when, from where."""

    targets: tuple[str, ...]
    ports: tuple[int, ...]
    probes: tuple[str, ...]
    signature_digest: str
    started_at: str
    finished_at: str
    host: str
    interface: str
    tool_version: str = __version__
    observe_window: float | None = None


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


# ---- writing


def write_bundle(
    result: ScanResult,
    params: BundleParams,
    directory: Path,
    secrets: Sequence[str] = (),
    extra_files: Mapping[str, bytes] | None = None,
    signing_key: Path | None = None,
) -> Path:
    """Write the bundle into `directory` (new or empty) and return the manifest's path.

    `secrets` are the owner's passwords (see `secret_forms`), removed wherever they appear; `extra_files` (for
    example report.html) are added at the top level and covered by the manifest.
    """
    _prepare(directory)
    files: dict[str, bytes] = {REPORT: redacted_report(result, secrets).encode("utf-8")}
    evidence = []
    for number, device in enumerate(result.devices, start=1):
        for path, data, entry in _device_files(number, device, secrets):
            files[path] = data
            evidence.append(entry)
    for name, data in (extra_files or {}).items():
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}", name) or name in files or name in (MANIFEST, SIGNATURE):
            raise UsageError(f"bundle: {name!r} cannot be added as a top-level file")
        files[name] = data
    for path, data in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    manifest = _manifest(files, params, evidence)
    (directory / MANIFEST).write_bytes(manifest)
    if signing_key is not None:
        (directory / SIGNATURE).write_bytes(sign(manifest, signing_key))
    return directory / MANIFEST


def redacted_report(result: ScanResult, secrets: Sequence[str] = ()) -> str:
    """The JSON report text (as json_report.render) with every string value redacted."""
    data = _redact_tree(to_dict(result), secrets)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _redact_tree(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, list):
        return [_redact_tree(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _redact_tree(v, secrets) for k, v in value.items()}
    return value


def _prepare(directory: Path) -> None:
    if directory.is_symlink() or directory.exists() and not directory.is_dir():
        raise UsageError(f"bundle: {directory} is not a directory")
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"bundle: {directory} is not empty; give a new directory")
    directory.mkdir(parents=True, exist_ok=True)


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name component from device data: letters, digits, `._-` only, no leading dot, never empty."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")[:limit] or "unnamed"


def _device_files(
    number: int, device: DeviceReport, secrets: Sequence[str]
) -> Iterable[tuple[str, bytes, dict[str, Any]]]:
    folder = f"evidence/{number:02d}-{safe_name(device.address)}"
    cited: dict[tuple[str, str], set[str]] = {}
    for finding in device.findings:
        for evidence in finding.evidence:
            cited.setdefault((evidence.probe, evidence.sha256), set()).add(finding.rule)
    for index, obs in enumerate(device.observations, start=1):
        path = f"{folder}/{index:03d}-{safe_name(obs.probe)}.txt"
        data, was_redacted = observation_file(device.address, obs, secrets)
        rules = sorted(cited.get((obs.probe, obs.sha256), ()))
        yield (
            path,
            data,
            {
                "path": path,
                "device": device.address,
                "probe": obs.probe,
                "body_sha256": obs.sha256,
                "body_redacted": was_redacted,
                "cited_by": rules,
            },
        )


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


def _manifest(files: Mapping[str, bytes], params: BundleParams, evidence: list[dict[str, Any]]) -> bytes:
    listing = [{"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for p, d in sorted(files.items())]
    document = {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "created_at": utc_now(),
        "hash": "sha256",
        "params": dataclasses.asdict(params),
        "files": listing,
        "evidence": evidence,
    }
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


# ---- signing (Ed25519 through `cryptography`, imported only when used)


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise UsageError("signing needs the `cryptography` package: pip install cryptography") from None
    return serialization, ed25519


def sign(manifest: bytes, key_path: Path, password: bytes | None = None) -> bytes:
    """manifest.sig: the Ed25519 signature of the manifest's exact bytes, with the public key that checks it."""
    serialization, ed25519 = _crypto()
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=password)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot read the signing key {key_path}: {exc}") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise UsageError(f"the signing key {key_path} is not an Ed25519 private key")
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
    data = path.read_bytes()
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


# ---- verification


def verify_bundle(directory: Path, public_key: Path | None = None) -> Verification:
    """Recompute every file's hash and size, name the changed, missing and extra files, and check the signature
    (required when `public_key` is given, and then it must be that key's)."""
    try:
        manifest_bytes = _read_capped(directory / MANIFEST)
        listing = _listing(json.loads(manifest_bytes))
    except FileNotFoundError:
        return Verification(problems=(("manifest_missing", MANIFEST),))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        return Verification(problems=(("manifest_invalid", str(exc)[:200]),))
    changed, missing, problems = [], [], []
    for path, (digest, size) in sorted(listing.items()):
        status = _check_file(directory, path, digest, size)
        if status == "missing":
            missing.append(path)
        elif status == "changed":
            changed.append(path)
        elif status:
            problems.append((status, path))
    on_disk, links = _files_on_disk(directory)
    problems += [("symlink", p) for p in links]
    extra = sorted(on_disk - set(listing) - {MANIFEST, SIGNATURE})
    signed, fp, sig_problems = _check_signature(directory, manifest_bytes, public_key)
    return Verification(
        tuple(changed), tuple(missing), tuple(extra), tuple(problems + sig_problems), signed, fp, len(listing)
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


def _read_capped(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_MANIFEST + 1)
    if len(data) > MAX_MANIFEST:
        raise ValueError(f"{path.name} is larger than {MAX_MANIFEST} bytes")
    return data


def _listing(document: Any) -> dict[str, tuple[str, int]]:
    files = document["files"]
    if not isinstance(files, list):
        raise ValueError("manifest `files` is not a list")
    return {str(f["path"]): (str(f["sha256"]), int(f["size"])) for f in files}


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


def _check_signature(
    directory: Path, manifest: bytes, public_key: Path | None
) -> tuple[bool, str | None, list[tuple[str, str]]]:
    sig_path = directory / SIGNATURE
    if not sig_path.is_file():
        return False, None, [("signature_missing", SIGNATURE)] if public_key else []
    _, ed25519 = _crypto()
    try:
        document = json.loads(_read_capped(sig_path))
        raw = base64.b64decode(document["public_key"], validate=True)
        ed25519.Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(document["signature"]), manifest)
    except Exception:  # noqa: BLE001 - any malformed or wrong signature is simply "invalid"
        return True, None, [("signature_invalid", SIGNATURE)]
    if public_key is not None and load_public_key(public_key) != raw:
        return True, fingerprint(raw), [("signature_wrong_key", SIGNATURE)]
    return True, fingerprint(raw), []


# ---- scan parameters


def bundle_params(
    targets: Sequence[str],
    ports: Sequence[int],
    result: ScanResult,
    signature_digest: str,
    observe_window: float | None = None,
) -> BundleParams:
    """Parameters of a finished scan: probes that ran (from its observations), this host and its interface."""
    probes = sorted({obs.probe for device in result.devices for obs in device.observations})
    interface = source_interface(result.devices[0].address) if result.devices else "unknown"
    return BundleParams(
        targets=tuple(targets),
        ports=tuple(ports),
        probes=tuple(probes),
        signature_digest=signature_digest,
        started_at=result.started_at,
        finished_at=result.finished_at,
        host=socket.gethostname(),
        interface=interface,
        observe_window=observe_window,
    )


def source_interface(address: str) -> str:
    """`name (local address)` of the interface that routes to `address`. A UDP connect sends no packet."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((address, 9))
            local = str(probe.getsockname()[0])
    except OSError:
        return "unknown"
    name = _interface_name(local)
    return f"{name} ({local})" if name else local


def _interface_name(local: str) -> str | None:
    import ipaddress

    wanted = ipaddress.ip_address(local)
    for name, addresses in _interface_addresses().items():
        if wanted in addresses:
            return name
    return None


def _interface_addresses() -> dict[str, set[Any]]:
    """Interface name -> its addresses: IPv4 by ioctl(SIOCGIFADDR), IPv6 from /proc/net/if_inet6 (Linux)."""
    import fcntl
    import ipaddress
    import struct

    found: dict[str, set[Any]] = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue
            found.setdefault(name, set()).add(ipaddress.ip_address(packed[20:24]))
    try:
        for line in Path("/proc/net/if_inet6").read_text().splitlines():
            fields = line.split()
            if len(fields) == 6:
                found.setdefault(fields[5], set()).add(ipaddress.ip_address(bytes.fromhex(fields[0])))
    except OSError:
        pass
    return found
