"""Reading an inventory: CSV (UTF-8 with or without BOM, GB18030, UTF-16), XLSX, English and Chinese headers, the
face-use words; and every malformed file as one line naming the row and column, never a traceback."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from scanner.declared.columns import columns
from scanner.declared.read import MAX_BYTES, parse_declared, read_declared
from scanner.declared.records import FaceUse, InventoryError
from tests.declared.files import EN, ZH, csv_bytes, xlsx_bytes

ROWS = [
    [
        "10.0.0.5",
        "44-19-B6-3A-5C-11",
        "DS-2CD2143G2-I20220315AAWRG98765432",
        "海康威视",
        "DS-2CD2143G2-I",
        "大堂",
        "无",
    ],
    ["10.0.0.6", "", "7G0A1B2PAZ3C4D5", "Dahua", "IPC-HFW5442E-ZE", "Main gate", "face recognition"],
    ["", "3c:ef:8c:5a:0e:13", "", "", "", "", ""],
]


def _read(data: bytes, name: str = "inventory.csv"):
    return parse_declared(data, name)


@pytest.mark.parametrize("headers", [EN, ZH], ids=["en", "zh"])
@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("utf-8", lambda rows: csv_bytes(rows)),
        ("utf-8 (BOM)", lambda rows: b"\xef\xbb\xbf" + csv_bytes(rows)),
        ("gb18030", lambda rows: csv_bytes(rows, "gb18030")),
        ("utf-16-le (BOM)", lambda rows: "\ufeff".encode("utf-16-le") + csv_bytes(rows, "utf-16-le", "\t")),
        ("Inventory", lambda rows: xlsx_bytes(rows)),
    ],
)
def test_every_form_reads_the_same_rows(headers, kind, make):
    declared = _read(make([headers, *ROWS]))
    assert declared.detail == kind
    assert declared.kind == ("xlsx" if kind == "Inventory" else "csv")
    assert declared.face_column == "G"
    first, second, third = declared.rows
    assert (first.row, first.address, first.mac, first.maker, first.face_use) == (
        2, "10.0.0.5", "44:19:b6:3a:5c:11", "海康威视", FaceUse.NONE,
    )  # fmt: skip
    assert (second.serial, second.location, second.face_use) == ("7G0A1B2PAZ3C4D5", "Main gate", FaceUse.RECOGNITION)
    assert (third.row, third.mac, third.face_use, third.face_text) == (4, "3c:ef:8c:5a:0e:13", None, "")


def test_a_title_row_and_other_columns_are_passed_over():
    rows = [
        ["摄像头台账 2026"],
        [],
        ["序号", "设备IP", "序列号(Serial No.)", "备注", "人脸用途"],
        [1, "10.0.0.9", "X1", "", "人脸抓拍"],
    ]
    declared = _read(csv_bytes(rows))
    (row,) = declared.rows
    assert (row.row, row.address, row.serial, row.face_use) == (4, "10.0.0.9", "X1", FaceUse.CAPTURE)
    assert declared.face_column == "E"


def test_a_totals_row_with_nothing_in_the_known_columns_is_skipped():
    declared = _read(
        csv_bytes([["No.", *EN], [1, "10.0.0.9", "", "", "", "", "", "none"], ["合计", "", "", "", "", "", "", ""]])
    )
    assert [r.row for r in declared.rows] == [2]


def test_semicolons_as_excel_writes_them_where_the_decimal_mark_is_a_comma():
    declared = _read(csv_bytes([EN, ["10.0.0.9", "", "S-1", "Axis", "P3265", "Hall, east", "none"]], delimiter=";"))
    assert declared.rows[0].location == "Hall, east"


def test_xlsx_numbers_dates_and_leading_empty_rows():
    rows = [EN, ["10.0.0.9", None, 192168000000001, "Reolink", "RLC-822A", "Garden", "none"]]
    declared = _read(xlsx_bytes(rows, leading_empty=2), "inventory.xlsx")
    assert (declared.rows[0].row, declared.rows[0].serial) == (4, "192168000000001")


def test_the_kind_is_told_by_the_bytes_not_the_name():
    assert _read(xlsx_bytes([EN, ROWS[0]]), "inventory.csv").kind == "xlsx"
    assert _read(csv_bytes([EN, ROWS[0]]), "inventory.xlsx").kind == "csv"


def test_control_characters_are_removed_from_cells():
    rows = [EN, ["10.0.0.9", "", "S1", "\x1b[31mEvil\x1b[0m", "M\u202eX", "a\nb", "none"]]
    row = _read(csv_bytes(rows)).rows[0]
    assert "\x1b" not in row.maker and "\u202e" not in row.model and "\n" not in row.location


def test_the_file_is_kept_with_its_hash(tmp_path):
    data = csv_bytes([EN, ROWS[0]])
    path = tmp_path / "inventory.csv"
    path.write_bytes(data)
    declared = read_declared(path)
    assert declared.original == data and len(declared.sha256) == 64 and declared.source == "inventory.csv"


@pytest.mark.parametrize(
    ("text", "use"),
    [
        ("无", FaceUse.NONE),
        ("None", FaceUse.NONE),
        ("-", FaceUse.NONE),
        ("否", FaceUse.NONE),
        ("人脸检测", FaceUse.DETECTION),
        ("Face Detection only", FaceUse.DETECTION),
        ("人脸抓拍", FaceUse.CAPTURE),
        ("face capture and recognition", FaceUse.RECOGNITION),
        ("人脸识别门禁", FaceUse.RECOGNITION),
        ("ＦＡＣＥ ＲＥＣＯＧＮＩＴＩＯＮ", FaceUse.RECOGNITION),  # full-width, as Chinese input methods type it
        ("不启用人脸识别", None),  # a negation: never guessed
        ("recognition switched off", None),
        ("yes", None),  # which function?
        ("是", None),
        ("", None),
    ],
)
def test_face_use_words(text, use):
    assert columns().face_use_of(text) == use


def test_unreadable_face_use_is_kept_to_be_reported():
    row = _read(csv_bytes([EN, ["10.0.0.9", "", "", "", "", "", "有时开启"]])).rows[0]
    assert row.face_use is None and row.face_text == "有时开启" and row.unmapped


# ---- malformed files: one line each, naming the row and column where there is one


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "inventory.csv: the file is empty"),
        (b"\xef\xbb\xbf\r\n  \r\n", "inventory.csv: the file is empty"),
        (
            csv_bytes([["address", "serial", "maker"], ["10.0.0.5", "S1", "Axis"]]),
            "inventory.csv: row 1: no column for the declared face use (a header such as 'face use' or '人脸功能')",
        ),
        (
            csv_bytes([["maker", "model", "face use"], ["Axis", "P1", "none"]]),
            "inventory.csv: row 1: no address, MAC or serial column: a device cannot be found without one",
        ),
        (
            csv_bytes([EN, ["10.0.0.5", "00:11:22:33:44", "S1", "", "", "", "none"]]),
            "inventory.csv: row 2, column B (MAC): '00:11:22:33:44' is not a MAC address",
        ),
        (
            csv_bytes([ZH, ["10.0.0.5", "00:11:22:33:44:GG", "S1", "", "", "", "无"]]),
            "inventory.csv: row 2, column B (MAC地址): '00:11:22:33:44:GG' is not a MAC address",
        ),
        (
            csv_bytes([EN, ["10.0.0.300", "", "S1", "", "", "", "none"]]),
            "inventory.csv: row 2, column A (address): '10.0.0.300' is not an IP address",
        ),
        (
            csv_bytes([EN, ["cam-7.example", "", "", "", "", "", "none"]]),
            "inventory.csv: row 2, column A (address): 'cam-7.example' is not an IP address (host names are not",
        ),
        (
            csv_bytes([EN, ["", "", "", "Axis", "P1", "Hall", "none"]]),
            "inventory.csv: row 2: no address, MAC or serial: the device cannot be found without one",
        ),
        (csv_bytes([EN]), "inventory.csv: no rows under the header (row 1): nothing is declared"),
        (csv_bytes([["a", "b"], ["1", "2"]]), "inventory.csv: no header row"),
        (
            csv_bytes([["serial", "SN", "face use"], ["A", "B", "none"]]),
            "inventory.csv: row 1: columns A and B both name the serial; keep one",
        ),
        (
            csv_bytes([EN, ["10.0.0.5", "", "S" * 600, "", "", "", "none"]]),
            "inventory.csv: row 2, column C (serial): longer than 500 characters",
        ),
        # Latin-1 bytes are neither UTF-8 nor GB18030: 0xe9 followed by a space
        (
            "address,serial,face use\r\n10.0.0.5,S1,caf\xe9 \r\n".encode("latin-1"),
            "inventory.csv: row 2: byte 0xe9 is not UTF-8 or GB18030 text (wrong encoding)",
        ),
        (
            "address,serial,face use\r\n".encode("utf-16-le"),
            "inventory.csv: holds NUL bytes, so it is not a text CSV",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "inventory.csv: an old Excel .xls workbook"),
        (b"PK\x03\x04garbage", "inventory.csv: not a readable XLSX workbook"),
    ],
)
def test_malformed_files_are_one_line(data, message):
    with pytest.raises(InventoryError) as caught:
        _read(data)
    text = str(caught.value)
    assert text.startswith(message) and "\n" not in text
    assert caught.value.__cause__ is None and (caught.value.__context__ is None or caught.value.__suppress_context__)


def test_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(InventoryError, match=r"^inventory.xlsx: not a readable XLSX workbook \("):
        _read(out.getvalue(), "inventory.xlsx")


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 << 20))
    assert len(out.getvalue()) < 1 << 20
    with pytest.raises(InventoryError, match="unpacks to more than camaudit reads"):
        _read(out.getvalue(), "inventory.xlsx")


def test_a_huge_or_missing_file(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"a" * (MAX_BYTES + 1))
    with pytest.raises(InventoryError, match="larger than 8 MiB"):
        read_declared(big)
    with pytest.raises(InventoryError, match="cannot read the inventory .*missing.csv"):
        read_declared(tmp_path / "missing.csv")
    with pytest.raises(InventoryError, match="cannot read the inventory"):
        read_declared(tmp_path)


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr("scanner.declared.read.MAX_ROWS", 5)
    rows = [EN] + [[f"10.0.0.{n}", "", "", "", "", "", "none"] for n in range(1, 10)]
    with pytest.raises(InventoryError, match="more than 5 rows"):
        _read(csv_bytes(rows))
    with pytest.raises(InventoryError, match="more than 5 rows"):
        _read(xlsx_bytes(rows), "inventory.xlsx")


def test_the_packaged_vocabulary_and_template_agree():
    from scanner.declared.template import template_text

    assert template_text("en").strip() == ",".join(EN)
    assert template_text("zh").strip() == ",".join(ZH)
    for lang_headers in (EN, ZH):
        assert [columns().column_of(h) for h in lang_headers] == list(
            ("address", "mac", "serial", "maker", "model", "location", "face_use")
        )


def test_a_shipped_file_path_is_accepted(tmp_path):
    path = Path(tmp_path / "x.csv")
    path.write_text("address,face use\n10.0.0.1,none\n", encoding="utf-8")
    assert read_declared(path).rows[0].address == "10.0.0.1"
