"""The corpus of real recorded devices (tests/corpus/): each device replayed on loopback and scanned through the whole
pipeline, its verdict, role, maker and main reason asserted as its device.toml [expect] says; the corpus kept honest
(licences, provenance, no stray or missing answer files); and no face rule firing on any real recorded answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.credentials import load_credentials
from scanner.matching.engine import match_rules
from scanner.matching.loader import load_signatures
from scanner.model import OK, DeviceReport, Observation, main_reason
from scanner.pipeline.scan import run_scan
from scanner.replay.corpus import CorpusDevice, load_corpus_device
from scanner.replay.host import Replay
from scanner.replay.matching import same_body, same_target
from scanner.replay.records import Exchange

CORPUS = Path(__file__).parent / "corpus"
FOLDERS = sorted(p for p in CORPUS.iterdir() if (p / "device.toml").is_file())
NETWORK = "127.77.203.0/24"


@pytest.fixture(scope="module")
def corpus() -> dict[str, CorpusDevice]:
    return {folder.name: load_corpus_device(folder) for folder in FOLDERS}


@pytest.fixture(scope="module")
def scanned(corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, DeviceReport]:
    """Every corpus device replayed at once and scanned with a login (the replay accepts any)."""
    with Replay([d.recorded for d in corpus.values()], network=NETWORK) as replay:
        creds = tmp_path_factory.mktemp("corpus") / "creds.toml"
        creds.write_text(replay.credentials_toml(), encoding="utf-8")
        result = run_scan(ScanConfig(targets=(replay.network,), credentials=load_credentials(creds), use_nmap=False))
        names = {placed.address: placed.device.name for placed in replay.devices}
    return {names[d.address]: d for d in result.devices}


@pytest.mark.lab
@pytest.mark.parametrize("name", [folder.name for folder in FOLDERS])
def test_each_recorded_device_is_judged_as_its_expectation_says(name, corpus, scanned):
    device, report = corpus[name], scanned[name]
    expect = device.expect
    assert report.face_analytics == expect.face_analytics, expect.justification
    if expect.role is not None:
        assert report.role == expect.role
    if expect.vendor is not None:
        assert (report.identity.vendor or "") == expect.vendor
    reason = main_reason(report)
    if expect.reason is not None:
        assert reason is not None and reason.reason == expect.reason
    if expect.face_analytics == "unknown":
        assert reason is not None, "an unknown verdict always says why"


@pytest.mark.lab
def test_onvif_analytics_are_not_taken_for_absent_when_the_profiles_were_not_read(scanned):
    """go2rtc's Dahua answered GetCapabilities only: its analytics service is listed, its profiles and the service's
    capabilities were never answered, so nothing says the analytics checks are absent: they are unread."""
    report = scanned["dahua-onvif-camera-go2rtc"]
    assert report.coverage.absent == ()
    assert "onvif.analytics.rules" in report.coverage.unread
    notes = {(n.check, n.reason, n.detail) for n in report.not_checked}
    assert ("onvif.analytics", "no_answer_to", "GetProfiles") in notes


@pytest.mark.lab
def test_the_identification_round_concludes_only_from_what_was_recorded(corpus, scanned):
    """A device named by a recorded identification answer is then asked its maker's face checks, and any model
    read is the recorded one; a device whose identification answers were not recorded stays unidentified and is asked
    no maker's request, so never the owner's login (the replay would accept any)."""
    sigset = load_signatures()
    makers = {spec.id for spec in sigset.requests if spec.when != "identify"}
    named = 0
    for name, device in corpus.items():
        report = scanned[name]
        asked = {o.probe.split("@")[0] for o in report.observations}
        if report.identity.model is not None:
            assert report.identity.model == device.model, name
        if report.role == "unknown":
            assert asked & makers == set(), name
            assert all(o.sent is None or o.sent.login == "" for o in report.observations), name
        elif report.identity.vendor == device.vendor:
            named += 1
            maker_checks = {r.probe for r in sigset.rules if r.vendor == device.vendor} & makers
            assert maker_checks & asked, name  # a per-channel check waits for a channel list
    assert named == sum(1 for d in corpus.values() if d.expect.vendor and d.expect.role == "camera")


def test_the_corpus_has_twenty_real_devices_of_four_makers_with_their_provenance(corpus):
    assert len(corpus) >= 20
    assert {d.vendor for d in corpus.values()} >= {"Axis", "Reolink", "Hikvision", "Dahua"}
    licences = (CORPUS / "LICENSES.md").read_text(encoding="utf-8")
    for device in corpus.values():
        p = device.provenance
        assert p.licence in ("MIT", "BSD-3-Clause"), device.id
        assert f"## {p.repository}" in licences, f"{device.id}: {p.repository} is not in LICENSES.md"
        assert p.commit in p.url and re.fullmatch(r"[0-9a-f]{40}", p.commit), device.id
        assert device.expect.justification.strip(), device.id


def test_every_answer_file_is_an_exchange_of_its_device(corpus):
    for folder in FOLDERS:
        text = (folder / "device.toml").read_text(encoding="utf-8")
        named = set(re.findall(r'^body = "(answers/[^"]+)"$', text, re.M))
        on_disk = {p.relative_to(folder).as_posix() for p in (folder / "answers").iterdir()}
        assert named == on_disk, folder.name
        assert len(named) == len(corpus[folder.name].recorded.exchanges), folder.name


def _as_camaudit_asked(exchange: Exchange, sigset) -> list[Observation]:
    """The recorded answer as an observation of each camaudit request that is the same request."""
    found = []
    for spec in sigset.requests:
        path = spec.path.replace("{token}", "<session>").replace("{channel}", "0")
        body = spec.body.replace("{channel}", "0").encode()
        asked = Exchange(exchange.protocol, spec.method, path, exchange.port, None, body=body)
        if spec.method == exchange.method and same_target(asked, exchange.path, exchange.query):
            if same_body(exchange.body, body) and same_body(body, exchange.body):
                found.append(Observation(spec.id, f"{spec.method} {spec.path}", OK, exchange.status,
                                         exchange.headers, exchange.answer))  # fmt: skip
    return found


def test_no_face_rule_fires_on_any_real_recorded_answer(corpus):
    """None of these devices shows face analytics in what was recorded: each answer that is one of camaudit's own
    requests (Reolink GetAiState/GetAiCfg, Axis applications and basic device information) matches no face rule."""
    sigset = load_signatures()
    asked = [obs for d in corpus.values() for e in d.recorded.exchanges for obs in _as_camaudit_asked(e, sigset)]
    assert {o.probe for o in asked} >= {"reolink.api.ai_state", "reolink.api.ai_cfg", "axis.vapix.applications"}
    assert match_rules(asked, sigset.rules) == ()
