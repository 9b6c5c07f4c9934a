"""The hand-built ONVIF requests (GetRuleOptions, GetSupportedMetadata) and observe mode's PullPoint subscription."""

from __future__ import annotations

from lxml import etree

from scanner.model import Credential
from scanner.probes.onvif import onvif_probe
from scanner.vocabulary import Reason
from tests.probes.fake_onvif import ONVIF, SOAP, FakeOnvif
from tests.probes.servers import Reply, http_server

USER, SECRET = "operator", "Onvif-Pa$$word-9"
WSA = "{http://www.w3.org/2005/08/addressing}"


def _observe(device: FakeOnvif, credential: Credential | None, seconds: float = 1.0):
    with http_server(device.respond) as server:
        device.base = server.base
        result = onvif_probe("127.0.0.1", server.base + "/onvif/device_service", credential, 3.0, observe=seconds)
    return result, server


def _probes(result) -> dict[str, list]:
    found: dict[str, list] = {}
    for obs in result.observations:
        found.setdefault(obs.probe, []).append(obs)
    return found


def _headers(body: bytes) -> dict[str, str]:
    header = etree.fromstring(body).find("{http://www.w3.org/2003/05/soap-envelope}Header")
    return {etree.QName(h).localname: (h.text or "") for h in header} if header is not None else {}


def test_rule_options_and_supported_metadata_are_asked_when_the_service_says_it_has_them():
    result, server = _observe(FakeOnvif(user=USER, password=SECRET), Credential(USER, SECRET), 0.0)
    probes = _probes(result)
    options = probes["onvif.analytics.rule_options"][0]
    assert options.outcome == "ok" and options.value("class_options") == ("Person", "Vehicle", "Face", "LicensePlate")
    assert "tt:ObjectDetection/ClassFilter" in options.value("rule_options")
    metadata = probes["onvif.analytics.supported_metadata"][0]
    assert metadata.value("appearance") == ("Shape", "Class", "HumanFace")
    assert metadata.value("object_classes") == ("Human",) and b"HumanFace" in metadata.body
    capabilities = probes["onvif.analytics.capabilities"][0]
    assert "SupportedMetadata=true" in capabilities.value("capabilities")
    sent = [s for s in server.seen if b"GetRuleOptions" in s.body][0]
    assert b"UsernameToken" in sent.body and b"<tan:ConfigurationToken" not in sent.body  # our own prefixes
    assert b"VideoAnalyticsToken" in sent.body and 'wsdl/GetRuleOptions"' in sent.headers.get("Content-Type", "")
    assert "onvif.events.subscribe" not in probes  # no observe window: no subscription


def test_without_the_capabilities_the_extra_analytics_queries_are_not_sent():
    bare = Reply(
        200,
        [("Content-Type", SOAP)],
        (ONVIF / "GetServiceCapabilities.xml")
        .read_bytes()
        .replace(b'RuleOptionsSupported="true"', b"")
        .replace(b'SupportedMetadata="true"', b""),
    )
    device = FakeOnvif(user=USER, password=SECRET, replies={"GetServiceCapabilities": bare})
    result, _ = _observe(device, Credential(USER, SECRET), 0.0)
    assert "GetRuleOptions" not in device.operations and "GetSupportedMetadata" not in device.operations
    assert all(o.outcome == "ok" for o in result.observations)


def test_observe_subscribes_pulls_withholds_personal_data_and_unsubscribes():
    device = FakeOnvif(user=USER, password=SECRET)
    result, server = _observe(device, Credential(USER, SECRET), 1.0)
    probes = _probes(result)
    ops = device.operations
    assert ops.index("CreatePullPointSubscription") < ops.index("PullMessages") < ops.index("Unsubscribe")
    assert ops[-1] == "Unsubscribe" and ops.count("CreatePullPointSubscription") == 1
    pull = probes["onvif.events.pull"][0]
    assert pull.outcome == "ok"
    assert "tns1:RuleEngine/MyRuleDetector/FaceDetect" in pull.value("true_topics")
    assert "tns1:RuleEngine/CellMotionDetector/Motion" not in pull.value("true_topics")
    assert pull.value("recognition_topics") == ("tns1:RuleEngine/Recognition/Face",)
    # Who was recognised and their picture never enter the evidence; the recognition itself does.
    assert b"employee-4711" not in pull.body and b"/9j/4AAQ" not in pull.body and b"Whitelisted" not in pull.body
    assert b"Likelihood" in pull.body and "withheld" in pull.detail
    assert probes["onvif.events.unsubscribe"][0].outcome == "ok"
    sent = [s for s in server.seen if b"PullMessages" in s.body][0]
    headers = _headers(sent.body)
    assert sent.path == "/onvif/Subscription?Idx=7" and headers["To"] == server.base + "/onvif/Subscription?Idx=7"
    assert headers["SubscriptionId"] == "7" and headers["Action"].endswith("PullMessagesRequest")
    assert SECRET not in repr(result)


def test_observe_without_a_login_creates_nothing_and_says_why():
    device = FakeOnvif(user=USER, password=SECRET)
    result, _ = _observe(device, None, 1.0)
    assert "CreatePullPointSubscription" not in device.operations
    assert any(n.check == "onvif.events.pull" and n.reason == Reason.OBSERVE_LOGIN for n in result.not_checked)


def test_a_subscription_address_on_another_host_is_re_pointed_at_the_device():
    device = FakeOnvif(user=USER, password=SECRET)
    with http_server(device.respond) as server:
        device.base = server.base
        other = f"http://127.0.0.2:{server.port}"  # the same port on another host: never contacted
        body = (ONVIF / "CreatePullPointSubscription.xml").read_text().replace("@BASE@", other).encode()
        device.replies["CreatePullPointSubscription"] = Reply(200, [("Content-Type", SOAP)], body)
        result = onvif_probe(
            "127.0.0.1", server.base + "/onvif/device_service", Credential(USER, SECRET), 3.0, observe=1.0
        )
    pulls = [s for s in server.seen if b"PullMessages" in s.body or b"Unsubscribe" in s.body]
    assert len(pulls) == 2 and all(s.path == "/onvif/Subscription?Idx=7" for s in pulls)
    assert _probes(result)["onvif.events.pull"][0].request.startswith("PullMessages(")


def test_a_failing_pull_still_unsubscribes():
    device = FakeOnvif(user=USER, password=SECRET, replies={"PullMessages": Reply(500, [], b"")})
    result, _ = _observe(device, Credential(USER, SECRET), 3.0)
    assert device.operations.count("PullMessages") == 1 and device.operations[-1] == "Unsubscribe"
    assert _probes(result)["onvif.events.pull"][0].outcome == "failed"
