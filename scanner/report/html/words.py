"""How the HTML report writes: every word from the catalogue and escaped, every datum escaped and marked as data."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from scanner.model import Channel, DeviceReport, NotChecked
from scanner.report.i18n import Catalog


def t(catalog: Catalog, key: str, **markup: object) -> str:
    """A translated message, escaped; `markup` values are already-safe HTML put into its placeholders."""
    return escape(catalog.t(key)).format_map(markup) if markup else escape(catalog.t(key))


def data(value: object, tag: str = "span") -> str:
    """A value from the device or the scan: shown as is, escaped, and marked so it is never mistaken for prose."""
    return f'<{tag} class="data">{escape("" if value is None else str(value))}</{tag}>'


def join(catalog: Catalog, items: Sequence[str]) -> str:
    """Already-safe HTML items joined with the language's list separator."""
    return escape(catalog.t("list.separator")).join(items)


def term(catalog: Catalog, prefix: str, value: object) -> str:
    """The translation of a known token (protocol, discovery method...), or the token itself as data."""
    key = f"{prefix}.{value}"
    return t(catalog, key) if catalog.has(key) else data(value)


def reason(catalog: Catalog, note: NotChecked) -> str:
    """A not_checked entry's reason in the catalogue's words, with its detail shown as data."""
    key = f"reason.{note.reason}"
    if "{detail}" in catalog.t(key):
        return t(catalog, key, detail=data(note.detail))
    return t(catalog, key) + (f" ({data(note.detail)})" if note.detail else "")


def check(catalog: Catalog, check_id: str) -> str:
    """A check id in words: the longest known dotted prefix (`onvif.analytics.rules` -> `onvif.analytics`)."""
    parts = check_id.partition("@")[0].split(".")
    for end in range(len(parts), 0, -1):
        key = "check." + ".".join(parts[:end])
        if catalog.has(key):
            return f"{t(catalog, key)} {data(check_id, 'code')}"
    return t(catalog, "check.other", check=data(check_id, "code"))


def channel(catalog: Catalog, found: Channel) -> str:
    """A channel and, where the device lists it, the camera behind it (name, address, model, serial)."""
    behind = [data(v) for v in (found.name, found.address, found.model, found.serial) if v]
    label = t(catalog, "findings.channel", channel=data(found.id))
    return label + (f"{t(catalog, 'list.colon')}{join(catalog, behind)}" if behind else "")


def anchor(device: DeviceReport) -> str:
    """The id of a device's card (escaped for an attribute), so other sections can link to it."""
    return escape(f"device-{device.address}")
