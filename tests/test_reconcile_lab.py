"""End to end on the demo premises: the shipped demo inventory (an omitted face camera, a face function declared as
none, a declared device that is absent, a device that moved address) gives exactly those results, from CSV and XLSX
with English and Chinese headers; `scan --declared` puts them in the console, the bundle and the history, and a later
`reconcile` reads them back from either.

Every other device of the premises is declared as it is; those whose face use the lab itself says cannot be judged
(its answer key: `unknown`) are the unconfirmed ones, whatever their row declares."""

from __future__ import annotations

import contextlib
import io
import json
from importlib import resources

import pytest

from scanner.cli.main import main
from scanner.declared.export import reconciliation_dict
from scanner.declared.read import parse_declared
from scanner.declared.reconcile import reconcile
from scanner.declared.template import with_headers
from scanner.lab import Lab
from scanner.report.json_report import read_report
from tests.declared.files import xlsx_bytes

pytestmark = pytest.mark.lab
NETWORK = "127.77.171.0/24"  # its own network: other lab tests may run at the same time
PREFIX = "127.77.171."
OMITTED, DECLARED_NONE, MOVED = "onvif-m-face", "dahua-fr", "hik-face"


def demo_inventory(lang: str) -> str:
    """The shipped inventory (written for 127.77.0.0/24) moved onto this test's network, headers in `lang`."""
    text = resources.files("scanner").joinpath("lab", "demo-inventory.csv").read_text(encoding="utf-8-sig")
    return with_headers(text.replace("127.77.0.", PREFIX), lang)


def as_file(text: str, kind: str) -> bytes:
    if kind == "csv":
        return text.encode("utf-8")
    import csv

    return xlsx_bytes(list(csv.reader(text.splitlines())))


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK) as running:
        yield running


@pytest.fixture(scope="module")
def visit(lab, tmp_path_factory):
    """One `camaudit scan --declared` of the premises (Chinese inventory and console): its exit code, its console,
    and the folder holding its JSON report, bundle and history."""
    root = tmp_path_factory.mktemp("visit")
    creds, inventory = root / "lab.toml", root / "inventory.csv"
    creds.write_text(lab.credentials_toml(), encoding="utf-8")
    inventory.write_text(demo_inventory("zh"), encoding="utf-8")
    argv = ["scan", lab.network, "--credentials", str(creds), "--declared", str(inventory), "--no-progress"]
    argv += ["--bundle", str(root / "bundle"), "--db", str(root / "h.db"), "-o", str(root / "report.json")]
    console = io.StringIO()
    with contextlib.redirect_stdout(console), contextlib.redirect_stderr(io.StringIO()):
        code = main([*argv, "--lang", "zh"])
    return code, console.getvalue(), root


@pytest.fixture(scope="module")
def expected(lab):
    at = {d.persona.id: d.address for d in lab.devices}
    unknown = {d.address for d in lab.devices if d.persona.expect.face_analytics == "unknown"} - {at[OMITTED]}
    return at, unknown


def _check_exactly(data: dict, at: dict, unknown: set) -> None:
    assert [e["address"] for e in data["undeclared_devices"]] == [at[OMITTED]]
    assert data["undeclared_devices"][0]["findings"], "the omitted camera comes with its evidence"
    assert data["undeclared_other_devices"] == []
    face = [(e["row"], e["address"], e["declared_face_use"], e["found_face_use"]) for e in data["undeclared_face"]]
    assert face == [(4, at[DECLARED_NONE], "none", "recognition")]
    missing = [(e["row"], e["declared_address"], e["why"]) for e in data["declared_not_found"]]
    assert missing == [(26, PREFIX + "60", "no_answer")]
    moved = [(e["row"], e["address"], e["matched_by"], e["moved_from"]) for e in data["matched"] if e["moved_from"]]
    assert moved == [(2, at[MOVED], "serial", PREFIX + "59")]
    assert {e["address"] for e in data["unconfirmed"]} == unknown
    assert data["ambiguous"] == [] and data["unmapped_face_use"] == []
    assert not any(e["model_differs"] for e in data["matched"])
    assert len(data["matched"]) == 36 and data["involves_faces"] is True


def test_scan_declared_then_reconcile_from_history_and_bundle(visit, expected, capsys):
    code, console, root = visit
    at, unknown = expected
    assert code == 1
    assert "申报与发现对照" in console and "发现人脸识别，申报为无" in console
    result = read_report(root / "report.json")
    assert sorted(d.address for d in result.devices) == sorted(at.values())

    bundle = root / "bundle"
    assert main(["verify", str(bundle), "--lang", "en"]) == 0
    assert (bundle / "declared-inventory.csv").read_bytes() == demo_inventory("zh").encode()
    _check_exactly(json.loads((bundle / "reconciliation.json").read_text(encoding="utf-8")), at, unknown)
    assert 'id="declared"' in (bundle / "report.html").read_text(encoding="utf-8")
    capsys.readouterr()

    for ref in ("latest", str(bundle)):  # the inventory kept with the scan, or the bundle's copy
        assert main(["reconcile", ref, "--db", str(root / "h.db"), "--format", "json"]) == 1
        _check_exactly(json.loads(capsys.readouterr().out), at, unknown)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_demo_inventory_gives_exactly_the_four_results(visit, expected, kind, lang):
    _, _, root = visit
    at, unknown = expected
    result = read_report(root / "report.json")
    declared = parse_declared(as_file(demo_inventory(lang), kind), f"demo.{kind}")
    assert declared.kind == kind
    _check_exactly(reconciliation_dict(reconcile(result, declared), result), at, unknown)
