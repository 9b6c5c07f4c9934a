"""How a scan was run (targets, ports, probes, signatures, host, interface): kept in the manifest and the history."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner import __version__
from scanner.model import ScanResult
from scanner.net.interfaces import source_interface


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


def params_to_dict(params: BundleParams) -> dict[str, Any]:
    """The parameters as plain data, in their field names (as the manifest and the history store them)."""
    return dataclasses.asdict(params)


def params_from_dict(data: Mapping[str, Any]) -> BundleParams:
    """The parameters read back from plain data (a stored scan's); a field missing there is left empty."""
    window = data.get("observe_window")
    return BundleParams(
        targets=tuple(str(t) for t in data.get("targets") or ()),
        ports=tuple(int(p) for p in data.get("ports") or ()),
        probes=tuple(str(p) for p in data.get("probes") or ()),
        signature_digest=str(data.get("signature_digest") or ""),
        started_at=str(data.get("started_at") or ""),
        finished_at=str(data.get("finished_at") or ""),
        host=str(data.get("host") or ""),
        interface=str(data.get("interface") or ""),
        tool_version=str(data.get("tool_version") or ""),
        observe_window=None if window is None else float(window),
    )
