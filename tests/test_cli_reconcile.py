"""`camaudit reconcile` and `scan --declared` through main: formats, exit codes, the template, the history and the
bundle; a malformed inventory is one line and exit 2, before any traffic."""

from __future__ import annotations

import json

import pytest

from scanner.cli.main import main
from scanner.report.json_report import from_dict
from tests.declared.files import EN, ZH, csv_bytes, xlsx_bytes
from tests.report.sample import report_with, sample_report

# Against the sample scan: row 2 (Dahua, face capture set up) declared none, the capable ONVIF camera at .12 left
# out, row 8 absent; the rest as found.
ROWS = [
    ["127.77.0.10", "", "DS-HIK-0001", "Hikvision", "DS-2CD7A26G0/P-IZHS", "Lobby", "人脸识别"],
    ["127.77.0.31", "", "DH-0002", "Dahua", "IPC-HFW5442", "Gate", "none"],
    ["127.77.0.13", "", "ACCC8E000013", "Axis", "P3245-LVE", "Hall", "none"],
    ["127.77.0.14", "", "", "", "", "Stairs", "none"],
    ["127.77.0.20", "", "", "HP", "LaserJet 400", "Office", "none"],
    ["127.77.0.60", "", "GONE-1", "Uniview", "IPC3612", "Car park", "none"],
]


@pytest.fixture
def scan_file(tmp_path):
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(sample_report()), encoding="utf-8")
    return path


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "inventory.csv"
    path.write_bytes(csv_bytes([EN, *ROWS]))
    return path


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("camaudit: error:") and "\n" not in err and "Traceback" not in err, err
    return err


def test_the_table_names_the_four_results_and_exits_1(scan_file, inventory, capsys):
    assert main(["reconcile", str(scan_file), "--declared", str(inventory), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "Face use was found that the operator did not declare." in out
    assert "row 3, Dahua 人脸抓拍机 IPC-HFW5442 at 127.77.0.11: Face capture found, declared none" in out
    assert "ONVIF generic Profile T camera at 127.77.0.12: Capable" in out
    assert "row 7, Uniview IPC3612 at 127.77.0.60: nothing answered at its declared address 127.77.0.60" in out
    assert "row 5, an unidentified device at 127.77.0.14: declared none; not checked: needs a login" in out
    assert "declared at 127.77.0.31, found at 127.77.0.11 (same serial number)" in out


def test_json_and_chinese_headers_from_a_workbook(scan_file, tmp_path, capsys):
    book = tmp_path / "清单.xlsx"
    book.write_bytes(xlsx_bytes([ZH, *ROWS]))
    assert main(["reconcile", str(scan_file), "--declared", str(book), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [(e["row"], e["address"]) for e in data["undeclared_face"]] == [(3, "127.77.0.11")]
    assert [e["address"] for e in data["undeclared_devices"]] == ["127.77.0.12"]
    assert [(e["row"], e["why"]) for e in data["declared_not_found"]] == [(7, "no_answer")]
    assert [(e["row"], e["address"]) for e in data["unconfirmed"]] == [(5, "127.77.0.14")]
    assert data["declared"]["format"] == "xlsx" and data["declared"]["source"] == "清单.xlsx"


def test_nothing_undeclared_with_faces_exits_0(tmp_path, capsys):
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(report_with(*[d for d in sample_report()["devices"] if d["address"] == "127.77.0.13"])))
    inv = tmp_path / "inv.csv"
    inv.write_bytes(csv_bytes([EN, ROWS[2]]))
    assert main(["reconcile", str(scan), "--declared", str(inv), "--lang", "zh"]) == 0
    assert "所有已申报设备均被发现" in capsys.readouterr().out


def test_html_with_the_section(scan_file, inventory, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["reconcile", str(scan_file), "--declared", str(inventory), "--format", "html", "-o", str(out)]) == 1
    assert 'id="declared"' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "inventory.csv: the file is empty"),
        (csv_bytes([["address", "serial"], ["127.77.0.10", "S"]]), "row 1: no column for the declared face use"),
        (csv_bytes([EN, ["127.77.0.10", "zz-zz", "", "", "", "", "none"]]), "row 2, column B (MAC): 'zz-zz'"),
        ("address,face use\n127.77.0.10,caf\xe9 \n".encode("latin-1"), "is not UTF-8 or GB18030 text"),
    ],
)
def test_a_malformed_inventory_is_one_line_and_exit_2(scan_file, tmp_path, capsys, content, message):
    bad = tmp_path / "inventory.csv"
    bad.write_bytes(content)
    assert main(["reconcile", str(scan_file), "--declared", str(bad)]) == 2
    assert message in _one_error_line(capsys)


def test_scan_reads_the_inventory_before_any_traffic(tmp_path, capsys, monkeypatch):
    def no_scan(*args, **kwargs):
        raise AssertionError("the scan started although the inventory is malformed")

    monkeypatch.setattr("scanner.pipeline.scan.run_scan", no_scan)
    bad = tmp_path / "inventory.csv"
    bad.write_bytes(csv_bytes([EN, ["not-an-ip", "", "", "", "", "", "none"]]))
    assert main(["scan", "127.0.0.1", "--declared", str(bad), "--no-progress", "--no-history"]) == 2
    assert "row 2, column A (address): 'not-an-ip' is not an IP address" in _one_error_line(capsys)


def test_the_history_keeps_the_inventory_for_a_later_visit(tmp_path, inventory, capsys):
    from scanner.store.history import History

    db = tmp_path / "h.db"
    with History(db) as history:
        first = history.add(from_dict(sample_report()))
        history.add(from_dict(sample_report()))
    assert main(["reconcile", "latest", "--db", str(db)]) == 2
    assert "has no inventory kept with it: pass --declared FILE" in _one_error_line(capsys)
    assert main(["reconcile", str(first), "--declared", str(inventory), "--db", str(db), "--format", "json"]) == 1
    assert f"Inventory kept with scan {first}" in capsys.readouterr().err
    inventory.unlink()  # the later visit needs no file
    assert main(["reconcile", "latest", "--declared-from", str(first), "--db", str(db), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["declared"]["source"] == "inventory.csv"
    assert main(["reconcile", str(first), "--db", str(db), "--format", "json"]) == 1  # its own, kept
    assert main(["reconcile", "latest", "--declared-from", "latest", "--db", str(db)]) == 2
    assert "has no inventory kept with it" in _one_error_line(capsys)


def test_a_bundle_is_verified_and_its_copy_of_the_inventory_used(tmp_path, capsys):
    from scanner.report.bundle.params import bundle_params
    from scanner.report.bundle.write import write_bundle
    from tests.report.sample import sample_result

    result = sample_result()
    params = bundle_params(("127.77.0.0/24",), (80,), result, "d" * 64)
    bundle = tmp_path / "b"
    inventory = csv_bytes([EN, ["127.77.0.10", "", "DS-HIK-0001", "", "", "", "none"]])
    write_bundle(result, params, bundle, extra_files={"declared-inventory.csv": inventory})
    assert main(["reconcile", str(bundle), "--format", "json"]) in (0, 1)
    assert json.loads(capsys.readouterr().out)["declared"]["source"] == "declared-inventory.csv"
    (bundle / "declared-inventory.csv").write_bytes(inventory.replace(b"none", b"face recognition"))
    assert main(["reconcile", str(bundle)]) == 2
    assert "the bundle does not verify" in _one_error_line(capsys)


def test_the_template_and_the_demo_inventory_are_printed(tmp_path, capsys):
    assert main(["reconcile", "--template", "--lang", "zh"]) == 0
    assert capsys.readouterr().out == ",".join(ZH) + "\n"
    out = tmp_path / "template.csv"
    assert main(["reconcile", "--template", "--lang", "en", "-o", str(out)]) == 0
    assert out.read_bytes() == b"\xef\xbb\xbf" + (",".join(EN) + "\n").encode()
    assert main(["reconcile", "--demo-inventory", "--lang", "zh"]) == 0
    demo = capsys.readouterr().out
    assert demo.startswith(",".join(ZH) + "\n") and "iDS-2CD7146G0-IZS20210713AAWRF56781234" in demo


def test_reconcile_needs_a_scan_or_the_template(capsys):
    assert main(["reconcile"]) == 2
    assert "name a scan" in _one_error_line(capsys)
    with pytest.raises(SystemExit) as stop:
        main(["reconcile", "latest", "--declared", "x.csv", "--declared-from", "1"])
    assert stop.value.code == 2
