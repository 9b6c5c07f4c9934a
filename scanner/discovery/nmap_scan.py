"""The nmap adapter: a TCP connect scan through python-nmap (the only importer of `nmap`) and its pure reading."""

from __future__ import annotations

import ipaddress
import math
import shlex
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

import nmap

from scanner.errors import ProbeError
from scanner.model import Host

METHOD = "nmap"
MIN_HOST_TIMEOUT = 30  # seconds nmap may spend on one host before giving up on it


def nmap_arguments(timeout: float, host_timeout: int, targets_file: str, ipv6: bool, arp: bool = False) -> str:
    """nmap's options: -n (no reverse DNS to an outside resolver), -sT (works unprivileged), -Pn (cameras that
    drop ping are still scanned), no -sV (slow, and it sends probes the audit does not need), open ports only.

    `arp`: every target is on a directly attached segment and nmap runs as root, so host discovery by ARP
    (-PR) replaces -Pn: a camera cannot ignore ARP and still talk IP, and absent hosts are skipped at once
    instead of costing a connect timeout on every port (a sparse /24: about 65 s with -Pn, 2 s with ARP).
    """
    rtt_ms = max(100, int(timeout * 1000))
    options = [
        "-n",
        "-sT",
        "-PR" if arp else "-Pn",
        "--open",
        "--max-retries",
        "1",
        "--host-timeout",
        f"{host_timeout}s",
        "--initial-rtt-timeout",
        f"{min(rtt_ms, 1000)}ms",
        "--max-rtt-timeout",
        f"{rtt_ms}ms",
        "-iL",
        shlex.quote(targets_file),  # python-nmap shlex-splits the arguments: a TMPDIR may hold spaces
    ]
    return " ".join(options + (["-6"] if ipv6 else []))


def run_nmap(
    addresses: Sequence[str], ports: Sequence[int], *, nmap_path: str | None, timeout: float, arp: bool = False
) -> dict[str, Any]:
    """Scan with nmap and return python-nmap's result dict; ProbeError says why nmap could not be used."""
    families = _by_family(addresses)
    if len(families) > 1:
        raise ValueError("run_nmap scans one address family at a time (nmap needs -6 for IPv6)")
    ipv6 = 6 in families
    host_timeout = max(MIN_HOST_TIMEOUT, math.ceil(len(ports) * timeout))
    try:
        scanner = nmap.PortScanner(nmap_search_path=(nmap_path,)) if nmap_path else nmap.PortScanner()
        # Targets go through a file: python-nmap splits `hosts` with shlex and puts it on the command line.
        with tempfile.NamedTemporaryFile("w", prefix="camaudit-targets-", suffix=".txt") as listing:
            listing.write("\n".join(addresses) + "\n")
            listing.flush()
            arguments = nmap_arguments(timeout, host_timeout, listing.name, ipv6, arp and not ipv6)
            result: dict[str, Any] = scanner.scan(
                hosts="",
                ports=",".join(str(p) for p in ports),
                arguments=arguments,
                timeout=_run_budget(len(addresses), host_timeout),
            )
    except nmap.PortScannerTimeout:
        raise ProbeError("nmap did not finish in time") from None
    except nmap.PortScannerError as exc:
        raise ProbeError(_first_line(str(exc.value)) or "nmap failed") from None
    except (OSError, AttributeError) as exc:  # AttributeError: python-nmap reading a truncated XML report
        raise ProbeError(f"nmap failed: {exc}") from None
    _refuse_errors(result)
    return result


def hosts_from_nmap(result: Mapping[str, Any]) -> tuple[Host, ...]:
    """The hosts with at least one open TCP port in a python-nmap result, sorted by address."""
    hosts = []
    for key, entry in result.get("scan", {}).items():
        open_ports = tuple(
            sorted(int(port) for port, info in entry.get("tcp", {}).items() if info.get("state") == "open")
        )
        if not open_ports:
            continue
        addresses = entry.get("addresses", {})
        address = addresses.get("ipv4") or addresses.get("ipv6") or key
        mac = addresses.get("mac")
        hosts.append(
            Host(address=address, open_ports=open_ports, mac=mac.upper() if mac else None, discovered_by=(METHOD,))
        )
    return tuple(sorted(hosts, key=lambda h: _sort_key(h.address)))


def mac_vendors(result: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(MAC, vendor name from nmap-mac-prefixes) pairs; nmap reports them when root on the same L2 segment."""
    pairs = set()
    for entry in result.get("scan", {}).values():
        for mac, vendor in entry.get("vendor", {}).items():
            if mac and vendor:
                pairs.add((mac.upper(), vendor))
    return tuple(sorted(pairs))


def _refuse_errors(result: Mapping[str, Any]) -> None:
    """nmap wrote errors and scanned nothing: treat it as a failure, so the connect scan runs instead."""
    errors = result.get("nmap", {}).get("scaninfo", {}).get("error")
    if errors and not result.get("scan"):
        raise ProbeError(_first_line(str(errors[0])) or "nmap reported an error")


def _run_budget(host_count: int, host_timeout: int) -> int:
    """Seconds before the nmap process is killed: a guard against a hung run, far above a normal scan."""
    return 60 + 2 * host_timeout * math.ceil(host_count / 64)


def _by_family(addresses: Sequence[str]) -> set[int]:
    return {ipaddress.ip_address(a).version for a in addresses}


def _sort_key(address: str) -> tuple[int, int]:
    ip = ipaddress.ip_address(address)
    return ip.version, int(ip)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:200] if lines else ""
