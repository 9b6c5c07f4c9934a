"""The console table: one row per device, the face-analytics verdict in plain words and colour."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from scanner.model import ScanResult

VERDICT_WORDS = {
    "active": ("[bold red]IN USE[/]", "face analytics seen in use"),
    "configured": ("[red]SET UP[/]", "a face function is set up and switched on"),
    "capable": ("[yellow]CAPABLE[/]", "the device can do face analytics"),
    "not_found": ("[green]none found[/]", "the checks ran and found no face analytics"),
    "unknown": ("[dim]unknown[/]", "could not be checked"),
}


def build_table(result: ScanResult) -> Table:
    """A rich Table of the devices found."""
    table = Table(title="Devices found", title_justify="left", show_lines=False)
    for column in ("Address", "Vendor", "Model", "Camera", "Services", "Face analytics", "Why"):
        table.add_column(column, overflow="fold")
    for device in result.devices:
        word, meaning = VERDICT_WORDS[device.face_analytics]
        features = sorted({f"{f.feature.replace('_', ' ')} ({f.level})" for f in device.findings})
        why = "; ".join(features) if features else meaning
        if device.face_analytics == "unknown" and device.not_checked:
            why = device.not_checked[0].reason
        services = ", ".join(f"{s.protocol}/{s.port}" for s in device.services)
        table.add_row(
            device.address,
            device.identity.vendor or "-",
            device.identity.model or "-",
            "yes" if device.is_camera else "no",
            services,
            word,
            why,
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


def print_table(result: ScanResult, console: Console) -> None:
    """Print the table and the summary sentence."""
    console.print(build_table(result))
    console.print(summary_line(result))
    for error in result.errors:
        console.print(f"[yellow]note[/] ({error.stage}): {error.message}")
