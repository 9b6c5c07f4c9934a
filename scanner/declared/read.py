"""Reading an inventory file into a Declaration: bounded, the kind told by its bytes, the header row found, every
cell checked; every mistake is one line naming the file, the row and the column."""

from __future__ import annotations

import codecs
import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

from scanner.declared.columns import IDENTIFIERS, Columns, columns
from scanner.declared.records import Declaration, DeclaredRow, InventoryError
from scanner.declared.text import Row, csv_rows, decode
from scanner.declared.xlsx import xlsx_rows

MAX_BYTES = 8 << 20  # ten thousand cameras take about 2 MiB
MAX_ROWS = 20_000
MAX_COLUMNS = 200  # columns further right are not read
MAX_CELL = 500  # characters, in the columns camaudit reads
HEADER_WITHIN = 10  # the header is one of the first non-empty rows (a title row may come first)
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAC = re.compile(r"[0-9a-f]{2}(?:([:-]?)[0-9a-f]{2})(?:\1[0-9a-f]{2}){4}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def read_declared(path: Path) -> Declaration:
    """The inventory in `path` (CSV or XLSX, told by its bytes, not its name); InventoryError on any mistake."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InventoryError(f"cannot read the inventory {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise InventoryError(f"{path.name}: larger than {MAX_BYTES >> 20} MiB: not an inventory camaudit reads")
    return parse_declared(data, path.name)


def parse_declared(data: bytes, name: str) -> Declaration:
    """The inventory in `data`, a file called `name` (for messages)."""
    if not data.replace(codecs.BOM_UTF8, b"").strip():
        raise InventoryError(f"{name}: the file is empty")
    if data.startswith(_OLE):
        raise InventoryError(f"{name}: an old Excel .xls workbook: save it as .xlsx or as 'CSV UTF-8' and try again")
    if data.startswith(_ZIP):
        kind, (detail, rows) = "xlsx", xlsx_rows(data, name, MAX_ROWS, MAX_COLUMNS)
    else:
        kind, (text, detail) = "csv", decode(data, name)
        rows = list(csv_rows(text, name, MAX_ROWS, MAX_COLUMNS))
    rows = [(number, tuple(_clean(c) for c in cells)) for number, cells in rows]
    vocabulary = columns()
    header_row, where = _header(rows, name, vocabulary)
    headers = next(cells for number, cells in rows if number == header_row)
    declared = tuple(
        _row(number, cells, where, headers, name, vocabulary)
        for number, cells in rows
        if number > header_row and any(_cell(cells, i) for i in where.values())
    )
    if not declared:
        raise InventoryError(f"{name}: no rows under the header (row {header_row}): nothing is declared")
    sha = hashlib.sha256(data).hexdigest()
    return Declaration(name, sha, kind, detail, column_letter(where["face_use"]), declared, original=data)


def _clean(cell: str) -> str:
    """A cell without control characters (terminal escapes, bidirectional overrides) and outer spaces."""
    return _CONTROL.sub(" ", cell).strip()


def _cell(cells: tuple[str, ...], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def column_letter(index: int) -> str:
    """A zero-based column index as a spreadsheet names it: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header(rows: Iterable[Row], name: str, vocabulary: Columns) -> tuple[int, dict[str, int]]:
    """The header's row number and, per column key, its index; one line when no row or a wrong row is a header."""
    seen = 0
    for number, cells in rows:
        if not any(cells):
            continue
        seen += 1
        where: dict[str, int] = {}
        for index, text in enumerate(cells):
            key = vocabulary.column_of(text) if text else None
            if key is None:
                continue
            if key in where:
                first, second = column_letter(where[key]), column_letter(index)
                raise InventoryError(
                    f"{name}: row {number}: columns {first} and {second} both name the {key}; keep one"
                )
            where[key] = index
        if len(where) >= 2:
            return number, _complete(where, number, name, vocabulary)
        if seen >= HEADER_WITHIN:
            break
    raise InventoryError(
        f"{name}: no header row: none of the first {HEADER_WITHIN} rows names two known columns "
        f"({', '.join(vocabulary.templates['en'])}); see camaudit reconcile --template"
    )


def _complete(where: dict[str, int], number: int, name: str, vocabulary: Columns) -> dict[str, int]:
    if "face_use" not in where:
        en, zh = (vocabulary.templates[lang][-1] for lang in ("en", "zh"))
        raise InventoryError(
            f"{name}: row {number}: no column for the declared face use (a header such as {en!r} or {zh!r})"
        )
    if not any(key in where for key in IDENTIFIERS):
        raise InventoryError(
            f"{name}: row {number}: no address, MAC or serial column: a device cannot be found without one"
        )
    return where


def _row(
    number: int,
    cells: tuple[str, ...],
    where: Mapping[str, int],
    headers: tuple[str, ...],
    name: str,
    vocabulary: Columns,
) -> DeclaredRow:
    """One declared row, each cell checked; InventoryError naming the row and column of the first mistake."""
    values: dict[str, str | None] = {}
    for key, index in where.items():
        text = _cell(cells, index)
        place = f"{name}: row {number}, column {column_letter(index)} ({_cell(headers, index)})"
        if len(text) > MAX_CELL:
            raise InventoryError(f"{place}: longer than {MAX_CELL} characters")
        try:
            values[key] = _parse(key, text) if text else None
        except ValueError as exc:
            raise InventoryError(f"{place}: {exc}") from None
    if not any(values.get(key) for key in IDENTIFIERS):
        raise InventoryError(f"{name}: row {number}: no address, MAC or serial: the device cannot be found without one")
    face_text = values.pop("face_use", None) or ""
    return DeclaredRow(row=number, face_use=vocabulary.face_use_of(face_text), face_text=face_text, **values)


def _parse(key: str, text: str) -> str:
    if key == "address":
        return parse_address(text)
    if key == "mac":
        return parse_mac(text)
    return text


def parse_address(text: str) -> str:
    """An IPv4 or IPv6 address, canonical (a `:port` after IPv4 is dropped); ValueError otherwise."""
    plain = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"[\d.]+:\d{1,5}", plain):
        plain = plain.rsplit(":", 1)[0]
    try:
        address = ipaddress.ip_address(plain.strip("[]"))
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address (host names are not looked up)") from None
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return str(mapped or address)


def parse_mac(text: str) -> str:
    """A MAC address as aa:bb:cc:dd:ee:ff (from colons, hyphens, Cisco dots or bare hex); ValueError otherwise."""
    plain = unicodedata.normalize("NFKC", text).strip().lower()
    if not _MAC.fullmatch(plain):
        raise ValueError(f"{text!r} is not a MAC address (six hex pairs, such as 44:19:b6:3a:5c:11)")
    digits = re.sub(r"[^0-9a-f]", "", plain)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
