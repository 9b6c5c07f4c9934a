"""Inventory files made for the tests: CSV text in any encoding, and real XLSX workbooks written by openpyxl."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

EN = ["address", "MAC", "serial", "maker", "model", "location", "face use"]
ZH = ["IP地址", "MAC地址", "序列号", "厂商", "型号", "安装位置", "人脸功能"]


def csv_bytes(rows: Sequence[Sequence[object]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], title: str = "Inventory", leading_empty: int = 0) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for number, row in enumerate(rows, start=1 + leading_empty):
        for column, value in enumerate(row, start=1):
            if value is not None and value != "":
                sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
