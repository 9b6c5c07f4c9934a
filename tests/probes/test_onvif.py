"""onvif_probe against a loopback ONVIF device serving recorded SOAP 1.2 answers, parsed for real by zeep."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from scanner.model import MAX_BODY, Credential
from scanner.net.login import DeviceLogin
from scanner.probes.onvif import onvif_probe
from scanner.vocabulary import Reason
from tests.probes.fake_onvif import ONVIF, SOAP, FakeOnvif
from tests.probes.servers import Reply, closed_port, http_server

USER, SECRET = "operator", "Onvif-Pa$$word-9"
FACE_TOPIC = "tns1:RuleEngine/Recognition/Face"


def run(device: FakeOnvif, credential: Credential | None, *, path: str = "/onvif/device_service", timeout: float = 3.0):
    with http_server(device.respond) as server:
        device.base = device.base or server.base
        result = onvif_probe("127.0.0.1", server.base + path, credential, timeout)
    return result, server


def by_probe(result) -> dict[str, list]:
    found: dict[str, list] = {}
    for obs in result.observations:
        found.setdefault(obs.probe, []).append(obs)
    return found


def _everything(result) -> str:
    parts = [o.request + o.detail + o.text + repr(o.headers) + repr(o.values) for o in result.observations]
    return " ".join(parts) + repr(result)


def test_full_audit_with_a_skewed_clock_and_an_off_scope_event_xaddr():
    device = FakeOnvif(user=USER, password=SECRET, clock_offset=3600)
    decoy_hits: list = []
    with http_server(device.respond) as server:
        device.base = server.base
        # GetServices names another host for events (same port, 127.0.0.2): it must never be contacted.
        with http_server(lambda r: decoy_hits.append(r) or Reply(500), "127.0.0.2", server.port) as decoy:
            device.events_base = decoy.base
            result = onvif_probe("127.0.0.1", server.base + "/onvif/device_service", Credential(USER, SECRET), 3.0)
    probes = by_probe(result)
    assert all(o.outcome == "ok" for o in result.observations), [(o.probe, o.detail) for o in result.observations]
    assert list(probes) == [
        "onvif.device.system_date_and_time",
        "onvif.device.services",
        "onvif.device.capabilities",
        "onvif.analytics.capabilities",
        "onvif.device.information",
        "onvif.media.profiles",
        "onvif.events.properties",  # beside the profiles: both need only the service list and the login
        "onvif.media.stream_uri",
        "onvif.analytics.supported_rules",
        "onvif.analytics.rules",
        "onvif.analytics.supported_modules",
        "onvif.analytics.modules",
        "onvif.analytics.rule_options",
        "onvif.analytics.supported_metadata",
    ]
    # The device's clock runs an hour ahead; the WS-UsernameToken must have been shifted to pass.
    assert result.clock_offset_s == pytest.approx(3600, abs=3)
    assert "ver20/analytics/wsdl" in " ".join(probes["onvif.device.services"][0].value("namespaces"))
    assert "Analytics" in probes["onvif.device.capabilities"][0].value("categories")
    assert probes["onvif.device.information"][0].value("manufacturer") == ("Mockup Manufacturer",)
    assert probes["onvif.media.profiles"][0].value("analytics_tokens") == ("VideoAnalyticsToken",)
    assert len(probes["onvif.media.stream_uri"]) == 2  # two profiles of three
    assert result.stream_uris == ("rtsp://127.0.0.1:554/h264main",)  # re-pointed at the audited address
    rules = probes["onvif.analytics.supported_rules"][0]
    assert "tt:FaceRecognition" in rules.value("rule_types") and FACE_TOPIC in rules.value("parent_topics")
    assert b"GetSupportedRulesResponse" in rules.body  # the raw answer is the evidence
    assert "Face" in probes["onvif.analytics.rules"][0].value("class_filters")
    topics = probes["onvif.events.properties"][0].value("topics")
    assert FACE_TOPIC in topics and "tns1:RuleEngine/MyRuleDetector/FaceDetect" in topics
    assert "tns1:Device/tnsaxis:IO/Port" in topics and "tns1:Device/Trigger/DigitalInput" in topics
    # Off-scope safety: the event XAddr named 127.0.0.2; the request went to the audited address instead.
    assert decoy_hits == []
    assert probes["onvif.events.properties"][0].request.endswith(f"{server.base}/onvif/events")
    assert device.operations.count("GetSupportedRules") == 1  # the analytics token is shared by two profiles
    assert SECRET not in _everything(result)


def test_without_credentials_only_pre_auth_queries_are_sent():
    device = FakeOnvif(user=USER, password=SECRET)
    result, _ = run(device, None)
    assert [o.probe for o in result.observations] == [
        "onvif.device.system_date_and_time",
        "onvif.device.services",
        "onvif.device.capabilities",
        "onvif.analytics.capabilities",
    ]
    assert all(o.outcome == "ok" for o in result.observations)
    assert device.operations == ["GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetServiceCapabilities"]
    assert result.stream_uris == () and any(n.reason == Reason.NO_LOGIN_ONVIF for n in result.not_checked)


def test_a_refused_login_stops_further_queries():
    device = FakeOnvif(user=USER, password="the-real-password")
    result, _ = run(device, Credential(USER, SECRET))
    info = by_probe(result)["onvif.device.information"][0]
    assert (info.outcome, info.status) == ("auth_required", 400)
    assert "refused the supplied login" in info.detail and "NotAuthorized" in info.detail
    assert device.operations[-1] == "GetDeviceInformation"  # nothing after the refusal
    assert any(n.reason == Reason.LOGIN_REFUSED_STOP for n in result.not_checked)
    assert SECRET not in _everything(result)


def test_a_login_refused_by_onvif_is_refused_for_the_device_and_one_refused_elsewhere_is_never_sent():
    # Issue 13: the login is the device's, not one probe's: cameras lock the account whoever is refused.
    refusing = FakeOnvif(user=USER, password="the-real-password")
    login = DeviceLogin(Credential(USER, SECRET))
    with http_server(refusing.respond) as server:
        refusing.base = server.base
        onvif_probe("127.0.0.1", server.base + "/onvif/device_service", login.credential, 3.0, login=login)
    assert login.refused and "GetDeviceInformation" in login.refused
    device = FakeOnvif(user=USER, password=SECRET)
    with http_server(device.respond) as server:
        device.base = server.base
        result = onvif_probe("127.0.0.1", server.base + "/onvif/device_service", login.credential, 3.0, login=login)
    assert not any(b"UsernameToken" in s.body or "Authorization" in s.headers for s in server.seen)
    assert device.operations == ["GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetServiceCapabilities"]
    assert [(n.check, n.reason) for n in result.not_checked if n.check == "onvif"] == [("onvif", Reason.LOGIN_REFUSED)]


def test_http_digest_devices_are_answered_and_the_header_is_not_recorded():
    device = FakeOnvif(user=USER, password=SECRET, http_digest=True)
    result, server = run(device, Credential(USER, SECRET))
    assert all(o.outcome == "ok" for o in result.observations)
    assert any(s.headers.get("Authorization", "").startswith("Digest ") for s in server.seen)
    assert "Authorization" not in _everything(result) and SECRET not in _everything(result)


def test_pre_auth_queries_are_retried_with_the_login_when_the_device_insists():
    device = FakeOnvif(user=USER, password=SECRET, auth_everything=True)
    result, _ = run(device, Credential(USER, SECRET))
    assert all(o.outcome == "ok" for o in result.observations)
    assert [o.probe for o in result.observations].count("onvif.device.system_date_and_time") == 1
    assert device.operations[:2] == ["GetSystemDateAndTime", "GetSystemDateAndTime"]
    refusing = FakeOnvif(user=USER, password="other", auth_everything=True)
    refused, server = run(refusing, Credential(USER, SECRET))
    assert [o.outcome for o in refused.observations] == ["auth_required"] * 3
    assert refusing.operations == ["GetSystemDateAndTime", "GetSystemDateAndTime", "GetServices", "GetCapabilities"]
    # With the login refused the analytics service (named by GetServices, which failed) was never asked.
    assert sum(b"UsernameToken" in s.body for s in server.seen) == 1  # one refused login, then no more
    assert any(n.reason == Reason.LOGIN_REFUSED_STOP for n in refused.not_checked)


def test_faults_404s_empty_and_garbage_answers_map_to_outcomes():
    not_found = Reply(404, [("Content-Type", "text/html")], b"<html>Not Found</html>")
    garbage = Reply(200, [("Content-Type", SOAP)], b"<html><body>login.asp</body></html>")
    empty = Reply(500, [("Content-Type", SOAP)], b"")
    invalid = Reply(
        400,
        [("Content-Type", SOAP)],
        b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code>'
        b"<env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:InvalidArgVal</env:Value><env:Subcode>"
        b"<env:Value>ter:NoConfig</env:Value></env:Subcode></env:Subcode></env:Code></env:Fault></env:Body>"
        b"</env:Envelope>",
    )
    device = FakeOnvif(
        user=USER,
        password=SECRET,
        replies={
            "GetEventProperties": not_found,
            "GetCapabilities": garbage,
            "GetRules": empty,
            "GetSupportedRules": invalid,
        },
    )
    result, _ = run(device, Credential(USER, SECRET))
    probes = by_probe(result)
    assert probes["onvif.events.properties"][0].outcome == "not_supported"
    assert probes["onvif.device.capabilities"][0].outcome == "failed"
    assert probes["onvif.analytics.rules"][0].outcome == "failed"
    supported = probes["onvif.analytics.supported_rules"][0]
    assert supported.outcome == "failed" and "SOAP fault" in supported.detail and "NoConfig" in supported.detail
    assert probes["onvif.analytics.modules"][0].outcome == "ok"  # one bad answer does not stop the others


def test_a_guessed_path_where_http_says_nothing_is_there_ends_after_the_service_list():
    """A web server that is not ONVIF answers 404 to the three pre-auth queries: on a guessed path nothing more is
    asked; at an address the device announced, every query still is (its answers are news either way)."""
    not_found = Reply(404, [("Content-Type", "text/html")], b"<html>Not Found</html>")
    with http_server(lambda request: not_found) as server:
        guessed = onvif_probe("127.0.0.1", server.base + "/onvif/device_service", Credential(USER, SECRET), 3.0,
                              guessed=True)  # fmt: skip
        asked_guessed = len(server.seen)
        announced = onvif_probe("127.0.0.1", server.base + "/onvif/device_service", Credential(USER, SECRET), 3.0)
    assert [o.probe for o in guessed.observations] == [
        "onvif.device.system_date_and_time", "onvif.device.services", "onvif.device.capabilities",
    ]  # fmt: skip
    assert asked_guessed == 3 and {o.status for o in guessed.observations} == {404}
    assert "onvif.device.information" in [o.probe for o in announced.observations]


def test_a_guessed_path_goes_on_when_one_of_the_service_queries_answers():
    """A partial answer (only GetCapabilities, as a recording may hold) is enough to go on."""
    device = FakeOnvif(user=USER, password=SECRET, replies={
        "GetSystemDateAndTime": Reply(404, [("Content-Type", "text/html")], b"Not Found"),
        "GetServices": Reply(404, [("Content-Type", "text/html")], b"Not Found"),
    })  # fmt: skip
    with http_server(device.respond) as server:
        device.base = server.base
        result = onvif_probe("127.0.0.1", server.base + "/onvif/device_service", Credential(USER, SECRET), 3.0,
                             guessed=True)  # fmt: skip
    assert "onvif.media.profiles" in by_probe(result)


def test_each_phase_on_two_lines_gives_what_one_line_gives_in_the_same_order():
    """The pipeline runs each phase's queries at once over the device's lines; what is observed, and its order,
    is that of the queries asked one after the other."""
    phases: list[int] = []

    def two_lines(tasks):
        phases.append(len(tasks))
        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(task) for task in tasks]:
                future.result()

    def seen(result, base):
        return [(o.probe, o.request.replace(base, ""), o.outcome, o.status) for o in result.observations]

    one = FakeOnvif(user=USER, password=SECRET)
    alone, first = run(one, Credential(USER, SECRET))
    two = FakeOnvif(user=USER, password=SECRET)
    with http_server(two.respond) as server:
        two.base = server.base
        together = onvif_probe("127.0.0.1", server.base + "/onvif/device_service", Credential(USER, SECRET), 3.0,
                               lines=two_lines)  # fmt: skip
    assert seen(together, server.base) == seen(alone, first.base)
    assert [u.replace(server.base[7:], "") for u in together.stream_uris] == [
        u.replace(first.base[7:], "") for u in alone.stream_uris]  # fmt: skip
    assert together.absent == alone.absent and together.not_checked == alone.not_checked
    assert max(phases) >= 4 and len(phases) >= 4  # the analytics phase asks several queries at once


def test_action_not_supported_fault():
    fault = (ONVIF / "Fault_ActionNotSupported.xml").read_bytes()
    device = FakeOnvif(user=USER, password=SECRET)
    device.replies["GetEventProperties"] = Reply(500, [("Content-Type", SOAP)], fault)
    result, _ = run(device, Credential(USER, SECRET))
    events = by_probe(result)["onvif.events.properties"][0]
    assert events.outcome == "absent" and "ActionNotSupported" in events.detail
    assert events.body == fault


def test_odd_clock_fields_give_no_offset():
    device = FakeOnvif(date_fields={"HOUR": "", "MONTH": "13"})
    result, _ = run(device, None)
    clock = result.observations[0]
    assert clock.outcome == "ok" and clock.value("utc") == () and result.clock_offset_s is None


def test_hostile_answers_are_capped_and_refused():
    big = Reply(200, [("Content-Type", SOAP)], b"<a>" + b"x" * (MAX_BODY + 10) + b"</a>")
    bomb = Reply(200, [("Content-Type", SOAP)], b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaa">]><e>&a;</e>')
    device = FakeOnvif(replies={"GetSystemDateAndTime": big, "GetServices": bomb})
    result, _ = run(device, None)
    clock, services = result.observations[0], result.observations[1]
    assert clock.outcome == "failed" and "larger than 1 MiB" in clock.detail
    assert services.outcome == "failed"


def test_an_unreachable_or_off_scope_xaddr_never_raises():
    result = onvif_probe("127.0.0.1", f"http://127.0.0.1:{closed_port()}/onvif/device_service", None, 1.0)
    assert [o.outcome for o in result.observations] == ["failed"] * 3
    assert result.observations[0].status is None and "connection" in result.observations[0].detail
    odd = onvif_probe("127.0.0.1", "not a url", None, 1.0)
    assert odd.observations[0].outcome == "failed" and odd.clock_offset_s is None


def test_xaddr_with_a_host_name_is_re_pointed_at_the_address():
    device = FakeOnvif()
    with http_server(device.respond) as server:
        device.base = server.base
        result = onvif_probe("127.0.0.1", f"http://camera.example:{server.port}/onvif/device_service", None, 3.0)
    assert result.observations[0].outcome == "ok"
    assert result.observations[0].request.endswith(f"http://127.0.0.1:{server.port}/onvif/device_service")


def test_importing_the_adapter_leaves_logging_alone():
    # onvif-zeep calls logging.basicConfig(level=INFO) on import; the adapter must undo that.
    code = (
        "import logging; before = (list(logging.getLogger().handlers), logging.getLogger().level); "
        "import scanner.probes.onvif; "
        "assert (list(logging.getLogger().handlers), logging.getLogger().level) == before"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
