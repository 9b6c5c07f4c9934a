"""The diff between two scans (pure): devices added, removed, moved to a new address, or with a new verdict."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scanner.model import DeviceReport, ScanResult
from scanner.vocabulary import Verdict


@dataclass(frozen=True)
class DeviceRef:
    """A device as the diff shows it."""

    address: str
    mac: str | None
    serial: str | None
    vendor: str | None
    model: str | None
    is_camera: bool
    face_analytics: Verdict


@dataclass(frozen=True)
class Moved:
    """Same device (by serial or MAC) at a new address."""

    before: DeviceRef
    after: DeviceRef
    key: str


@dataclass(frozen=True)
class VerdictChange:
    """Same device, different face-analytics verdict; `key` says how it was matched."""

    before: DeviceRef
    after: DeviceRef
    key: str


@dataclass(frozen=True)
class ScanDiff:
    added: tuple[DeviceRef, ...]
    removed: tuple[DeviceRef, ...]
    moved: tuple[Moved, ...]
    verdict_changed: tuple[VerdictChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.moved or self.verdict_changed)


def _ref(device: DeviceReport) -> DeviceRef:
    return DeviceRef(
        address=device.address,
        mac=_mac(device.identity.mac),
        serial=_serial(device.identity.serial),
        vendor=device.identity.vendor,
        model=device.identity.model,
        is_camera=device.is_camera,
        face_analytics=device.face_analytics,
    )


def _serial(value: object) -> str | None:
    text = str(value).strip().upper() if value else ""
    return text or None


def _mac(value: object) -> str | None:
    digits = re.sub(r"[^0-9a-f]", "", str(value).lower()) if value else ""
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)) if len(digits) == 12 else None


def _conflict(a: DeviceRef, b: DeviceRef, key: str) -> bool:
    """Two records that a stronger key says are different devices (serial beats MAC beats address)."""
    serials = bool(a.serial and b.serial and a.serial != b.serial)
    macs = bool(a.mac and b.mac and a.mac != b.mac)
    return key == "mac" and serials or key == "address" and (serials or macs)


_KEYS: tuple[tuple[str, Callable[[DeviceRef], str | None]], ...] = (
    ("serial", lambda r: r.serial),
    ("mac", lambda r: r.mac),
    ("address", lambda r: r.address or None),
)


def diff(a: ScanResult, b: ScanResult) -> ScanDiff:
    """What changed from scan `a` to scan `b`. Devices are matched by serial, then MAC, then address;
    a value shared by two devices of one scan matches nothing (it does not identify a device)."""
    old = [_ref(d) for d in a.devices]
    new = [_ref(d) for d in b.devices]
    free_old, free_new = set(range(len(old))), set(range(len(new)))
    pairs: list[tuple[DeviceRef, DeviceRef, str]] = []
    for key, value_of in _KEYS:
        by_old, by_new = _unique(old, free_old, value_of), _unique(new, free_new, value_of)
        for value, i in by_old.items():
            j = by_new.get(value)
            if j is None or _conflict(old[i], new[j], key):
                continue
            pairs.append((old[i], new[j], key))
            free_old.discard(i)
            free_new.discard(j)
    pairs.sort(key=lambda p: p[1].address)
    return ScanDiff(
        added=tuple(sorted((new[j] for j in free_new), key=lambda r: r.address)),
        removed=tuple(sorted((old[i] for i in free_old), key=lambda r: r.address)),
        moved=tuple(Moved(x, y, k) for x, y, k in pairs if x.address != y.address),
        verdict_changed=tuple(VerdictChange(x, y, k) for x, y, k in pairs if x.face_analytics != y.face_analytics),
    )


def _unique(refs: Sequence[DeviceRef], free: set[int], value_of: Callable[[DeviceRef], str | None]) -> dict[str, int]:
    seen: dict[str, list[int]] = {}
    for i in sorted(free):
        value = value_of(refs[i])
        if value:
            seen.setdefault(value, []).append(i)
    return {value: found[0] for value, found in seen.items() if len(found) == 1}
