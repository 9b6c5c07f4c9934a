"""A CSV inventory: its bytes decoded (UTF-8 with or without a byte-order mark, UTF-16 with one, else GB18030) and
split into rows of cells by the csv module.

Why GB18030: Excel on a Chinese Windows saves "CSV (comma delimited)" in the ANSI code page, GBK, which GB18030
extends. A file that is valid UTF-8 is read as UTF-8 first: ASCII-only and UTF-8 files never reach GB18030. Bytes that
are neither are one line naming the row; a file in another single-byte code page (Windows-1252) can still decode as
GB18030 with wrong letters in its text cells, which is why the report names the encoding used.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

from scanner.declared.records import InventoryError

Row = tuple[int, tuple[str, ...]]  # the row number as a spreadsheet shows it (the header is row 1), and its cells
_DELIMITERS = (
    ",",
    ";",
    "\t",
)  # comma; semicolon (Excel where the decimal mark is a comma); tab (Excel's "Unicode text")
_SAVE_AS = "save it from the spreadsheet as 'CSV UTF-8' and try again"


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and the name of the encoding it was read with."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return _strict(data[len(bom) :], encoding, name), encoding + " (BOM)"
    if b"\x00" in data:
        raise InventoryError(
            f"{name}: holds NUL bytes, so it is not a text CSV (UTF-16 without a byte-order mark?): {_SAVE_AS}"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _strict(data, "gb18030", name, also="UTF-8"), "gb18030"


def _strict(data: bytes, encoding: str, name: str, also: str = "") -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        what = f"{also} or {encoding.upper()}" if also else encoding.upper()
        raise InventoryError(
            f"{name}: row {row}: byte 0x{data[exc.start]:02x} is not {what} text (wrong encoding): {_SAVE_AS}"
        ) from None


def delimiter(text: str) -> str:
    """The delimiter of the first non-empty line: the most frequent of comma, semicolon and tab (comma on a tie)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: (counts[d], d == ","))


def csv_rows(text: str, name: str, max_rows: int, max_columns: int) -> Iterator[Row]:
    """The rows of a CSV text, numbered as a spreadsheet numbers them; at most `max_rows` (then one line)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if number > max_rows:
                raise InventoryError(f"{name}: more than {max_rows} rows: not an inventory camaudit reads")
            yield number, tuple(cells[:max_columns])
    except csv.Error as exc:
        raise InventoryError(f"{name}: row {number + 1}: not readable as CSV ({exc})") from None
