"""The premises' "where face data goes": a flow diagram (plain SVG, generated from the report's records) from the
devices whose settings send face data, to the receivers on the premises, to those outside; then every route in words.

The diagram has one node per device with a destination and one per distinct destination (several devices sending to
one platform meet at one node). Every text in it comes from a device and is escaped; shapes and dashes carry the
class as well as colours do, so it reads in black and white on paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from scanner.model import Destination, DeviceReport, ScanResult
from scanner.report.html.routes import lines, where
from scanner.report.html.story import device_title
from scanner.report.html.words import anchor, t
from scanner.report.i18n import Catalog
from scanner.vocabulary import Place

WIDTH, BOX_W, BOX_H, GAP, TOP, LANE = 1000, 250, 46, 14, 44, 16
COLUMNS = (10, 375, 740)  # x of sources, of receivers on the premises or private networks, of receivers outside
OUTSIDE = frozenset({Place.INTERNET, Place.VENDOR_CLOUD, Place.UNRESOLVED})
MAX_LABEL = 36


@dataclass(frozen=True)
class Node:
    key: str  # `device:<address>` or `destination:<kind> <where>`
    column: int
    title: str  # plain text, escaped when drawn
    subtitle: str
    css: str


def destination_key(d: Destination) -> str:
    return f"destination:{d.kind} {where(d)}"


def nodes_and_edges(result: ScanResult, catalog: Catalog) -> tuple[list[Node], list[tuple[str, str, str]]]:
    """The diagram's nodes (sources first, then receivers in order of appearance) and edges (from, to, label)."""
    devices = {d.address: d for d in result.devices}
    sources = [d for d in result.devices if d.destinations]
    nodes = [Node(f"device:{d.address}", 0, _plain(catalog, d), d.address, "source") for d in sources]
    edges: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for device in sources:
        for dest in device.destinations:
            key = destination_key(dest)
            if key not in seen:
                seen.add(key)
                nodes.append(_receiver(catalog, key, dest, devices))
            methods = ", ".join(dict.fromkeys(r.method for r in dest.routes)) or catalog.t("flow.registered")
            edges.append((f"device:{device.address}", key, methods))
    return nodes, list(dict.fromkeys(edges))


def _receiver(catalog: Catalog, key: str, dest: Destination, devices: dict[str, DeviceReport]) -> Node:
    found = devices.get(dest.device or "")
    kind = catalog.t(f"destination_kind.{dest.kind}")
    title = f"{kind}: {_plain(catalog, found)}" if found is not None else kind
    place = dest.place or Place.UNRESOLVED
    column = 2 if place in OUTSIDE else 1
    return Node(key, column, title, f"{where(dest)} · {catalog.t(f'place.{place}')}", f"place-{place}")


def _plain(catalog: Catalog, device: DeviceReport) -> str:
    ident = device.identity
    return " ".join(v for v in (ident.vendor, ident.model) if v) or catalog.t(f"role_short.{device.role}")


def svg(nodes: list[Node], edges: list[tuple[str, str, str]], catalog: Catalog) -> str:
    """The diagram: three titled columns of boxes, the outside column starting below the middle one. Each edge
    leaves its source at its own height, labelled there; an edge to the outside turns down in its own lane before
    the middle column and runs below it, so no line crosses a box."""
    leaving = {n.key: [e for e in edges if e[0] == n.key] for n in nodes if n.column == 0}
    heights = {n.key: max(BOX_H, LANE * len(leaving.get(n.key, ())) + 14) for n in nodes}
    bottom = [TOP, TOP, TOP]
    at: dict[str, tuple[int, int]] = {}
    for node in sorted(nodes, key=lambda n: n.column):
        if node.column == 2 and bottom[2] == TOP:
            bottom[2] = bottom[1]  # the outside starts below the premises: edges reach it under them
        at[node.key] = (COLUMNS[node.column], bottom[node.column])
        bottom[node.column] += heights[node.key] + GAP
    heads = "".join(
        f'<text class="flow-column" x="{x + BOX_W / 2}" y="20" text-anchor="middle">{escape(catalog.t(key))}</text>'
        for x, key in zip(COLUMNS, ("flow.column.sources", "flow.column.inside", "flow.column.outside"), strict=True)
    )
    column = {n.key: n.column for n in nodes}
    drawn, lane = [], 0
    for source, out in leaving.items():
        x, y = at[source]
        out.sort(key=lambda e: (column[e[1]], at[e[1]][1]))  # nearest receivers first: fewer crossings
        for i, (_, target, label) in enumerate(out):
            start = (x + BOX_W, y + 14 + LANE * i + LANE // 2)
            end = (at[target][0], at[target][1] + BOX_H // 2)
            turn = None
            if column[target] == 2:
                turn, lane = COLUMNS[1] - 12 - 7 * (lane % 12), lane + 1
            drawn.append(_edge(start, end, label, turn))
    boxes = "".join(_box(node, *at[node.key], heights[node.key]) for node in nodes)
    title = escape(catalog.t("flow.svg_title"))
    return (
        f'<svg class="flow" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {max(bottom)}" role="img" '
        f'aria-label="{title}"><title>{title}</title>{heads}<g class="flow-edges">{"".join(drawn)}</g>{boxes}</svg>'
    )


def _edge(start: tuple[int, int], end: tuple[int, int], label: str, turn: int | None) -> str:
    """A curve to a neighbouring column, or right angles (down at `turn`, then along) to the far one."""
    (x1, y1), (x2, y2) = start, end
    if turn is None:
        mid = (x1 + x2) / 2
        path = f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2 - 8},{y2}"
    else:
        path = f"M{x1},{y1} H{turn} V{y2} H{x2 - 8}"
    arrow = f"M{x2 - 8},{y2 - 5} L{x2},{y2} L{x2 - 8},{y2 + 5} Z"
    return (
        f'<g class="flow-edge"><path class="flow-halo" d="{path}"/><path class="flow-line" d="{path}"/>'
        f'<path class="flow-arrow" d="{arrow}"/>'
        f'<text class="flow-label" x="{x1 + 6}" y="{y1 - 3}">{escape(_cut(label, 14))}</text></g>'
    )


def _box(node: Node, x: int, y: int, height: int) -> str:
    role = "source" if node.column == 0 else "destination"
    return (
        f'<g class="flow-node {role} {escape(node.css)}" data-node="{escape(node.key)}">'
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{height}" rx="6"/>'
        f'<text x="{x + 10}" y="{y + 19}" class="flow-title">{escape(_cut(node.title))}</text>'
        f'<text x="{x + 10}" y="{y + 37}" class="flow-sub">{escape(_cut(node.subtitle))}</text></g>'
    )


def _cut(text: str, most: int = MAX_LABEL) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def flow(result: ScanResult, catalog: Catalog) -> str:
    """The premises-level section; empty when no device's settings send face data anywhere camaudit read."""
    sending = [d for d in result.devices if d.destinations]
    if not sending:
        return ""
    nodes, edges = nodes_and_edges(result, catalog)
    devices = {d.address: d for d in result.devices}
    rows = "".join(
        f'<tr><td><a href="#{anchor(d)}">{device_title(catalog, d)}</a></td>'
        f"<td>{'<br>'.join(line for dest in d.destinations for line in lines(catalog, dest, devices))}</td></tr>"
        for d in sending
    )
    head = f"<tr><th>{t(catalog, 'flow.table.device')}</th><th>{t(catalog, 'flow.table.routes')}</th></tr>"
    return (
        f'<section id="flow" class="flow-section"><h2>{t(catalog, "flow.heading")}</h2>'
        f'<p class="intro">{t(catalog, "flow.intro")}</p><figure class="flow-figure">{svg(nodes, edges, catalog)}'
        f"<figcaption>{t(catalog, 'flow.legend')}</figcaption></figure>"
        f'<table class="flow-table">{head}{rows}</table></section>'
    )
