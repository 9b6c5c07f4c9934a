"""An evidence bundle's recorded devices as replay records: each observation that says what was sent becomes an
exchange. What discovery revealed (no request) and what camaudit chose not to send are not exchanges."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from scanner.errors import UsageError
from scanner.model import DeviceReport, Observation, Sent
from scanner.replay.records import DEFAULT_PORTS, Exchange, RecordedDevice, operation_name
from scanner.report.bundle.read import read_bundle
from scanner.report.bundle.verify import verify_bundle
from scanner.vocabulary import Reason

IN_CLEAR = frozenset({Reason.BASIC_IN_CLEAR, Reason.LOGIN_IN_CLEAR})  # the scan declined to send the login in clear


def load_bundle(directory: Path) -> tuple[RecordedDevice, ...]:
    """The bundle's audited devices, verified first: a bundle that does not verify is refused (UsageError)."""
    checked = verify_bundle(directory)
    if not checked.ok:
        named = [*checked.changed, *checked.missing, *checked.extra, *(detail for _, detail in checked.problems)]
        raise UsageError(f"bundle {directory} does not verify: {', '.join(named[:5]) or 'unreadable'}")
    recorded = read_bundle(directory)
    reports = {d.address: d for d in recorded.report.devices}
    devices = []
    for device in recorded.devices:
        host = device.inputs.host
        exchanges = tuple(exchange(obs.sent, obs) for obs in device.observations if obs.sent is not None)
        name = _name(reports.get(host.address), host.address)
        declined = [n.reason for n in device.inputs.skipped] + [o.stopped for o in device.observations]
        clear = not any(reason in IN_CLEAR for reason in declined)
        devices.append(RecordedDevice(name, host.address, host.open_ports, exchanges, host.wsd, clear))
    if not devices:
        raise UsageError(f"bundle {directory} records no audited device to replay")
    return tuple(devices)


def exchange(sent: Sent, obs: Observation) -> Exchange:
    """One observation as the exchange it recorded: where the request went, and the answer as received."""
    parts = urlsplit(sent.url)
    scheme = parts.scheme.lower() or sent.protocol
    port = parts.port or DEFAULT_PORTS.get(scheme, DEFAULT_PORTS[sent.protocol])
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Exchange(
        protocol=sent.protocol,
        method=sent.method,
        target=target,
        port=port,
        status=obs.status,
        headers=obs.headers,
        answer=obs.body,
        action=operation_name(sent.action),
        body=sent.body,
        login=sent.login,
        realm=sent.realm,
        tls=scheme == "https",
    )


def _name(report: DeviceReport | None, address: str) -> str:
    if report is None:
        return address
    who = " ".join(p for p in (report.identity.vendor, report.identity.model) if p)
    return who or f"{address} (not identified)"
