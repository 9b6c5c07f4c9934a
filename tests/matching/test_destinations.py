"""Destinations read as a join: face routes (linkage), receiver slots in use, the join, and every table's cases."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import ValidationError

from scanner.matching.destinations import (
    destination_key,
    read_destinations,
    read_routes,
    read_slots,
    route_key,
    validate_reads,
)
from scanner.matching.items import items
from scanner.matching.loader import load_signatures
from scanner.matching.schema import DestinationSource, Linkage, ReadCase
from scanner.matching.signature_file import WRITES, RequestTable
from scanner.model import OK, Observation
from scanner.vocabulary import DestinationKind, Outcome

SIGSET = load_signatures()
CASES = Path(__file__).resolve().parents[2] / "signatures" / "cases"


def _obs(probe: str, body: bytes | str, outcome: Outcome = OK, channel: str | None = None) -> Observation:
    data = body.encode() if isinstance(body, str) else body
    return Observation(probe, f"GET {probe}", outcome, 200, body=data, at="2024-01-01T00:00:00.000Z", channel=channel)


def _case(name: str) -> bytes:
    return (CASES / name).read_bytes()


def _table(kind: type, ident: str) -> Linkage | DestinationSource:
    tables = SIGSET.linkages if kind is Linkage else SIGSET.destinations
    return next(t for t in tables if t.id == ident)


@pytest.mark.parametrize("table", SIGSET.linkages + SIGSET.destinations, ids=lambda t: t.id)
def test_cases_of(table: Linkage | DestinationSource) -> None:
    only = dataclasses.replace(
        SIGSET,
        linkages=(table,) if isinstance(table, Linkage) else (),
        destinations=(table,) if isinstance(table, DestinationSource) else (),
    )
    failures = validate_reads(only)
    assert not failures, "\n".join(str(f) for f in failures)


def test_a_case_that_reads_otherwise_fails_validation() -> None:
    table = _table(DestinationSource, "hikvision.destination.ftp")
    assert isinstance(table, DestinationSource)
    wrong = dataclasses.replace(table, cases=(ReadCase(("ftp 10.9.9.9:21",), _case("hikvision/ftp-face.xml")),))
    failures = validate_reads(dataclasses.replace(SIGSET, linkages=(), destinations=(wrong,)))
    assert [str(f) for f in failures] == [
        "hikvision.destination.ftp case 0: expected ['ftp 10.9.9.9:21'], read ['ftp 10.1.15.2:21']"
    ]


def test_kv_items_group_by_the_key_part_and_keep_named_groups() -> None:
    item = r"kv:(table\.)?VideoAnalyseRule\[(?P<channel>\d+)\]\[\d+\]"
    found = items(_obs("p", _case("dahua/rule-face-linkage.txt")), item)
    assert [(i.first("Type"), i.group("channel")) for i in found] == [
        ("FaceRecognition", "0"),
        ("CrossLineDetection", "0"),
        ("FaceDetection", "1"),
    ]
    assert found[0].first("EventHandler.MessageEnable") == "true"
    excerpt = found[0].excerpt(["Type", "EventHandler.MessageEnable"])
    assert excerpt == (
        "table.VideoAnalyseRule[0][0].EventHandler.MessageEnable=true\ntable.VideoAnalyseRule[0][0].Type=FaceRecognition"
    )


def test_the_hikvision_join_pairs_each_face_method_with_its_receivers() -> None:
    answers = [
        _obs("hikvision.isapi.triggers", _case("hikvision/triggers-face-upload.xml")),
        _obs("hikvision.isapi.ftp", _case("hikvision/ftp-face.xml")),
        _obs("hikvision.isapi.http_hosts", _case("hikvision/http-hosts-camera.xml")),
        _obs("hikvision.isapi.ehome", _case("hikvision/ehome-registered.xml")),
        _obs("hikvision.isapi.mailing", _case("hikvision/mailing-snapshot.xml")),  # no face trigger mails
        _obs("hikvision.isapi.ezviz", _case("hikvision/ezviz-off.xml")),
    ]
    found = read_destinations(answers, SIGSET, ("Hikvision",))
    assert [(destination_key(d), [route_key(r) for r in d.routes], d.registration) for d in found] == [
        ("alarm_host 192.168.1.20:8123", ["faceSnap@1:center"], False),
        ("platform 203.0.113.45:7660", ["faceSnap@1:center"], True),
        ("ftp 10.1.15.2:21", ["faceSnap@1:FTP"], False),
    ]
    ftp = found[2]
    assert (ftp.pictures, ftp.protocol, ftp.rule) == (True, "FTP", "hikvision.destination.ftp")
    assert "<uploadFaceEnable>true</uploadFaceEnable>" in ftp.evidence.excerpt
    assert ftp.routes[0].evidence.probe == "hikvision.isapi.triggers"
    assert "<notificationMethod>FTP</notificationMethod>" in ftp.routes[0].evidence.excerpt
    assert found[1].status == "registerStatus=true"
    assert found[0].path == "/api/hikvision"


def test_a_registration_is_reported_without_a_route_and_a_receiver_without_one_is_not() -> None:
    answers = [
        _obs("hikvision.isapi.triggers", _case("hikvision/triggers-trap-facesnap.xml")),
        _obs("hikvision.isapi.http_hosts", _case("hikvision/http-hosts-camera.xml")),
        _obs("hikvision.isapi.ezviz", _case("hikvision/ezviz-registered.xml")),
    ]
    found = read_destinations(answers, SIGSET, ("Hikvision",))
    assert [(d.kind, d.host, d.routes, d.service) for d in found] == [
        (DestinationKind.CLOUD, "dev.hik-connect.com", (), "Hik-Connect / EZVIZ")
    ]


def test_another_vendors_tables_never_read_a_device() -> None:
    answers = [_obs("dahua.cgi.p2p", _case("dahua/t2u-on.txt"))]
    assert read_destinations(answers, SIGSET, ("Hikvision",)) == ()
    assert [d.service for d in read_destinations(answers, SIGSET, ("Dahua",))] == ["Dahua P2P (Easy4ip, DMSS)"]


def test_the_dahua_join_needs_the_rule_switched_on_and_its_upload_switch() -> None:
    answers = [
        _obs("dahua.cgi.video_analyse_rule", _case("dahua/rule-face-linkage.txt")),
        _obs("dahua.cgi.alarm_server", _case("dahua/alarm-server-on.txt")),
        _obs("dahua.cgi.email", _case("dahua/email-on.txt")),  # the enabled face rule does not mail
        _obs("dahua.cgi.register_server", _case("dahua/dvrip-register-off.txt")),
    ]
    found = read_destinations(answers, SIGSET, ("Dahua",))
    assert [(destination_key(d), [route_key(r) for r in d.routes]) for d in found] == [
        ("alarm_host 10.0.0.9:9500", ["FaceRecognition@0:MessageEnable"])
    ]


def test_unset_slots_and_answers_that_are_not_ok_read_nothing() -> None:
    table = _table(DestinationSource, "hikvision.destination.http_host")
    assert isinstance(table, DestinationSource)
    refused = _obs("hikvision.isapi.http_hosts", _case("hikvision/http-hosts-camera.xml"), Outcome.AUTH_REQUIRED)
    assert read_slots([refused], table) == []
    v6 = b"<HttpHostNotification><ipAddress>::</ipAddress><portNo>80</portNo></HttpHostNotification>"
    assert read_slots([_obs("hikvision.isapi.http_hosts", v6)], table) == []


def test_choose_takes_the_field_the_addressing_type_names() -> None:
    table = _table(DestinationSource, "hikvision.destination.http_host")
    assert isinstance(table, DestinationSource)
    body = (
        "<HttpHostNotification><addressingFormatType>hostname</addressingFormatType><ipAddress>10.0.0.1</ipAddress>"
        "<hostName>alarms.example.net</hostName><portNo>99999</portNo></HttpHostNotification>"
    )
    (slot,) = read_slots([_obs("hikvision.isapi.http_hosts", body)], table)
    assert (slot.host, slot.port) == ("alarms.example.net", None), "a stale address and an impossible port"


def test_device_text_is_made_plain_and_capped() -> None:
    table = _table(DestinationSource, "hikvision.destination.http_host")
    assert isinstance(table, DestinationSource)
    name = f"evil\x1b[31m{'a' * 400}"
    body = f"<HttpHostNotification><hostName>{name}</hostName><url>/x\u202e</url></HttpHostNotification>"
    (slot,) = read_slots([_obs("hikvision.isapi.http_hosts", body.encode())], table)
    assert slot.host is not None and "\x1b" not in slot.host and len(slot.host) <= 255
    assert slot.path == "/x"


def test_routes_take_the_channel_of_a_per_channel_request_when_the_item_has_none() -> None:
    table = _table(Linkage, "hikvision.linkage.face_triggers")
    assert isinstance(table, Linkage)
    body = (
        "<EventTriggerList><EventTrigger><eventType>faceSnap</eventType><EventTriggerNotificationList>"
        "<EventTriggerNotification><notificationMethod>email</notificationMethod></EventTriggerNotification>"
        "</EventTriggerNotificationList></EventTrigger></EventTriggerList>"
    )
    routes = read_routes([_obs("hikvision.isapi.triggers", body, channel="3")], table)
    assert [route_key(r) for r in routes] == ["faceSnap@3:email"]


# --- never press "test", never write (issue 14) ---

WRITING = [
    ("/stw-cgi/transfer.cgi?msubmenu=ftp&action=test", ""),
    ("/ISAPI/System/Network/mailing/test", ""),
    ("/ISAPI/System/Network/ftp/test", ""),
    ("/cgi-bin/api.cgi?cmd=TestWebHook&token={token}", ""),
    ("/cgi-bin/api.cgi?cmd=SetFtp", ""),
    ("/cgi-bin/api.cgi", '[{"cmd":"SetEmail","action":0}]'),
    ("/cgi-bin/configManager.cgi?action=setConfig&AlarmServer.Enable=false", ""),
    ("/stw-cgi/eventrules.cgi?msubmenu=rules&action=update", ""),
    ("/RPC2", '{"method":"configManager.setConfig","params":{}}'),
]


@pytest.mark.parametrize(("path", "body"), WRITING)
def test_a_request_that_presses_test_or_writes_is_refused(path, body):
    with pytest.raises(ValidationError, match="presses a test button or writes"):
        RequestTable.model_validate({"id": "x.y", "method": "POST" if body else "GET", "path": path, "body": body})


def test_the_shipped_request_set_only_reads():
    """Every request camaudit may send: GET, or POST for the read APIs that need it; none a test or a write."""
    sigset = load_signatures()
    for request in sigset.requests:
        assert request.method in ("GET", "POST"), request.id
        for part in (request.path, request.body, request.close or ""):
            assert not WRITES.search(part), request.id
    reads = [r.path for r in sigset.requests]
    assert "/ISAPI/System/Network/ftp" in reads and "/ISAPI/Event/notification/httpHosts" in reads
    assert all("test" not in p.casefold() for p in reads)
