"""Reconciliation (pure): rows tied to devices by serial, then MAC, then address; conflicts and ambiguity shown,
never guessed; face use beyond the declaration; what explains a declared device not found; the JSON keys."""

from __future__ import annotations

import json

from scanner.declared.export import declaration_dict, declaration_of, render_reconciliation
from scanner.declared.reconcile import reconcile
from scanner.declared.records import Declaration, DeclaredRow, FaceUse, MatchKey, Missing
from tests.report.sample import device, scan_with


def _finding(feature: str, level: str) -> dict:
    evidence = {"probe": "p", "request": "GET /x", "excerpt": "Enable=true", "sha256": "ab" * 32, "at": "t"}
    return {"rule": f"r.{feature}", "feature": feature, "level": level, "confidence": "high", "evidence": [evidence]}


def _declared(*rows: DeclaredRow) -> Declaration:
    return Declaration("inventory.csv", "cd" * 32, "csv", "utf-8", "G", rows)


def _row(n: int, **fields) -> DeclaredRow:
    return DeclaredRow(row=n, **fields)


def test_serial_beats_mac_beats_address_and_a_moved_device_is_found():
    scan = scan_with(
        device("10.0.0.11", serial="SER-1", mac="44:19:b6:00:00:01"),
        device("10.0.0.12", mac="44:19:b6:00:00:02"),
        device("10.0.0.13"),
    )
    rec = reconcile(
        scan,
        _declared(
            _row(2, address="10.0.0.41", serial=" ser-1 ", face_use=FaceUse.NONE),  # moved, serial in another case
            _row(3, mac="44:19:B6:00:00:02", face_use=FaceUse.NONE),
            _row(4, address="10.0.0.13", face_use=FaceUse.NONE),
        ),
    )
    assert [(m.row.row, m.device.address, m.key) for m in rec.matched] == [
        (2, "10.0.0.11", MatchKey.SERIAL),
        (3, "10.0.0.12", MatchKey.MAC),
        (4, "10.0.0.13", MatchKey.ADDRESS),
    ]
    assert [m.row.row for m in rec.moved] == [2]
    assert not (rec.undeclared or rec.not_found or rec.ambiguous or rec.undeclared_face)


def test_a_weaker_key_never_ties_what_a_stronger_one_tells_apart():
    scan = scan_with(device("10.0.0.5", serial="OTHER", vendor="Dahua", model="IPC-X"))
    rec = reconcile(scan, _declared(_row(2, address="10.0.0.5", serial="MINE", face_use=FaceUse.NONE)))
    assert not rec.matched
    (missing,) = rec.not_found
    assert missing.why == Missing.OTHER_DEVICE and missing.at_address.address == "10.0.0.5"
    assert [d.address for d in rec.undeclared_cameras] == ["10.0.0.5"]


def test_a_serial_two_devices_claim_is_ambiguous_unless_another_key_settles_it():
    twins = (device("10.0.0.5", serial="CLONE"), device("10.0.0.6", serial="CLONE"))
    rec = reconcile(scan_with(*twins), _declared(_row(2, serial="CLONE", face_use=FaceUse.NONE)))
    (entry,) = rec.ambiguous
    assert entry.key == MatchKey.SERIAL and [d.address for d in entry.candidates] == ["10.0.0.5", "10.0.0.6"]
    assert not rec.matched and not rec.not_found and not rec.undeclared  # candidates are not "undeclared"
    settled = reconcile(
        scan_with(*twins), _declared(_row(2, serial="CLONE", address="10.0.0.6", face_use=FaceUse.NONE))
    )
    assert [(m.device.address, m.key) for m in settled.matched] == [("10.0.0.6", MatchKey.ADDRESS)]
    assert [d.address for d in settled.undeclared] == ["10.0.0.5"]


def test_a_device_declared_twice_is_ambiguous_not_missing():
    rec = reconcile(
        scan_with(device("10.0.0.5", serial="S1")),
        _declared(_row(2, serial="S1", face_use=FaceUse.NONE), _row(9, serial="S1", face_use=FaceUse.NONE)),
    )
    assert not rec.matched and not rec.not_found and not rec.undeclared
    assert [a.row.row for a in rec.ambiguous] == [2, 9]


def test_the_model_is_a_cross_check():
    scan = scan_with(
        device("10.0.0.5", serial="S1", model="DS-2CD2143G2-I"), device("10.0.0.6", serial="S2", model="C210")
    )
    rec = reconcile(
        scan,
        _declared(
            _row(2, serial="S1", model="ds-2cd2143g2", face_use=FaceUse.NONE),  # contained: the same
            _row(3, serial="S2", model="IPC-HFW5442E", face_use=FaceUse.NONE),
        ),
    )
    assert [m.model_differs for m in rec.matched] == [False, True]


def test_face_use_beyond_the_declaration_needs_a_function_in_use():
    scan = scan_with(
        device(
            "10.0.0.1", serial="A", face_analytics="configured", findings=[_finding("face_recognition", "configured")]
        ),
        device("10.0.0.2", serial="B", face_analytics="capable", findings=[_finding("face_recognition", "capable")]),
        device("10.0.0.3", serial="C", face_analytics="active", findings=[_finding("face_library", "active")]),
        device(
            "10.0.0.4", serial="D", face_analytics="configured", findings=[_finding("face_detection", "configured")]
        ),
        device(
            "10.0.0.5", serial="E", face_analytics="configured", findings=[_finding("face_attributes", "configured")]
        ),
        device("10.0.0.6", serial="F", face_analytics="configured", findings=[_finding("face_metadata", "configured")]),
    )
    rec = reconcile(
        scan,
        _declared(
            _row(2, serial="A", face_use=FaceUse.NONE),  # the headline: recognition found, declared none
            _row(3, serial="B", face_use=FaceUse.NONE),  # only capable: not in use, not beyond
            _row(4, serial="C", face_use=FaceUse.RECOGNITION),  # as declared
            _row(5, serial="D", face_use=None, face_text=""),  # nothing declared: detection is beyond it
            _row(6, serial="E", face_use=FaceUse.DETECTION),  # attributes come from captured faces
            _row(7, serial="F", face_use=None, face_text="有时"),  # unreadable: nothing declared
        ),
    )
    beyond = {m.row.row: m.found for m in rec.undeclared_face}
    assert beyond == {2: FaceUse.RECOGNITION, 5: FaceUse.DETECTION, 6: FaceUse.CAPTURE, 7: FaceUse.DETECTION}
    assert rec.involves_faces
    assert [r.row for r in rec.unmapped] == [7]


def test_unknown_verdicts_leave_any_declaration_unconfirmed():
    scan = scan_with(
        device("10.0.0.1", serial="A", face_analytics="unknown"),
        device("10.0.0.2", serial="B", face_analytics="unknown"),
    )
    rec = reconcile(
        scan, _declared(_row(2, serial="A", face_use=FaceUse.NONE), _row(3, serial="B", face_use=FaceUse.RECOGNITION))
    )
    assert [m.row.row for m in rec.unconfirmed] == [2, 3]
    assert not rec.involves_faces


def test_undeclared_devices_cameras_and_others_and_which_involve_faces():
    scan = scan_with(
        device("10.0.0.9", face_analytics="capable", findings=[_finding("face_detection", "capable")]),
        device("10.0.0.10", is_camera=False),
    )
    rec = reconcile(scan, _declared(_row(2, address="10.0.0.50", face_use=FaceUse.NONE)))
    assert [d.address for d in rec.undeclared_cameras] == ["10.0.0.9"]
    assert [d.address for d in rec.undeclared_other] == ["10.0.0.10"]
    assert rec.involves_faces  # nobody declared it, so nobody assessed it, even if only capable
    calm = reconcile(
        scan_with(device("10.0.0.9"), device("10.0.0.10", is_camera=False)), _declared(_row(2, address="10.0.0.9"))
    )
    assert not calm.involves_faces


def test_what_explains_a_declared_device_not_found():
    scan = scan_with(device("127.77.0.11", serial="A"))  # the sample's targets: 127.77.0.0/24
    rec = reconcile(
        scan,
        _declared(
            _row(2, address="127.77.0.60", serial="GONE"),
            _row(3, address="192.168.1.5", serial="ELSEWHERE"),
            _row(4, mac="00:11:22:33:44:55"),
            _row(5, serial="A"),
        ),
    )
    assert [(n.row.row, n.why) for n in rec.not_found] == [
        (2, Missing.NO_ANSWER),
        (3, Missing.OUT_OF_SCOPE),
        (4, Missing.NOT_SEEN),
    ]


def test_json_has_the_documented_keys_with_row_and_address():
    scan = scan_with(
        device(
            "10.0.0.1", serial="A", face_analytics="configured", findings=[_finding("face_recognition", "configured")]
        ),
        device("10.0.0.2", face_analytics="active", findings=[_finding("face_capture", "active")]),
        device("10.0.0.3", serial="C", face_analytics="unknown", not_checked=[{"check": "x", "code": "needs_login"}]),
    )
    rec = reconcile(
        scan,
        _declared(
            _row(2, serial="A", face_use=FaceUse.NONE),
            _row(3, serial="C", face_use=FaceUse.DETECTION),
            _row(4, address="10.0.0.200", face_use=FaceUse.NONE),
        ),
    )
    data = json.loads(render_reconciliation(rec, scan))
    assert data["involves_faces"] is True
    assert [(e["address"], e["face_analytics"]) for e in data["undeclared_devices"]] == [("10.0.0.2", "active")]
    assert data["undeclared_devices"][0]["findings"][0]["evidence"][0]["excerpt"] == "Enable=true"
    face = data["undeclared_face"]
    assert [(e["row"], e["address"], e["declared_face_use"], e["found_face_use"]) for e in face] == [
        (2, "10.0.0.1", "none", "recognition")
    ]
    assert [(e["row"], e["address"], e["why"]) for e in data["declared_not_found"]] == [(4, None, "out_of_scope")]
    assert [(e["row"], e["address"]) for e in data["unconfirmed"]] == [(3, "10.0.0.3")]
    assert data["unconfirmed"][0]["device"]["not_checked"] == [{"check": "x", "code": "needs_login", "detail": ""}]
    assert data["declared"]["sha256"] == "cd" * 32 and data["declared"]["rows"] == 3


def test_a_declaration_survives_the_round_trip_through_plain_data():
    declared = _declared(
        _row(2, address="10.0.0.1", mac="44:19:b6:00:00:01", serial="A", maker="海康", model="M", location="L",
             face_use=FaceUse.CAPTURE, face_text="人脸抓拍"),
        _row(3, serial="B", face_text="有时"),
    )  # fmt: skip
    again = declaration_of(json.loads(json.dumps(declaration_dict(declared))), b"bytes")
    assert again == declared and again.original == b"bytes"
