"""Each matcher kind on small recorded-format answers, including hostile and malformed ones."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.matching.matchers import EXCERPT_MAX, evaluate
from scanner.matching.schema import Matcher
from scanner.model import OK, Observation

HIK_NS = b'xmlns="http://www.hikvision.com/ver20/XMLSchema"'
ISAPI_NS = b'xmlns="http://www.isapi.org/ver20/XMLSchema"'


def obs(
    body: bytes | str = b"",
    headers: tuple[tuple[str, str], ...] = (),
    status: int | None = 200,
    values: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> Observation:
    data = body.encode() if isinstance(body, str) else body
    return Observation("test.probe", "GET /test", OK, status, headers, data, values=values)


def caps(namespace: bytes, detect: str) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<DeviceCap version="2.0" ' + namespace + b">"
        b"<SmartCap><isSupportFaceDetect>" + detect.encode() + b"</isSupportFaceDetect></SmartCap></DeviceCap>"
    )


# --- regex / contains / equals / exists ---


def test_regex_on_a_header_gives_the_header_line() -> None:
    m = Matcher("regex", part="header:Server", pattern="^App-webs")
    assert evaluate(m, obs(headers=(("server", "App-webs/"),))) == "Server: App-webs/"
    assert evaluate(m, obs(headers=(("Server", "nginx"),))) is None
    assert evaluate(m, obs()) is None  # no such header


def test_regex_on_the_body_gives_a_window_around_the_hit() -> None:
    body = "x" * 5000 + "needle" + "y" * 5000
    excerpt = evaluate(Matcher("regex", pattern="needle"), obs(body))
    assert excerpt is not None and "needle" in excerpt and len(excerpt) < 300


def test_contains_is_case_sensitive_and_regex_can_ignore_case() -> None:
    body = "<title>Web Service</title>"
    assert evaluate(Matcher("contains", text="WEB SERVICE"), obs(body)) is None
    assert evaluate(Matcher("regex", pattern="(?i)web service"), obs(body)) is not None


def test_equals_on_status_compares_the_number() -> None:
    assert evaluate(Matcher("equals", part="status", text="200"), obs()) == "status 200"
    assert evaluate(Matcher("equals", part="status", text="200"), obs(status=401)) is None
    assert evaluate(Matcher("equals", part="status", text="200"), obs(status=None)) is None


def test_exists_needs_a_non_empty_part() -> None:
    m = Matcher("exists", part="header:WWW-Authenticate")
    assert evaluate(m, obs(headers=(("WWW-Authenticate", 'Digest realm="x"'),))) is not None
    assert evaluate(m, obs(headers=(("WWW-Authenticate", "  "),))) is None
    assert evaluate(Matcher("exists"), obs(b"")) is None


def test_value_items_are_tested_one_by_one() -> None:
    topics = ("tns1:RuleEngine/CellMotionDetector/Motion", "tns1:RuleEngine/Recognition/Face")
    m = Matcher("regex", part="value:topics", pattern="Recognition/Face$")
    assert evaluate(m, obs(values=(("topics", topics),))) == "tns1:RuleEngine/Recognition/Face"
    # Anchors apply per item, not to the items joined together.
    anchored = Matcher("regex", part="value:topics", pattern="^tns1:RuleEngine/Recognition/Face$")
    assert evaluate(anchored, obs(values=(("topics", topics),))) is not None
    assert evaluate(m, obs(values=(("other", topics),))) is None


# --- xml ---


def test_xml_path_matches_local_names_in_both_hikvision_namespaces() -> None:
    m = Matcher("xml", path="DeviceCap/SmartCap/isSupportFaceDetect", equals="true")
    for namespace in (HIK_NS, ISAPI_NS, b""):
        assert evaluate(m, obs(caps(namespace, "true"))) == "<isSupportFaceDetect>true</isSupportFaceDetect>"
        assert evaluate(m, obs(caps(namespace, "false"))) is None


def test_xml_path_is_anchored_at_the_root_unless_it_starts_with_double_slash() -> None:
    body = (
        b"<Envelope><Body><DeviceCap><SmartCap><isSupportFaceDetect>true</isSupportFaceDetect>"
        b"</SmartCap></DeviceCap></Body></Envelope>"
    )
    assert evaluate(Matcher("xml", path="DeviceCap/SmartCap/isSupportFaceDetect", equals="true"), obs(body)) is None
    assert evaluate(Matcher("xml", path="//SmartCap/isSupportFaceDetect", equals="true"), obs(body)) is not None
    assert evaluate(Matcher("xml", path="Envelope/*/DeviceCap/SmartCap/isSupportFaceDetect"), obs(body)) is not None


def test_xml_attribute_with_qname_drops_the_prefix() -> None:
    body = (
        b'<tan:GetRulesResponse xmlns:tan="http://www.onvif.org/ver20/analytics/wsdl">'
        b'<tan:Rule Name="Door" Type="tt:FaceRecognition"/></tan:GetRulesResponse>'
    )
    plain = Matcher("xml", path="//Rule/@Type", equals="FaceRecognition")
    qname = Matcher("xml", path="//Rule/@Type", equals="FaceRecognition", qname=True)
    assert evaluate(plain, obs(body)) is None
    assert evaluate(qname, obs(body)) == '<Rule Name="Door" Type="tt:FaceRecognition"/>'


def test_xml_namespaced_attribute_is_found_by_its_local_name() -> None:
    body = b'<TopicSet xmlns:wstop="http://docs.oasis-open.org/wsn/t-1"><Face wstop:topic="true"/></TopicSet>'
    assert evaluate(Matcher("xml", path="//Face/@topic", equals="true"), obs(body)) is not None


def test_xml_without_comparison_means_the_node_exists() -> None:
    body = b'<FDLibCap version="2.0"><CreateFDLibList size="16"/></FDLibCap>'
    assert evaluate(Matcher("xml", path="FDLibCap"), obs(body)) is not None
    assert evaluate(Matcher("xml", path="AccessControl"), obs(body)) is None


def test_xml_in_regex_and_gt_comparisons() -> None:
    body = (
        b"<List><Item><type>faceSnap</type><count>3</count></Item><Item><type>VMD</type><count>x</count></Item></List>"
    )
    assert evaluate(Matcher("xml", path="List/Item/type", one_of=("faceSnap", "facedetection")), obs(body))
    assert evaluate(Matcher("xml", path="List/Item/type", one_of=("faceContrast",)), obs(body)) is None
    assert evaluate(Matcher("xml", path="//type", regex="(?i)^FACESNAP$"), obs(body)) is not None
    assert evaluate(Matcher("xml", path="//count", gt=2), obs(body)) == "<count>3</count>"
    assert evaluate(Matcher("xml", path="//count", gt=3), obs(body)) is None  # and "x" is not a number


def test_xml_sibling_must_hold_in_the_same_parent() -> None:
    notify = "EventTriggerNotificationList/EventTriggerNotification/notificationMethod"
    m = Matcher("xml", path="//EventTrigger/eventType", equals="faceSnap", sibling=((notify, r"\S"),))
    trap = (
        b"<EventTriggerList>"
        b"<EventTrigger><eventType>VMD</eventType><EventTriggerNotificationList><EventTriggerNotification>"
        b"<notificationMethod>center</notificationMethod></EventTriggerNotification></EventTriggerNotificationList>"
        b"</EventTrigger>"
        b"<EventTrigger><eventType>faceSnap</eventType><EventTriggerNotificationList/></EventTrigger>"
        b"</EventTriggerList>"
    )
    assert evaluate(m, obs(trap)) is None
    linked = trap.replace(b"VMD", b"faceSnap")
    excerpt = evaluate(m, obs(linked))
    assert excerpt is not None and excerpt.startswith("<EventTrigger><eventType>faceSnap</eventType>")
    assert "<notificationMethod>center</notificationMethod>" in excerpt


def test_malformed_and_hostile_xml_never_match_and_never_raise() -> None:
    m = Matcher("xml", path="//isSupportFaceDetect", equals="true")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<isSupportFaceDetect>&lol2;</isSupportFaceDetect>"
    )
    external = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><isSupportFaceDetect>&e;</isSupportFaceDetect>'
    for body in (b"", b"<<<not xml", b"\x00\xff\xfe binary", bomb, external, b'{"isSupportFaceDetect": true}'):
        assert evaluate(m, obs(body)) is None


def test_xml_excerpt_is_capped() -> None:
    items = b"".join(b"<item>%d</item>" % i for i in range(500))
    excerpt = evaluate(Matcher("xml", path="List"), obs(b"<List>" + items + b"</List>"))
    assert excerpt is not None and len(excerpt) <= EXCERPT_MAX and excerpt.endswith("…")


# --- kv ---


DAHUA_RULES = (
    "table.VideoAnalyseRule[0][0].Enable=false\r\n"
    "table.VideoAnalyseRule[0][0].Type=FaceDetection\r\n"
    "table.VideoAnalyseRule[0][1].Enable=true\r\n"
    "table.VideoAnalyseRule[0][1].Type=CrossLineDetection\r\n"
)


def test_kv_key_is_a_full_match_and_the_value_is_compared() -> None:
    key = r"(table\.)?VideoAnalyseRule\[\d+\]\[\d+\]\.Type"
    assert evaluate(Matcher("kv", key=key, equals="FaceDetection"), obs(DAHUA_RULES)) == (
        "table.VideoAnalyseRule[0][0].Type=FaceDetection"
    )
    assert evaluate(Matcher("kv", key="VideoAnalyseRule", equals="FaceDetection"), obs(DAHUA_RULES)) is None


def test_kv_sibling_is_read_from_the_same_rule() -> None:
    key = r"table\.VideoAnalyseRule\[\d+\]\[\d+\]\.Type"
    m = Matcher("kv", key=key, equals="FaceDetection", sibling=(("Enable", "(?i)^true$"),))
    assert evaluate(m, obs(DAHUA_RULES)) is None  # the face rule is disabled; another rule is enabled
    enabled = DAHUA_RULES.replace("[0][0].Enable=false", "[0][0].Enable=true")
    assert evaluate(m, obs(enabled)) == (
        "table.VideoAnalyseRule[0][0].Type=FaceDetection\ntable.VideoAnalyseRule[0][0].Enable=true"
    )


def test_kv_ignores_lines_that_are_not_key_value() -> None:
    body = "<html>\nError 401\n=orphan\ntype=IPC-HDW5831R-ZE\n"
    assert evaluate(Matcher("kv", key="type"), obs(body)) == "type=IPC-HDW5831R-ZE"
    assert evaluate(Matcher("kv", key="type"), obs(b"\xff\xfe\x00garbage")) is None


# --- json ---


FDLIB = (
    b'{"FDRecordDataInfo":[{"FDID":"1","faceLibType":"blackFD","recordDataNumber":0},'
    b'{"FDID":"2","faceLibType":"staticFD","recordDataNumber":6}]}'
)


def test_json_star_tries_every_list_item_and_gt_compares_numbers() -> None:
    m = Matcher("json", path="FDRecordDataInfo[*].recordDataNumber", gt=0)
    excerpt = evaluate(m, obs(FDLIB))
    assert excerpt is not None and excerpt.startswith("FDRecordDataInfo[1]:") and '"FDID": "2"' in excerpt
    assert evaluate(Matcher("json", path="FDRecordDataInfo[0].recordDataNumber", gt=0), obs(FDLIB)) is None
    assert evaluate(Matcher("json", path="FDRecordDataInfo[1].recordDataNumber", gt=0), obs(FDLIB)) is not None
    assert evaluate(Matcher("json", path="FDRecordDataInfo[5].recordDataNumber"), obs(FDLIB)) is None


def test_json_booleans_compare_as_true_false_and_null_is_absent() -> None:
    body = b'{"value": {"face": {"support": true, "alarm_state": null}}}'
    assert evaluate(Matcher("json", path="value.face.support", equals="true"), obs(body)) is not None
    assert evaluate(Matcher("json", path="value.face.alarm_state"), obs(body)) is None
    assert evaluate(Matcher("json", path="value.face.missing"), obs(body)) is None


def test_json_numeric_strings_satisfy_gt_and_text_does_not() -> None:
    assert evaluate(Matcher("json", path="n", gt=1), obs(b'{"n": "5"}')) is not None
    assert evaluate(Matcher("json", path="n", gt=1), obs(b'{"n": "five"}')) is None
    assert evaluate(Matcher("json", path="n", gt=1), obs(b'{"n": true}')) is None


def test_malformed_json_never_matches_and_never_raises() -> None:
    m = Matcher("json", path="FDRecordDataInfo[*].recordDataNumber", gt=0)
    deep = b"[" * 100_000 + b"]" * 100_000
    for body in (b"", b'{"FDRecordDataInfo": [{"recordDataNumber": 6', b"<xml/>", b"\xff\xfe", deep, b"NaN"):
        assert evaluate(m, obs(body)) is None


# --- any input: None or a capped string, never an exception ---


KINDS = [
    Matcher("regex", pattern="face"),
    Matcher("contains", text="face"),
    Matcher("xml", path="//face", regex="."),
    Matcher("xml", path="//a", sibling=(("b/@c", "."),)),
    Matcher("kv", key=".*", sibling=(("Enable", "true"),)),
    Matcher("json", path="a[*].b", gt=0),
]


@given(st.binary(max_size=2048))
def test_any_bytes_give_none_or_a_capped_excerpt(body: bytes) -> None:
    for matcher in KINDS:
        excerpt = evaluate(matcher, obs(body))
        assert excerpt is None or len(excerpt) <= EXCERPT_MAX
