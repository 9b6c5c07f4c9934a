"""The loader: what a valid file becomes, and one clear line naming file and key for each mistake."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.errors import SignatureError
from scanner.matching.loader import CODE_PROBES, default_directory, load_signatures

RULE = """
[[rule]]
id = "acme.cap.face"
name = "Face detection flag"
vendor = "Acme"
feature = "face_detection"
level = "capable"
confidence = "high"
probe = "acme.caps"
sources = ["https://example.org/acme-api"]
matchers = [{ kind = "xml", path = "Caps/face", equals = "true" }]
cases = [
  { expect = true, body = "<Caps><face>true</face></Caps>" },
  { expect = false, file = "cases/acme/caps-false.xml", note = "flag off" },
]
"""
REQUEST = """
[[request]]
id = "acme.caps"
vendor = "Acme"
path = "/api/caps"
extract = { model = "xml:Caps/model" }
"""
VENDORS = """
schema = 1
[[vendor]]
name = "Acme"
aliases = ["Acme Corp"]
oui_names = ["Acme Devices"]
"""


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    """A signatures/ directory holding the given files (relative names)."""
    root = tmp_path / "signatures"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def valid(tmp_path: Path, rule: str = RULE, extra: dict[str, str] | None = None) -> Path:
    files = {
        "acme.toml": "schema = 1\nname = 'Acme'\n" + REQUEST + rule,
        "vendors.toml": VENDORS,
        "cases/acme/caps-false.xml": "<Caps><face>false</face></Caps>",
    }
    return write(tmp_path, files | (extra or {}))


def error_of(directory: Path) -> str:
    with pytest.raises(SignatureError) as caught:
        load_signatures(directory)
    message = str(caught.value)
    assert "\n" not in message  # one line
    return message


def test_a_valid_set_loads_with_defaults_resolved(tmp_path: Path) -> None:
    sigset = load_signatures(valid(tmp_path))
    (rule,) = sigset.rules
    assert rule.id == "acme.cap.face" and rule.vendor == "Acme" and rule.match == "all"
    assert rule.cases[1].body == b"<Caps><face>false</face></Caps>" and rule.cases[1].note == "flag off"
    assert rule.cases[0].status == 200 and rule.source == "signatures/acme.toml"
    (spec,) = sigset.requests
    assert (spec.method, spec.auth, spec.when, spec.extract) == ("GET", True, "vendor", (("model", "xml:Caps/model"),))
    assert sigset.files == ("acme.toml", "vendors.toml")
    assert re.fullmatch(r"[0-9a-f]{64}", sigset.digest)


def test_the_default_directory_is_the_repository_signatures(tmp_path: Path) -> None:
    assert default_directory().name == "signatures" and (default_directory() / "onvif.toml").is_file()
    assert load_signatures().digest == load_signatures(default_directory()).digest


def test_digest_covers_case_files_and_is_stable(tmp_path: Path) -> None:
    directory = valid(tmp_path)
    first = load_signatures(directory).digest
    assert load_signatures(directory).digest == first
    (directory / "cases/acme/caps-false.xml").write_text("<Caps><face>no</face></Caps>", encoding="utf-8")
    assert load_signatures(directory).digest != first


def test_unknown_matcher_kind_names_file_and_key_path(tmp_path: Path) -> None:
    rule = RULE.replace('kind = "xml"', 'kind = "xpath"')
    assert error_of(valid(tmp_path, rule)) == "signatures/acme.toml: rule[0].matchers[0]: unknown kind 'xpath'"


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    other = "schema = 1\n" + RULE.replace("cases/acme/caps-false.xml", "cases/acme/caps-false.xml")
    message = error_of(valid(tmp_path, extra={"other.toml": other}))
    assert message.startswith("signatures/other.toml: rule[0]: id 'acme.cap.face' is already defined at")
    assert "signatures/acme.toml: rule[0]" in message


def test_missing_negative_case(tmp_path: Path) -> None:
    rule = RULE.replace('{ expect = false, file = "cases/acme/caps-false.xml", note = "flag off" },', "")
    message = error_of(valid(tmp_path, rule))
    assert message == (
        "signatures/acme.toml: rule[0].cases: needs at least one case with expect = true and one with expect = false"
    )


def test_unknown_probe(tmp_path: Path) -> None:
    rule = RULE.replace('probe = "acme.caps"', 'probe = "acme.nothing"')
    message = error_of(valid(tmp_path, rule))
    assert message.startswith("signatures/acme.toml: rule[0].probe: unknown probe 'acme.nothing'")


def test_code_probes_need_no_request(tmp_path: Path) -> None:
    rule = RULE.replace('probe = "acme.caps"', 'probe = "onvif.events.properties"')
    assert load_signatures(valid(tmp_path, rule)).rules[0].probe in CODE_PROBES


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('feature = "face_detection"', 'feature = "faces"'), "rule[0].feature: 'faces' is not one of face_detection"),
        (('level = "capable"', 'level = "used"'), "rule[0].level: 'used' is not one of capable, configured, active"),
        (('confidence = "high"', 'confidence = "sure"'), "rule[0].confidence: 'sure' is not one of low, medium, high"),
        (('sources = ["https://example.org/acme-api"]', "sources = []"), "rule[0].sources: needs at least one source"),
        (
            ('sources = ["https://example.org/acme-api"]', 'sources = ["a blog"]'),
            "rule[0].sources: 'a blog' is neither",
        ),
        (('equals = "true"', 'equals = "true", pattern = "x"'), "rule[0].matchers[0]: key 'pattern' does not apply"),
        (('path = "Caps/face", ', ""), "rule[0].matchers[0]: kind 'xml' needs 'path'"),
        (('path = "Caps/face"', 'path = "Caps//face"'), "rule[0].matchers[0].path: 'Caps//face' is not a path"),
        (('equals = "true"', 'regex = "(unclosed"'), "rule[0].matchers[0].regex: invalid regex '(unclosed'"),
        (('kind = "xml",', 'kind = "xml", part = "header:Server",'), "rule[0].matchers[0].part: kind 'xml' reads"),
        (('vendor = "Acme"\nfeature', 'vendor = "Nobody"\nfeature'), "rule[0].vendor: unknown vendor 'Nobody'"),
        (('id = "acme.cap.face"', 'id = "Acme Face"'), "rule[0].id: 'Acme Face' must be lower-case"),
        (("cases/acme/caps-false.xml", "../outside.xml"), "rule[0].cases[1].file: '../outside.xml' is not a file"),
        (('name = "Face detection flag"', 'name = "x"\ncolour = "red"'), "rule[0]: unknown key 'colour'"),
    ],
)
def test_each_mistake_gets_one_line_naming_the_key(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in RULE
    assert error_of(valid(tmp_path, RULE.replace(old, new, 1))).startswith(f"signatures/acme.toml: {expected}")


def test_request_mistakes(tmp_path: Path) -> None:
    bad_extract = REQUEST.replace('model = "xml:Caps/model"', 'colour = "xml:Caps/colour"')
    files = {"acme.toml": "schema = 1\n" + bad_extract + RULE}
    message = error_of(valid(tmp_path, extra=files))
    assert message.startswith("signatures/acme.toml: request[0].extract.colour: unknown identity field 'colour'")
    no_group = REQUEST.replace('"xml:Caps/model"', '"regex:model=\\\\S+"')
    message = error_of(valid(tmp_path, extra={"acme.toml": "schema = 1\n" + no_group + RULE}))
    assert message.endswith("a regex extract needs exactly one group")
    shadow = REQUEST.replace('id = "acme.caps"', 'id = "http.root"')
    message = error_of(valid(tmp_path, extra={"acme.toml": "schema = 1\n" + shadow + RULE}))
    assert "request[0].id: 'http.root' is a probe id that code produces" in message


def test_file_level_mistakes(tmp_path: Path) -> None:
    assert error_of(valid(tmp_path, extra={"bad.toml": "schema = 2\n"})) == "signatures/bad.toml: schema: must be 1"
    assert "cannot be read as TOML" in error_of(valid(tmp_path, extra={"bad.toml": "schema = \n"}))
    assert error_of(tmp_path / "missing").endswith("does not exist")
    (tmp_path / "empty").mkdir()
    assert error_of(tmp_path / "empty").endswith("has no *.toml files")


def test_identify_needs_a_vendor_and_cases(tmp_path: Path) -> None:
    identify = """
[[identify]]
id = "acme.server"
probe = "http.root"
confidence = "high"
sources = ["https://example.org/acme-api"]
matchers = [{ kind = "regex", part = "header:Server", pattern = "^Acme" }]
cases = [{ expect = true, headers = { Server = "Acme/1.0" } }, { expect = false, headers = { Server = "nginx" } }]
"""
    message = error_of(valid(tmp_path, extra={"id.toml": "schema = 1\n" + identify}))
    assert message.startswith("signatures/id.toml: identify[0].vendor: is required (no file-level vendor), unless")
    sigset = load_signatures(valid(tmp_path, extra={"id.toml": "schema = 1\nvendor = 'Acme'\n" + identify}))
    (ident,) = sigset.identifies
    assert ident.vendor == "Acme" and ident.camera is True and ident.cases[0].headers == (("Server", "Acme/1.0"),)


def test_a_fingerprint_that_rules_a_camera_out_may_name_no_vendor(tmp_path: Path) -> None:
    page = """
[[identify]]
id = "web.default_page"
probe = "http.root"
confidence = "medium"
camera = false
role = "other"
sources = ["https://example.org/server-docs"]
matchers = [{ kind = "regex", part = "value:title", pattern = "^Welcome$" }]
cases = [{ expect = true, values = { title = ["Welcome"] } }, { expect = false, values = { title = ["Login"] } }]
"""
    (ident,) = load_signatures(valid(tmp_path, extra={"web.toml": "schema = 1\n" + page})).identifies
    assert ident.vendor is None and ident.role == "other" and not ident.camera
    camera = page.replace("camera = false\n", "")
    assert "identify[0].vendor: is required" in error_of(valid(tmp_path, extra={"web.toml": "schema = 1\n" + camera}))
    unknown = page.replace('role = "other"', 'role = "unknown"')
    assert "identify[0].role" in error_of(valid(tmp_path, extra={"web.toml": "schema = 1\n" + unknown}))


IDENTIFY_REQUEST = """
[[request]]
id = "acme.hello"
path = "/api/hello"
auth = false
when = "identify"
"""
HELLO = """
[[identify]]
id = "acme.hello_realm"
probe = "acme.hello"
confidence = "medium"
sources = ["https://example.org/acme-api"]
matchers = [{ kind = "regex", part = "value:realm", pattern = "^Acme_" }]
cases = [{ expect = true, status = 401, values = { realm = ["Acme_1"] } }, { expect = false, status = 404 }]
"""


def test_an_identification_request_needs_no_login_and_a_fingerprint_reading_it(tmp_path: Path) -> None:
    """`when = "identify"` goes to hosts nothing identified: never with the owner's login, one plain request, and
    only when a fingerprint reads its answer."""
    files = {"hello.toml": "schema = 1\nvendor = 'Acme'\n" + IDENTIFY_REQUEST + HELLO}
    (spec,) = [s for s in load_signatures(valid(tmp_path, extra=files)).requests if s.when == "identify"]
    assert spec.auth is False
    with_login = {"hello.toml": files["hello.toml"].replace("auth = false\n", "")}
    assert "needs auth = false" in error_of(valid(tmp_path, extra=with_login))
    per_channel = files["hello.toml"].replace('path = "/api/hello"', 'path = "/api/{channel}"\nper_channel = true')
    assert "is one plain request" in error_of(valid(tmp_path, extra={"hello.toml": per_channel}))
    unread = {"hello.toml": "schema = 1\nvendor = 'Acme'\n" + IDENTIFY_REQUEST}
    assert error_of(valid(tmp_path, extra=unread)).endswith('when = "identify" needs an [[identify]] rule reading it')


def test_the_identification_round_is_bounded(tmp_path: Path) -> None:
    from scanner.matching.schema import MAX_IDENTIFY_REQUESTS

    many = "".join(
        IDENTIFY_REQUEST.replace("acme.hello", f"acme.hello{n}") + HELLO.replace("acme.hello", f"acme.hello{n}")
        for n in range(MAX_IDENTIFY_REQUESTS + 1)
    )
    message = error_of(valid(tmp_path, extra={"hello.toml": "schema = 1\nvendor = 'Acme'\n" + many}))
    assert f"at most {MAX_IDENTIFY_REQUESTS} go to an unidentified host" in message
    shipped = [s for s in load_signatures().requests if s.when == "identify"]
    assert 0 < len(shipped) <= MAX_IDENTIFY_REQUESTS and not any(s.auth for s in shipped)


def test_case_values_accept_a_string_or_a_list(tmp_path: Path) -> None:
    rule = RULE.replace('body = "<Caps><face>true</face></Caps>"', 'values = { topics = ["a", "b"], title = "x" }')
    sigset = load_signatures(valid(tmp_path, rule))
    assert sigset.rules[0].cases[0].values == (("topics", ("a", "b")), ("title", ("x",)))


def test_matcher_vocabulary_is_consistent() -> None:
    from scanner.matching.schema import MATCHER_KEYS, MATCHER_KINDS

    assert set(MATCHER_KEYS) == set(MATCHER_KINDS)


# --- the evidence standard, enforced when loading (docs/evidence-standard.md) ---


def test_a_configured_rule_without_a_switch_matcher_is_refused(tmp_path: Path) -> None:
    configured = RULE.replace('level = "capable"', 'level = "configured"')
    message = error_of(valid(tmp_path, configured))
    assert message.startswith("signatures/acme.toml: rule[0]: a configured rule needs a matcher with switch = true")
    switched = configured.replace('equals = "true"', 'equals = "true", switch = true')
    assert load_signatures(valid(tmp_path / "switched", switched)).rules[0].level == "configured"


def test_an_active_rule_needs_a_count_or_an_event(tmp_path: Path) -> None:
    active = RULE.replace('level = "capable"', 'level = "active"')
    assert "an active rule needs a matcher with count = true" in error_of(valid(tmp_path, active))
    counted = active.replace('equals = "true"', "gt = 0, count = true")
    assert load_signatures(valid(tmp_path / "counted", counted)).rules[0].level == "active"
    assert "a count matcher needs gt" in error_of(
        valid(tmp_path / "no-gt", active.replace('equals = "true"', "count = true"))
    )
