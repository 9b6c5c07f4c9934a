"""A declaration reconciled with a scan (pure): rows tied to devices by serial, then MAC, then address, as the
history diff ties two scans; the model is a cross-check; what two devices or two rows could both be is ambiguous."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from scanner.declared.records import (
    Ambiguous,
    Declaration,
    DeclaredRow,
    Match,
    MatchKey,
    Missing,
    NotFound,
    Reconciliation,
)
from scanner.model import DeviceReport, ScanResult
from scanner.scope import covers

Keys = dict[MatchKey, str]


def reconcile(result: ScanResult, declaration: Declaration) -> Reconciliation:
    """Every row matched, not found or ambiguous; every device matched, undeclared or a candidate of an ambiguous row.

    A key value shared by two free rows or two free devices ties nothing (it does not identify a device), and a
    weaker key never ties what a stronger one tells apart (serial beats MAC beats address)."""
    rows, devices = declaration.rows, result.devices
    row_keys, device_keys = [_row_keys(r) for r in rows], [_device_keys(d) for d in devices]
    free_rows, free_devices = set(range(len(rows))), set(range(len(devices)))
    matched: list[Match] = []
    for key in MatchKey:
        by_row, by_device = _groups(row_keys, free_rows, key), _groups(device_keys, free_devices, key)
        for value, row_at in by_row.items():
            device_at = by_device.get(value, [])
            if (
                len(row_at) != 1
                or len(device_at) != 1
                or _conflict(row_keys[row_at[0]], device_keys[device_at[0]], key)
            ):
                continue
            row, device = rows[row_at[0]], devices[device_at[0]]
            matched.append(Match(row, device, key, _models_differ(row.model, device.identity.model)))
            free_rows.discard(row_at[0])
            free_devices.discard(device_at[0])
    ambiguous, not_found, claimed = [], [], set()
    every = {key: _groups(device_keys, set(range(len(devices))), key) for key in MatchKey}
    for index in sorted(free_rows):
        key, candidates = _candidates(row_keys[index], device_keys, every)
        if candidates:
            ambiguous.append(Ambiguous(rows[index], key, tuple(devices[i] for i in candidates)))
            claimed.update(candidates)
        else:
            there = every[MatchKey.ADDRESS].get(rows[index].address or "", [])
            not_found.append(_not_found(rows[index], result, devices[there[0]] if there else None))
    undeclared = sorted((devices[i] for i in free_devices - claimed), key=lambda d: _address_order(d.address))
    return Reconciliation(
        declaration=declaration,
        matched=tuple(sorted(matched, key=lambda m: m.row.row)),
        undeclared=tuple(undeclared),
        not_found=tuple(not_found),
        ambiguous=tuple(ambiguous),
        partial=result.partial,
    )


def normal_serial(value: str | None) -> str | None:
    """A serial as compared: stripped and upper-case (exact otherwise: a short label serial is not guessed at)."""
    text = (value or "").strip().upper()
    return text or None


def normal_mac(value: str | None) -> str | None:
    digits = re.sub(r"[^0-9a-f]", "", (value or "").lower())
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)) if len(digits) == 12 else None


def _row_keys(row: DeclaredRow) -> Keys:
    pairs = (
        (MatchKey.SERIAL, normal_serial(row.serial)),
        (MatchKey.MAC, normal_mac(row.mac)),
        (MatchKey.ADDRESS, row.address),
    )
    return {key: value for key, value in pairs if value}


def _device_keys(device: DeviceReport) -> Keys:
    ident = device.identity
    pairs = (
        (MatchKey.SERIAL, normal_serial(ident.serial)),
        (MatchKey.MAC, normal_mac(ident.mac)),
        (MatchKey.ADDRESS, _canonical(device.address)),
    )
    return {key: value for key, value in pairs if value}


def _canonical(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address or None


def _groups(keys: Sequence[Keys], free: set[int], key: MatchKey) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index in sorted(free):
        value = keys[index].get(key)
        if value:
            groups.setdefault(value, []).append(index)
    return groups


def _conflict(a: Keys, b: Keys, key: MatchKey) -> bool:
    """A stronger key than `key` that both sides know, with different values: two different devices."""
    stronger = list(MatchKey)[: list(MatchKey).index(key)]
    return any(k in a and k in b and a[k] != b[k] for k in stronger)


def _candidates(
    row: Keys, devices: Sequence[Keys], every: dict[MatchKey, dict[str, list[int]]]
) -> tuple[MatchKey, list[int]]:
    """The devices (matched or not) a leftover row could be, by the strongest key that names any."""
    for key in MatchKey:
        found = [i for i in every[key].get(row.get(key, ""), []) if not _conflict(row, devices[i], key)]
        if found:
            return key, found
    return MatchKey.ADDRESS, []


def _not_found(row: DeclaredRow, result: ScanResult, there: DeviceReport | None) -> NotFound:
    """What explains a row no device matches; `there` is the device answering at its declared address, if any."""
    if row.address is None:
        return NotFound(row, Missing.NOT_SEEN)
    if there is not None:
        return NotFound(row, Missing.OTHER_DEVICE, there)
    if covers(result.targets, row.address) is False:
        return NotFound(row, Missing.OUT_OF_SCOPE)
    return NotFound(row, Missing.NO_ANSWER)


def _models_differ(declared: str | None, found: str | None) -> bool:
    """Both name a model and neither contains the other (letters and digits only, case-folded)."""
    a, b = (re.sub(r"[\W_]+", "", (text or "").casefold()) for text in (declared, found))
    return bool(a and b) and a not in b and b not in a


def _address_order(address: str) -> tuple[int, int, str]:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return (9, 0, address)
    return (parsed.version, int(parsed), address)
