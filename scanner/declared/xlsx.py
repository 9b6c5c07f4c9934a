"""An XLSX inventory through openpyxl (the only importer of it), read-only: the first sheet's rows as text cells.

The workbook is hostile input: its ZIP directory is checked first (members, their unpacked size, their ratio), so a
ZIP bomb is refused before openpyxl inflates anything; openpyxl parses the sheets with defusedxml or lxml without
entity resolution, reads no external links and evaluates no formula (the values Excel last saved are read).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import date, datetime, time

from scanner.declared.records import InventoryError
from scanner.declared.text import Row

MAX_MEMBERS = 2000
MAX_UNPACKED = 32 << 20  # every member together, inflated (a 20,000-row inventory is a few MiB)
MAX_RATIO = 200  # inflated / compressed, per member of more than 1 MiB


def xlsx_rows(data: bytes, name: str, max_rows: int, max_columns: int) -> tuple[str, list[Row]]:
    """The first worksheet's name and rows (numbered as Excel numbers them), at most `max_rows` of them."""
    _check_zip(data, name)
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            try:
                sheet = book.worksheets[0]
                rows = [
                    (number, tuple(cell_text(v) for v in values))
                    for number, values in enumerate(
                        sheet.iter_rows(max_row=max_rows + 1, max_col=max_columns, values_only=True), start=1
                    )
                ]
                title = str(sheet.title)
            finally:
                book.close()
    except InventoryError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook: each becomes one line here
        raise InventoryError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})"[:300]) from None
    if len(rows) > max_rows and any(rows[-1][1]):
        raise InventoryError(f"{name}: more than {max_rows} rows: not an inventory camaudit reads")
    return title, rows[:max_rows]


def _check_zip(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InventoryError(f"{name}: not a readable XLSX workbook (a broken ZIP: {exc})") from None
    unpacked = sum(m.file_size for m in members)
    bomb = any(m.file_size > 1 << 20 and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED or bomb:
        raise InventoryError(f"{name}: the workbook unpacks to more than camaudit reads ({unpacked} bytes): refused")


def cell_text(value: object) -> str:
    """A cell's value as the text a person sees: whole numbers without `.0`, dates as ISO 8601, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # serial numbers typed as numbers
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
