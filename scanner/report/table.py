"""The console table: one row per device, the face-analytics verdict in plain words and colour."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scanner.model import LEVELS, DeviceReport, Finding, ScanResult, cut_short, main_reason
from scanner.net.text import plain
from scanner.report.i18n import cached_catalog

VERDICT_WORDS = {
    "active": "[bold red]IN USE[/]",
    "configured": "[red]SET UP[/]",
    "capable": "[yellow]CAPABLE[/]",
    "not_found": "[green]none found[/]",
    "unknown": "[dim]unknown[/]",
}
LEVEL_WORDS = {"active": "in use", "configured": "set up", "capable": "capable"}
ROLE_WORDS = {"recorder": "recorder", "face_terminal": "face terminal", "platform": "platform"}


def explain(device: DeviceReport) -> str:
    """One short plain-words reason for the verdict."""
    if device.findings:
        strongest: dict[str, Finding] = {}
        for finding in device.findings:
            known = strongest.get(finding.feature)
            if known is None or LEVELS.index(finding.level) > LEVELS.index(known.level):
                strongest[finding.feature] = finding
        return ", ".join(_finding_words(f) for _, f in sorted(strongest.items()))
    if not device.is_camera:
        return "not a camera"
    if device.face_analytics == "not_found":
        return "face settings read: no face function"
    note = main_reason(device)
    if note is not None:
        return cached_catalog("en").reason(note.reason, note.detail)
    return "could not be checked"


def _finding_words(finding: Finding) -> str:
    where = f", channel {finding.channel}" if finding.channel is not None else ""
    return f"{finding.feature.replace('_', ' ')} ({LEVEL_WORDS[finding.level]}{where})"


def device_name(device: DeviceReport) -> str:
    """`Vendor Model`, without saying the vendor twice when the model already starts with it."""
    vendor, model = device.identity.vendor, device.identity.model
    if vendor and model and model.lower().startswith(vendor.lower()):
        vendor = None
    return " ".join(x for x in (vendor, model) if x) or "unidentified"


def build_table(result: ScanResult) -> Table:
    """A rich Table of the devices found."""
    table = Table(title="Devices found", title_justify="left")
    table.add_column("Address", no_wrap=True)
    table.add_column("Device")
    table.add_column("Face analytics", no_wrap=True)
    table.add_column("Why", ratio=1)
    for device in result.devices:
        name = device_name(device)
        if not device.is_camera:
            name += " (not a camera)"
        elif device.role in ROLE_WORDS:
            name += f" ({ROLE_WORDS[device.role]})"
        services = " ".join(f"{s.protocol}/{s.port}" for s in device.services)
        table.add_row(
            shown(device.address),
            f"{shown(name)}\n[dim]{shown(services)}[/]",
            VERDICT_WORDS[device.face_analytics],
            shown(explain(device)),
        )
    return table


def summary_line(result: ScanResult) -> str:
    """One plain sentence: how many cameras, how many with face analytics."""
    cameras = [d for d in result.devices if d.is_camera]
    face = [d for d in cameras if d.face_analytics in ("active", "configured", "capable")]
    unknown = [d for d in cameras if d.face_analytics == "unknown"]
    text = f"{len(cameras)} camera(s) among {len(result.devices)} device(s); {len(face)} with face analytics"
    if unknown:
        text += f"; {len(unknown)} could not be checked (see the Why column)"
    return text + "."


def incomplete_line(result: ScanResult) -> str | None:
    """A warning for the top of the output when the scan stopped early or a device's checks were cut short."""
    cut = [d for d in result.devices if cut_short(d)]
    if not result.partial and not cut:
        return None
    said = "The scan is incomplete"
    if cut:
        said += f": {len(cut)} device(s) could not be fully checked; their verdict is 'unknown', never 'none found'"
    return said + "."


def print_table(result: ScanResult, console: Console) -> None:
    """Print the table and the summary sentence; an incomplete scan says so first."""
    warning = incomplete_line(result)
    if warning:
        console.print(f"[bold yellow]{warning}[/]")
    console.print(build_table(result))
    console.print(summary_line(result))
    for error in result.errors:
        console.print(f"[yellow]note[/] ({shown(error.stage)}): {shown(error.message)}")


def shown(text: str) -> str:
    """Device data as rich shows it: never markup (`[/]` in a model name), never a terminal escape."""
    return escape(plain(text))
