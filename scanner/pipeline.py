"""run_scan: scope -> discover -> audit each host (identify, probe, match) -> ScanResult. Orchestration only."""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace

from scanner.audit import AuditKit, audit_host
from scanner.config import ScanConfig
from scanner.discovery.discover import discover_hosts
from scanner.matching.engine import vendor_for_oui
from scanner.matching.loader import load_signatures
from scanner.matching.schema import SignatureSet
from scanner.model import DeviceReport, Host, ScanError, ScanResult, utc_now
from scanner.progress import NullProgress, ScanProgress
from scanner.scope import expand_targets


def run_scan(
    config: ScanConfig,
    progress: ScanProgress | None = None,
    sigset: SignatureSet | None = None,
) -> ScanResult:
    """Audit every target in scope. Raises UsageError/ScopeError only for bad input, before any traffic."""
    progress = progress or NullProgress()
    sigset = sigset or load_signatures(config.signatures_dir)
    addresses = expand_targets(config.targets, config.allow_public, config.max_hosts)
    started = utc_now()
    errors: list[ScanError] = []

    progress.stage(f"Looking for devices on {len(addresses)} addresses", total=None)
    found = discover_hosts(addresses, config, lambda org: _known_vendor(org, sigset))
    for note in found.notes:
        progress.note(note)
        errors.append(ScanError("discover", note))
    hosts = found.hosts

    progress.stage(f"Auditing {len(hosts)} devices", total=len(hosts))
    devices = _audit_all(hosts, config, sigset, progress)
    progress.close()
    return ScanResult(
        started_at=started,
        finished_at=utc_now(),
        targets=tuple(config.targets),
        devices=devices,
        errors=tuple(errors),
    )


def _known_vendor(mac_vendor: str | None, sigset: SignatureSet) -> bool:
    """A MAC vendor that the signatures name (a camera or face-analytics maker): worth a look on its own."""
    return bool(mac_vendor) and vendor_for_oui(mac_vendor or "", sigset) is not None


def _audit_all(
    hosts: tuple[Host, ...], config: ScanConfig, sigset: SignatureSet, progress: ScanProgress
) -> tuple[DeviceReport, ...]:
    """`config.concurrency` devices at a time, sharing one kit (parsed WSDLs, per-device limits, helpers)."""
    reports: list[DeviceReport] = []
    at_once = max(1, min(config.concurrency, len(hosts) or 1))
    with AuditKit(config, at_once) as kit, ThreadPoolExecutor(max_workers=at_once) as pool:
        futures = {pool.submit(audit_host, host, config, sigset, kit): host for host in hosts}
        for future in as_completed(futures):
            report = replace(future.result(), discovery=futures[future].facts)
            reports.append(report)
            progress.advance(f"Audited {report.address}")
    return tuple(sorted(reports, key=lambda r: ipaddress.ip_address(r.address)))
