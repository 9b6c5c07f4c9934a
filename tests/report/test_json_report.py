"""The JSON contract read back: a report's records survive the round trip, old reports and foreign files too."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from scanner.errors import UsageError
from scanner.model import DiscoveryFact, NotChecked
from scanner.report.json_report import (
    check_file_target,
    from_dict,
    parse,
    read_report,
    render,
    render_chunks,
    to_dict,
    write_atomic,
)
from scanner.vocabulary import Reason, Verdict
from tests.report.sample import device, report_with, sample_report, sample_result


def _without_observations(result):
    return dataclasses.replace(result, devices=tuple(dataclasses.replace(d, observations=()) for d in result.devices))


def test_a_scan_comes_back_as_the_same_records():
    result = sample_result()
    facts = (DiscoveryFact("mdns", (("service", "a"), ("service", "b"))), DiscoveryFact("sadp", (("model", "X"),)))
    first = dataclasses.replace(result.devices[0], discovery=facts)
    result = dataclasses.replace(result, devices=(first, *result.devices[1:]))
    assert parse(render(result)) == from_dict(to_dict(result)) == _without_observations(result)


def test_a_stored_report_keeps_the_version_that_made_it():
    report = sample_report()
    report["tool"]["version"] = "0.0.9"
    assert from_dict(report).tool_version == "0.0.9"
    assert to_dict(from_dict(report))["tool"] == {"name": "camaudit", "version": "0.0.9"}


def test_a_report_from_before_reason_codes_keeps_its_words_as_the_detail():
    old = report_with(device("127.0.0.9", not_checked=[{"check": "x.y", "reason": "a brand new reason"}]))
    (entry,) = from_dict(old).devices[0].not_checked
    assert entry == NotChecked("x.y", Reason.OTHER, "a brand new reason")


def test_the_sample_report_reads_into_typed_records():
    result = from_dict(sample_report())
    assert [d.face_analytics for d in result.devices][:2] == [Verdict.ACTIVE, Verdict.CONFIGURED]
    assert result.devices[4].not_checked[1] == NotChecked(
        "hikvision.isapi.capabilities", Reason.NO_ANSWER, "timed out after 4.0 s"
    )


@pytest.mark.parametrize(
    "bad",
    [
        {},
        [],
        {"schema_version": 99, "scan": {}, "devices": []},
        {"schema_version": 1, "devices": {}},
        report_with(device("127.0.0.1", face_analytics="sometimes")),
        report_with(device("127.0.0.1", services=[{"port": "http"}])),
    ],
)
def test_anything_else_is_refused_in_one_line(bad):
    with pytest.raises(UsageError):
        from_dict(bad)


def test_a_report_file_is_read_and_checked(tmp_path):
    good, bad = tmp_path / "r.json", tmp_path / "bad.json"
    good.write_text(json.dumps(sample_report()), encoding="utf-8")
    bad.write_text("[1, 2", encoding="utf-8")
    assert read_report(good) == from_dict(sample_report())
    with pytest.raises(UsageError, match="not JSON"):
        read_report(bad)
    with pytest.raises(UsageError, match="cannot read"):
        read_report(tmp_path / "missing.json")


# ---- writing


def test_writes_replace_a_link_at_the_target_and_never_follow_it(tmp_path):
    # Issue 13: write_atomic resolved the path, so a link planted at `-o` sent the report wherever it pointed.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "report.json"
    os.symlink(victim, target)
    write_atomic(target, "{}\n")
    assert victim.read_text() == "keep me"
    assert not target.is_symlink() and target.read_text() == "{}\n"
    assert oct(target.stat().st_mode & 0o777) == "0o600"  # evidence: the owner's only
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "victim.txt"]  # no temporary left


@pytest.mark.parametrize("where", ["", "a-file/report.json", "missing-dir/report.json"])
def test_a_target_that_cannot_be_written_is_one_clear_error(tmp_path, where):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(UsageError, match="^cannot write "):
        check_file_target(tmp_path / where, "-o")
    with pytest.raises(UsageError, match="^cannot write "):
        write_atomic(tmp_path / where, "{}")
    assert (tmp_path / "a-file").read_text() == "x"


def test_destinations_come_back_as_the_same_records():
    from tests.report.sample import flow_scan

    result = flow_scan()
    data = to_dict(result)
    assert data["schema_version"] == 3
    (ftp, *_) = data["devices"][0]["destinations"]
    assert (ftp["kind"], ftp["host"], ftp["port"], ftp["place"], ftp["device"]) == (
        "ftp",
        "127.77.0.30",
        21,
        "premises",
        "127.77.0.30",
    )
    assert ftp["routes"][0]["method"] == "FTP" and ftp["evidence"]["probe"] == "hikvision.isapi.ftp"
    assert parse(render(result)) == _without_observations(result)


def test_a_version_2_report_still_reads_without_destinations():
    old = sample_report()
    old["schema_version"] = 2
    assert all(d.destinations == () for d in from_dict(old).devices)


def test_the_report_is_written_in_pieces_of_a_bounded_size_that_make_the_same_text():
    result = sample_result()
    many = dataclasses.replace(result, devices=result.devices * 200)
    pieces = list(render_chunks(many, batch=4096))
    assert "".join(pieces) == render(many)
    assert len(pieces) > 10 and all(len(piece) < 4096 * 2 for piece in pieces)  # not the encoder's tiny ones
