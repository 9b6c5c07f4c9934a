"""The console table: one row per device, the verdict in the report's words and colour, in the report's language."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scanner.model import LEVELS, DeviceReport, Finding, ScanResult, cut_short, main_reason
from scanner.net.text import plain
from scanner.report.html.tally import summary_sentence, tone
from scanner.report.i18n import Catalog, cached_catalog
from scanner.vocabulary import Reason

# The colour of each verdict (its words are the catalog's `verdict.<v>.word`, as in the HTML, PDF and CSV).
VERDICT_STYLE = {
    "active": "bold red",
    "configured": "red",
    "capable": "yellow",
    "not_found": "green",
    "unknown": "dim",
    "none": "dim",
}
LOGIN_REASONS = frozenset({Reason.NEEDS_LOGIN, Reason.NO_LOGIN_ONVIF, Reason.SESSION_NEEDS_LOGIN})


def explain(device: DeviceReport, catalog: Catalog | None = None) -> str:
    """One short plain-words reason for the verdict."""
    catalog = catalog or cached_catalog("en")
    if device.findings:
        strongest: dict[str, Finding] = {}
        for finding in device.findings:
            known = strongest.get(finding.feature)
            if known is None or LEVELS.index(finding.level) > LEVELS.index(known.level):
                strongest[finding.feature] = finding
        return catalog.t("list.separator").join(_finding_words(f, catalog) for _, f in sorted(strongest.items()))
    if not device.is_camera and device.face_analytics != "unknown":
        return ""  # the verdict column already says "Not a camera"
    if device.face_analytics == "not_found":
        return catalog.t("console.no_face")
    note = main_reason(device)
    if note is not None:
        return catalog.reason(note.reason, note.detail)
    return catalog.t("console.not_checked")


def _finding_words(finding: Finding, catalog: Catalog) -> str:
    words = [catalog.t(f"level.{finding.level}")]
    if finding.channel is not None:
        words.append(catalog.t("findings.channel", channel=finding.channel))
    return f"{catalog.t(f'feature.{finding.feature}')} ({catalog.t('list.separator').join(words)})"


def device_name(device: DeviceReport, catalog: Catalog | None = None) -> str:
    """`Vendor Model`, without saying the vendor twice when the model already starts with it."""
    vendor, model = device.identity.vendor, device.identity.model
    if vendor and model and model.lower().startswith(vendor.lower()):
        vendor = None
    return " ".join(x for x in (vendor, model) if x) or (catalog or cached_catalog("en")).t("console.unidentified")


def build_table(result: ScanResult, catalog: Catalog | None = None) -> Table:
    """A rich Table of the devices found; the verdict column never wraps, the reason takes what is left."""
    catalog = catalog or cached_catalog("en")
    table = Table(title=catalog.t("console.title"), title_justify="left")
    table.add_column(catalog.t("overview.address"), no_wrap=True)
    table.add_column(catalog.t("overview.device"), overflow="fold")
    table.add_column(catalog.t("overview.verdict"), no_wrap=True)
    table.add_column(catalog.t("overview.why"), ratio=1, overflow="fold")
    for device in result.devices:
        name = device_name(device, catalog)
        if device.role in ("recorder", "face_terminal", "platform"):
            name += f" ({catalog.t(f'role_short.{device.role}')})"
        services = " ".join(f"{s.protocol}/{s.port}" for s in device.services)
        verdict = tone(device)
        table.add_row(
            shown(device.address),
            f"{shown(name)}\n[dim]{shown(services)}[/]",
            f"[{VERDICT_STYLE[verdict]}]{escape(catalog.t(f'verdict.{verdict}.word'))}[/]",
            shown(explain(device, catalog)),
        )
    return table


def summary_line(result: ScanResult, catalog: Catalog | None = None) -> str:
    """One plain sentence with one count per verdict (never one number mixing them)."""
    return summary_sentence(result, catalog or cached_catalog("en"))


def login_hint(result: ScanResult, catalog: Catalog | None = None) -> str | None:
    """When most cameras are unknown for lack of a login: one line saying what would let camaudit check them."""
    cameras = [d for d in result.devices if d.is_camera]
    waiting = [d for d in cameras if d.face_analytics == "unknown" and _needs_login(d)]
    if not cameras or len(waiting) * 2 <= len(cameras):
        return None
    return (catalog or cached_catalog("en")).t("console.login_hint", count=len(waiting), cameras=len(cameras))


def destinations_line(result: ScanResult, catalog: Catalog | None = None) -> str | None:
    """Where face data goes, counted: devices whose settings send it, and where the receivers are."""
    sending = [d for d in result.devices if d.destinations]
    if not sending:
        return None
    catalog = catalog or cached_catalog("en")
    places = Counter(str(x.place or "unplaced") for d in sending for x in d.destinations)
    colon = catalog.t("list.colon")
    counts = catalog.t("list.separator").join(f"{catalog.t(f'place.{p}')}{colon}{n}" for p, n in sorted(places.items()))
    return catalog.t("console.destinations", devices=len(sending), places=counts)


def _needs_login(device: DeviceReport) -> bool:
    return any(note.reason in LOGIN_REASONS for note in device.not_checked)


def incomplete_line(result: ScanResult, catalog: Catalog | None = None) -> str | None:
    """A warning for the top of the output when the scan stopped early or a device's checks were cut short."""
    catalog = catalog or cached_catalog("en")
    cut = [d for d in result.devices if cut_short(d)]
    if not result.partial and not cut:
        return None
    said = catalog.t("console.incomplete")
    return f"{said} {catalog.t('console.cut', count=len(cut))}" if cut else said


def print_table(result: ScanResult, console: Console, catalog: Catalog | None = None) -> None:
    """Print the table and the summary sentence; an incomplete scan says so first; a scan mostly without logins
    ends with what would let camaudit check."""
    catalog = catalog or cached_catalog("en")
    warning = incomplete_line(result, catalog)
    if warning:
        console.print(f"[bold yellow]{escape(warning)}[/]")
    console.print(build_table(result, catalog))
    console.print(escape(summary_line(result, catalog)))
    for error in result.errors:
        console.print(f"[yellow]{escape(catalog.t('console.note'))}[/] ({shown(error.stage)}): {shown(error.message)}")
    where = destinations_line(result, catalog)
    if where:
        console.print(escape(where))
    hint = login_hint(result, catalog)
    if hint:
        console.print(f"[bold]{escape(hint)}[/]")


def shown(text: str) -> str:
    """Device data as rich shows it: never markup (`[/]` in a model name), never a terminal escape."""
    return escape(plain(text))
