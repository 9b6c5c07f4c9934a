"""A slow device is never a negative one: on the lab, a face check the device does not answer in time is asked once
more; if it then answers, the device gets the verdict it gets when it answers at once; if it never does, the
device is `unknown` with the reason code `timed_out` for that check, never `not_found`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.lab import Lab, load_personas
from scanner.lab.dahua import DahuaSite
from scanner.lab.dahua_face import FaceSearches
from scanner.lab.tempo import Tempo
from scanner.model import DeviceReport
from scanner.pipeline.device import TRACE_LOGGER
from scanner.pipeline.scan import run_scan
from scanner.vocabulary import Reason, Verdict
from tests.doubles.tempo import LosingOne

pytestmark = pytest.mark.lab
NETWORK = "127.77.183.0/24"  # its own network: other lab tests may run at the same time
ADDRESS = "127.77.183.11"  # the one device's (scanner.lab.lab.FIRST_HOST)
PERSONA = "hik-trap"  # every face flag false: `not_found` when every check is read
TRIGGERS = "GET /ISAPI/Event/triggers"  # a face check (the face triggers are read from it)
CHECK = "hikvision.isapi.triggers"
TIMEOUT = 0.5  # the scan's read timeout: a stalled request (5 s) times out, every other answers at once
STALL = 5.0  # how long a lost request goes unanswered (then the lab answers a client long gone)
START_FIND = "GET /cgi-bin/FaceInfoManager.cgi?action=startFind"  # opens a search on a Dahua face terminal
searches: list[FaceSearches] = []  # a Dahua device's searches, as each audit left them


def _audit(
    tmp_path: Path, tempo: Tempo | None, caplog: pytest.LogCaptureFixture, persona_id: str = PERSONA
) -> tuple[DeviceReport, int]:
    """The persona audited alone with its login; its report and how many of its requests were asked again."""
    persona = next(p for p in load_personas() if p.id == persona_id)
    with Lab(network=NETWORK, personas=[persona], standard_ports=False, tempo=tempo) as lab:
        creds = tmp_path / "lab-credentials.toml"
        creds.write_text(lab.credentials_toml(), encoding="utf-8")
        config = ScanConfig(
            targets=(lab.devices[0].address,), credentials=load_credentials(creds), use_nmap=False,
            request_timeout=TIMEOUT,
        )  # fmt: skip
        with caplog.at_level(logging.DEBUG, logger=TRACE_LOGGER):
            result = run_scan(config)
        site = lab.site(lab.devices[0].address)
        if isinstance(site, DahuaSite):
            searches.append(site.searches)
    (device,) = result.devices
    traces = [r.trace for r in caplog.records if hasattr(r, "trace")]
    assert len(traces) == 1, "one trace per device audited"
    return device, traces[0]["retried"]


def test_a_check_that_times_out_once_is_asked_again_and_the_device_keeps_its_verdict(tmp_path, caplog):
    alone, retried = _audit(tmp_path, None, caplog)
    assert alone.face_analytics == Verdict.NOT_FOUND and retried == 0
    caplog.clear()
    tempo = LosingOne({ADDRESS: (TRIGGERS, 1)}, stall=STALL)
    slow, retried = _audit(tmp_path, tempo, caplog)
    assert tempo.seen[ADDRESS][TRIGGERS] == 2, "the stalled request was asked once more"
    assert retried == 1
    assert slow.face_analytics == alone.face_analytics
    assert slow.coverage == alone.coverage
    assert [(n.check, n.reason) for n in slow.not_checked] == [(n.check, n.reason) for n in alone.not_checked]


def test_a_check_that_never_answers_in_time_gives_unknown_with_its_code(tmp_path, caplog):
    tempo = LosingOne({ADDRESS: (TRIGGERS, 1)}, stall=STALL, twice=True)
    device, retried = _audit(tmp_path, tempo, caplog)
    assert tempo.seen[ADDRESS][TRIGGERS] == 2 and retried == 1, "asked twice, never a third time"
    assert device.is_camera
    assert device.face_analytics == Verdict.UNKNOWN
    assert CHECK in device.coverage.unread
    notes = {n.check: n.reason for n in device.not_checked}
    assert notes.get(CHECK) == Reason.TIMED_OUT, device.not_checked


def test_a_search_the_device_lost_is_asked_again_and_the_one_answered_is_closed(tmp_path, caplog):
    searches.clear()
    alone, _ = _audit(tmp_path, None, caplog, "dahua-terminal")
    assert alone.face_analytics == Verdict.ACTIVE
    caplog.clear()
    tempo = LosingOne({ADDRESS: (START_FIND, 1)}, stall=STALL)
    slow, retried = _audit(tmp_path, tempo, caplog, "dahua-terminal")
    assert tempo.seen[ADDRESS][START_FIND] == 2 and retried == 1, "the lost search was asked once more"
    assert slow.face_analytics == alone.face_analytics
    assert [(f.rule, f.level) for f in slow.findings] == [(f.rule, f.level) for f in alone.findings]
    asked = [o.request for o in slow.observations if o.probe == "dahua.cgi.face_info_find.close"]
    (token,) = searches[-1].closed  # the search that answered is closed with its own token, and no other
    assert len(asked) == 1 and asked[0].endswith(f"token={token}")


@pytest.mark.parametrize(
    ("persona_id", "line"),
    [
        ("hik-unset", "GET /"),  # the first request on the web port: unanswered, the maker stays unknown
        ("hik-sadp", "OPTIONS rtsp://ADDRESS/"),  # the first on the RTSP port
    ],
)
def test_a_new_connection_closed_unanswered_is_asked_again_and_the_device_keeps_its_verdict(
    tmp_path, caplog, persona_id, line
):
    """A device at its limit of connections accepts a new one and closes it at once: a busy device, not a
    broken one; asked once more after a pause, it answers, and the verdict is the one it gets alone."""
    counting = LosingOne()  # answers everything; counts the requests
    alone, _ = _audit(tmp_path, counting, caplog, persona_id)
    caplog.clear()
    tempo = LosingOne({ADDRESS: (line, 1)}, close=True)
    busy, retried = _audit(tmp_path, tempo, caplog, persona_id)
    assert tempo.lost == {ADDRESS}, "the device closed the connection that carried the request"
    assert tempo.seen[ADDRESS][line] == counting.seen[ADDRESS][line] + 1, "asked once more"
    assert retried == 1
    assert (busy.identity, busy.role, busy.face_analytics) == (alone.identity, alone.role, alone.face_analytics)
    assert [(f.rule, f.level) for f in busy.findings] == [(f.rule, f.level) for f in alone.findings]
