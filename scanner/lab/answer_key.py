"""The lab's answer key held against a scan: what each persona's report should say, and every difference, one
plain line each (for `camaudit demo` and the lab tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scanner.lab.lab import LabDevice
from scanner.model import DeviceReport, ScanResult


def finding_keys(report: DeviceReport) -> tuple[str, ...]:
    """The report's findings as `feature:level` or `feature:level@channel`, each once, sorted."""
    keys = {f"{f.feature}:{f.level}" + (f"@{f.channel}" if f.channel is not None else "") for f in report.findings}
    return tuple(sorted(keys))


def destination_keys(report: DeviceReport, names: Mapping[str, str]) -> tuple[str, ...]:
    """The report's destinations as `kind host:port place [device] [<- event@channel:method ...]`, sorted; an
    address that is a lab device's is written `@<persona id>` (`names`: address -> id), so the key holds wherever
    the lab runs. E.g. `ftp @nas:21 premises @nas <- faceSnap@1:FTP`."""

    def named(address: str | None) -> str:
        if address is None:
            return "-"
        return f"@{names[address]}" if address in names else address

    keys = []
    for d in report.destinations:
        where = f"{named(d.host)}:{'-' if d.port is None else d.port} {d.place or '-'}"
        device = f" {named(d.device)}" if d.device is not None else ""
        routes = "".join(f" <- {r.event}@{r.channel or '-'}:{r.method}" for r in d.routes)  # as the cases name them
        keys.append(f"{d.kind} {where}{device}{routes}")
    return tuple(sorted(keys))


def compare(result: ScanResult, devices: Sequence[LabDevice], with_credentials: bool) -> list[str]:
    """Differences between a scan and the lab personas' expectations, one plain line each."""
    found = {d.address: d for d in result.devices}
    lines = []
    for device in devices:
        report = found.get(device.address)
        if report is None:
            lines.append(f"{device.address} ({device.persona.id}): not found by the scan")
            continue
        lines.extend(differences(device, report, with_credentials, {d.address: d.persona.id for d in devices}))
    return lines


def differences(
    device: LabDevice, report: DeviceReport, with_credentials: bool, names: Mapping[str, str] | None = None
) -> list[str]:
    """What the device's report says that its persona's answer key does not (role, findings and destinations:
    with the login; `names` maps the lab's addresses to persona ids for the destinations)."""
    expect = device.persona.expect
    face = expect.face_analytics if with_credentials else expect.face_analytics_without_credentials
    camera = expect.is_camera
    if not with_credentials and expect.is_camera_without_credentials is not None:
        camera = expect.is_camera_without_credentials
    wanted: dict[str, tuple[object, object] | None] = {
        "vendor": (expect.vendor, report.identity.vendor),
        "model": (expect.model, report.identity.model) if with_credentials or expect.model is None else None,
        "is_camera": (camera, report.is_camera),
        "face_analytics": (face, report.face_analytics),
        "role": (expect.role, report.role) if with_credentials and expect.role is not None else None,
        "findings": (tuple(sorted(expect.findings)), finding_keys(report))
        if with_credentials and expect.findings is not None
        else None,
        "destinations": (tuple(sorted(expect.destinations)), destination_keys(report, names or {}))
        if with_credentials and expect.destinations is not None
        else None,
    }
    lines = []
    for name, pair in wanted.items():
        if pair is not None and pair[0] != pair[1]:
            lines.append(f"{device.address} ({device.persona.id}): {name} is {pair[1]!r}, expected {pair[0]!r}")
    return lines
