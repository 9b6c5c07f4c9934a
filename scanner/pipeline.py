"""run_scan: scope -> discover -> audit each host (identify, probe, match) -> ScanResult. Orchestration only."""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace

from scanner.audit import audit_host
from scanner.config import ScanConfig
from scanner.discovery.portscan import scan_ports
from scanner.discovery.ws_discovery import probe_unicast
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
    scan = scan_ports(
        addresses, config.ports, use_nmap=config.use_nmap, nmap_path=config.nmap_path, timeout=config.connect_timeout
    )
    if scan.note:
        progress.note(scan.note)
        errors.append(ScanError("discover", scan.note))
    hosts = _with_ws_discovery(scan.hosts, scan.method, config)

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


def _with_ws_discovery(hosts: tuple[Host, ...], method: str, config: ScanConfig) -> tuple[Host, ...]:
    """Send a unicast WS-Discovery probe to each live host and attach what each announced."""
    replies = probe_unicast([h.address for h in hosts], timeout=config.wsd_timeout)
    merged = []
    for host in hosts:
        found = replies.get(host.address, ())
        methods = (method,) + (("ws-discovery",) if found else ())
        merged.append(replace(host, wsd=found, discovered_by=tuple(dict.fromkeys(host.discovered_by + methods))))
    return tuple(merged)


def _audit_all(
    hosts: tuple[Host, ...], config: ScanConfig, sigset: SignatureSet, progress: ScanProgress
) -> tuple[DeviceReport, ...]:
    reports: list[DeviceReport] = []
    with ThreadPoolExecutor(max_workers=max(1, min(config.concurrency, len(hosts) or 1))) as pool:
        futures = [pool.submit(audit_host, host, config, sigset) for host in hosts]
        for future in as_completed(futures):
            report = future.result()
            reports.append(report)
            progress.advance(f"Audited {report.address}")
    return tuple(sorted(reports, key=lambda r: ipaddress.ip_address(r.address)))
