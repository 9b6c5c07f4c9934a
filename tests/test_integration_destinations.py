"""End to end on the lab: where face data goes (issue 14).

A Hikvision camera whose faceSnap trigger uploads to FTP on the premises NAS and notifies an ISUP platform on the
internet; a Dahua camera whose face rule uploads to the ICC platform (the alarm centre) with P2P on; the platform,
known by its login page; a Hikvision camera whose slots are all as shipped (nothing reported). Each destination, its
class and its link to the device found there are asserted exactly; the secrets some of those answers carry reach no
output; and nothing camaudit sent was a write or a "test" button.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from scanner.cli.main import main
from scanner.lab import Lab, dahua_destinations, isapi_destinations, load_personas
from scanner.lab.answer_key import differences
from scanner.model import DeviceReport, ScanResult
from scanner.vocabulary import DestinationKind, Place, Role
from tests.lab.clients import device

pytestmark = pytest.mark.lab
NETWORK = "127.77.114.0/24"
PERSONAS = ("nas", "dahua-icc", "hik-dest", "dahua-dest", "hik-unset")
# The secrets the personas' destination settings hold (scanner/lab/personas.toml): a scan must blank every one.
SECRETS = ("lab-ftp-secret-4417", "LABEZVZ1", "LABEZVZ2", "lab-mail-secret-8830", "lab-nas-secret-1275")


@pytest.fixture(scope="module")
def lab():
    with Lab(network=NETWORK, personas=[p for p in load_personas() if p.id in PERSONAS]) as running:
        yield running


def names(lab) -> dict[str, str]:
    return {d.address: d.persona.id for d in lab.devices}


def report_of(lab, result: ScanResult, persona_id: str) -> DeviceReport:
    address = device(lab, persona_id).address
    return next(d for d in result.devices if d.address == address)


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_each_persona_is_judged_exactly_by_the_answer_key(lab, with_creds, without_creds, persona_id):
    d = device(lab, persona_id)
    assert d.persona.expect.destinations is not None, "every persona here states its destinations"
    assert differences(d, report_of(lab, with_creds, persona_id), True, names(lab)) == []
    assert differences(d, report_of(lab, without_creds, persona_id), False, names(lab)) == []


def test_the_face_capture_camera_uploads_to_the_nas_and_notifies_a_platform_on_the_internet(lab, with_creds):
    camera = report_of(lab, with_creds, "hik-dest")
    nas = device(lab, "nas").address
    ftp, isup = sorted(camera.destinations, key=lambda d: d.kind != DestinationKind.FTP)
    assert (ftp.kind, ftp.host, ftp.port, ftp.place, ftp.device, ftp.pictures) == (
        DestinationKind.FTP, nas, 21, Place.PREMISES, nas, True,
    )  # fmt: skip
    assert (isup.kind, isup.host, isup.port, isup.place, isup.device) == (
        DestinationKind.PLATFORM, "203.0.113.45", 7660, Place.INTERNET, None,
    )  # fmt: skip
    assert isup.registration and isup.status == "registerStatus=true" and isup.protocol == "v5.0"
    # Both sides of the join carry their evidence: the trigger naming the method, the slot naming the host.
    (route,) = ftp.routes
    assert (route.event, route.channel, route.method) == ("faceSnap", "1", "FTP")
    assert route.evidence.probe == "hikvision.isapi.triggers" and "<notificationMethod>FTP" in route.evidence.excerpt
    assert ftp.evidence.probe == "hikvision.isapi.ftp" and f"<ipAddress>{nas}</ipAddress>" in ftp.evidence.excerpt
    assert "<uploadFaceEnable>true" in ftp.evidence.excerpt and len(ftp.evidence.sha256) == 64
    assert [r.method for r in isup.routes] == ["center"] and "<ipAddress>203.0.113.45" in isup.evidence.excerpt


def test_the_dahua_camera_uploads_to_the_platform_found_on_the_premises_and_has_p2p_on(lab, with_creds):
    camera = report_of(lab, with_creds, "dahua-dest")
    icc = report_of(lab, with_creds, "dahua-icc")
    assert icc.role == Role.PLATFORM and not icc.is_camera
    alarm, cloud = camera.destinations
    assert (alarm.kind, alarm.host, alarm.port, alarm.place, alarm.device) == (
        DestinationKind.ALARM_HOST, icc.address, 9500, Place.PREMISES, icc.address,
    )  # fmt: skip
    (route,) = alarm.routes
    assert (route.event, route.channel, route.method) == ("FaceDetection", "0", "MessageEnable")
    assert "EventHandler.MessageEnable=true" in route.evidence.excerpt
    assert "AlarmServer.Enable=true" in alarm.evidence.excerpt
    assert (cloud.kind, cloud.host, cloud.place, cloud.routes) == (DestinationKind.CLOUD, None, Place.VENDOR_CLOUD, ())
    assert cloud.service == "Dahua P2P (Easy4ip, DMSS)" and "T2UServer.Enable=true" in cloud.evidence.excerpt


def test_factory_slots_report_nothing(lab, with_creds):
    unset = report_of(lab, with_creds, "hik-unset")
    asked = {o.probe for o in unset.observations if o.outcome == "ok"}
    assert {"hikvision.isapi.http_hosts", "hikvision.isapi.ftp", "hikvision.isapi.ehome"} <= asked
    assert unset.destinations == ()
    assert [r for r in unset.observations if r.probe == "hikvision.isapi.triggers"], "its faceSnap trigger was read"


def test_without_the_login_no_destination_is_read(without_creds):
    assert [d.address for d in without_creds.devices if d.destinations] == []


def test_the_answers_carried_the_secrets_and_the_records_hold_none(lab, with_creds):
    """The lab's answers hold them (else the next test proves nothing); the recorded bodies do not."""
    for persona_id, path in (("hik-dest", "/ISAPI/System/Network/ftp"), ("dahua-dest", "/cgi-bin/configManager.cgi")):
        assert any(path in a for a in lab.site(device(lab, persona_id).address).asked)
    hik = device(lab, "hik-dest").persona.isapi
    assert b"lab-ftp-secret-4417" in isapi_destinations.document(hik, "/ISAPI/System/Network/ftp")
    assert b"lab-mail-secret-8830" in dahua_destinations.email(device(lab, "dahua-dest").persona.cgi.destinations)
    bodies = b"".join(o.body + o.text.encode() for d in with_creds.devices for o in d.observations)
    assert [s for s in SECRETS if s.encode() in bodies] == []


def test_no_destination_secret_in_any_output(lab, creds_file, tmp_path, capsys):
    """JSON, console, HTML, CSV, the evidence bundle and the history database: none holds a destination secret."""
    db, out, bundle = tmp_path / "history.db", tmp_path / "report.json", tmp_path / "bundle"
    common = ["--credentials", str(creds_file), "--no-progress", "--db", str(db)]
    assert main(["scan", lab.network, *common, "--format", "json", "-o", str(out), "--bundle", str(bundle)]) == 1
    assert main(["scan", lab.network, *common, "--format", "table"]) == 1
    for fmt in ("html", "csv"):
        assert main(["report", "latest", "--db", str(db), "--format", fmt, "-o", str(tmp_path / f"r.{fmt}")]) == 0
    printed = capsys.readouterr()
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert len(files) > 5 and any(b"203.0.113.45" in p.read_bytes() for p in files), "the bundle holds the answers"
    with sqlite3.connect(db) as history:
        stored = "".join(str(row) for table in ("scans",) for row in history.execute(f"SELECT * FROM {table}"))  # noqa: S608
    report = json.loads(out.read_text())
    assert any(d.get("destinations") for d in report["devices"]), "the JSON report lists destinations"
    haystacks = {
        "json": out.read_bytes(), "console": printed.out.encode(), "stderr": printed.err.encode(),
        "html": (tmp_path / "r.html").read_bytes(), "csv": (tmp_path / "r.csv").read_bytes(),
        "history": stored.encode(), **{str(p.relative_to(bundle)): p.read_bytes() for p in files},
    }  # fmt: skip
    assert "203.0.113.45" in stored and b"203.0.113.45" in haystacks["html"]
    leaks = [(name, s) for s in SECRETS for name, data in haystacks.items() if s.encode() in data]
    assert leaks == []


def test_nothing_sent_was_a_write_or_a_test_button(lab, with_creds):
    """Every request the lab's Hikvision and Dahua servers received was a read: GET, or an ONVIF SOAP POST."""
    asked = [a for d in lab.devices if (site := lab.site(d.address)) is not None for a in getattr(site, "asked", ())]
    assert any("/ISAPI/System/Network/ftp" in a for a in asked) and any("name=AlarmServer" in a for a in asked)
    writes = [a for a in asked if not (a.startswith(("GET ", "HEAD ")) or a.startswith("POST /onvif/"))]
    assert writes == []
    assert [a for a in asked if "test" in a.casefold() or "setconfig" in a.casefold()] == []
