"""Resuming a stored partial scan: which devices to audit again, and the scan they make with the ones kept (pure)."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from scanner.model import ScanError, ScanResult, cut_short, utc_now


def unfinished(result: ScanResult) -> tuple[str, ...] | None:
    """The addresses whose audit the stored scan did not finish; None when discovery itself did not finish (some
    addresses were never looked at, maybe no device audited: the whole scan runs again); () when there is nothing
    to resume."""
    if result.partial and (not result.devices or any(e.discovery_unfinished for e in result.errors)):
        return None
    return tuple(d.address for d in result.devices if cut_short(d))


def merged(before: ScanResult, after: ScanResult, redo: tuple[str, ...] | None, ref: str) -> ScanResult:
    """The resumed scan: the stored devices that were finished, and today's audit of the others. A device audited
    again but no longer answering keeps its stored, unfinished record (it is still not checked)."""
    again = {d.address: d for d in after.devices}
    if redo is None:
        devices = list(after.devices)
    else:
        devices = [again.get(d.address, d) if d.address in redo else d for d in before.devices]
        devices += [d for d in after.devices if d.address not in {k.address for k in before.devices}]
    devices.sort(key=lambda d: ipaddress.ip_address(d.address.partition("%")[0]))
    audited = len(after.devices) if redo is None else sum(1 for a in redo if a in again)
    note = ScanError("resume", f"resumed scan {ref} at {utc_now()}: {audited} device(s) audited again")
    return replace(
        before,
        finished_at=after.finished_at,
        devices=tuple(devices),
        errors=(*after.errors, note),
        partial=after.partial,
    )
