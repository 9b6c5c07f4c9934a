"""The evidence bundle: credentials redacted everywhere, every byte covered by the manifest, signatures checked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner.errors import UsageError
from scanner.net.redact import secret_forms
from scanner.report.bundle.manifest import MANIFEST, SIGNATURE
from scanner.report.bundle.params import BundleParams, bundle_params
from scanner.report.bundle.recorded import observation_file
from scanner.report.bundle.verify import verification_lines, verify_bundle
from scanner.report.bundle.write import check_bundle_target, safe_name, write_bundle
from scanner.report.i18n import load_catalog
from tests.report.sample import PASSWORD, USERNAME, sample_result

SECRETS = secret_forms(USERNAME, PASSWORD)
# WS-Security digest and nonce, session cookie, Digest response: in the sample, never to be kept.
TOKENS = ("q1Zk8z0c9Xa0bH3sFfQx3yq6L2w=", "LKqI6G/AikKCQrN0zqZFlg==", "8f1e2d", "d41d8cd98f00b204")


def _params() -> BundleParams:
    return BundleParams(
        targets=("127.77.0.0/24",),
        ports=(80, 554),
        probes=("http.root",),
        signature_digest="d" * 64,
        started_at="2026-11-27T10:00:00.000Z",
        finished_at="2026-11-27T10:00:42.500Z",
        host="inspector",
        interface="lo (127.0.0.1)",
        observe_window=1.0,
    )


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    directory = tmp_path / "case-file"
    write_bundle(sample_result(), _params(), directory, secrets=SECRETS, extra_files={"report.html": b"<html></html>"})
    return directory


def _all_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def test_an_observation_file_cannot_be_forged_by_a_header_value():
    from scanner.model import Observation

    obs = Observation("http.root", "GET /", "ok", 200, (("X-Evil", "a\r\nstatus: 500"),), b"body")
    data, redacted = observation_file("127.0.0.5", obs)
    head = data.decode().split("--- body ---")[0]
    assert "\nstatus: 500" not in head and "X-Evil: a\\r\\nstatus: 500" in head and not redacted


def test_safe_names_cannot_leave_the_bundle():
    for hostile in ("../../etc/passwd", "/etc/shadow", "..", ".hidden", "a/../../b", "con:\x00name", ""):
        name = safe_name(hostile)
        assert "/" not in name and not name.startswith(".") and name not in ("", "..")


# ---- writing and verifying


def test_no_credential_appears_anywhere_in_the_bundle(bundle):
    for path in _all_files(bundle):
        data = path.read_bytes()
        for secret in (*SECRETS, *TOKENS):
            assert secret.encode() not in data, f"{secret!r} leaked into {path.relative_to(bundle)}"


def test_the_bundle_holds_report_observations_and_manifest(bundle):
    names = {p.relative_to(bundle).as_posix() for p in _all_files(bundle)}
    assert {"report.json", "report.html", MANIFEST} <= names
    observations = [n for n in names if n.startswith("evidence/")]
    assert len(observations) == 5  # every observation of every device
    assert all(Path(bundle, n).resolve().is_relative_to(bundle.resolve()) for n in names)
    assert any(n.endswith("-etc_passwd.txt") for n in observations)  # the hostile probe id, made harmless
    manifest = json.loads((bundle / MANIFEST).read_text())
    assert {f["path"] for f in manifest["files"]} == names - {MANIFEST}
    assert manifest["params"]["signature_digest"] == "d" * 64 and manifest["params"]["ports"] == [80, 554]
    cited = [e for e in manifest["evidence"] if e["cited_by"]]
    assert [e["probe"] for e in cited] == ["hikvision.isapi.fdlib"]  # the file the finding rests on is named
    assert cited[0]["body_redacted"] is True


def test_an_observation_file_has_request_status_headers_and_body(bundle):
    text = next(bundle.glob("evidence/01-*/001-hikvision.isapi.fdlib.txt")).read_text()
    assert "request: GET http://[REDACTED]@127.77.0.10:80/ISAPI/Intelligent/FDLib?password=[REDACTED]" in text
    assert "status: 200" in text and "Server: App-webs/" in text and "Authorization: [REDACTED]" in text
    assert "WWW-Authenticate: Digest realm=" in text
    body = text.split("--- body ---\n", 1)[1]
    assert body.startswith("<FDLibBaseCfg><name>访客库 VIP</name>")


def test_report_json_is_the_redacted_contract(bundle):
    report = json.loads((bundle / "report.json").read_text())
    assert report["schema_version"] == 3 and len(report["devices"]) == 2


def test_an_intact_bundle_verifies(bundle):
    result = verify_bundle(bundle)
    assert result.ok and result.files == 7 and not result.signed
    lines = verification_lines(result, load_catalog("en"))
    assert lines[0] == "All 7 files match the manifest." and "not signed" in lines[1]


def test_bundle_files_are_the_owners_only(bundle):
    # Issue 13: evidence from the premises was written with the umask's modes (often world-readable).
    for path in [bundle, *bundle.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path.relative_to(bundle.parent)}: {oct(mode)}"


@pytest.mark.parametrize("where", ["a-file/bundle", "a-link", "a-file"])
def test_a_bundle_that_cannot_be_written_there_is_one_clear_error(tmp_path, where):
    (tmp_path / "a-file").write_text("x")
    os.symlink(tmp_path / "elsewhere", tmp_path / "a-link")
    with pytest.raises(UsageError, match="^bundle: "):
        check_bundle_target(tmp_path / where)
    with pytest.raises(UsageError, match="^bundle: "):
        write_bundle(sample_result(), _params(), tmp_path / where)
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'{"files": [{"path": "report.json", "sha256": "00", "size": 1e400}]}', "a size (a whole number)"),
        (b'{"files": [{"path": "report.json", "sha256": "00", "size": NaN}]}', "a size (a whole number)"),
        (b'{"files": [["report.json"]]}', "a manifest entry needs"),
        (b'{"files": {"report.json": 1}}', "not a list"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'"\\ud800"', "not a list"),
        (b"\xff\xfe{}", ""),
    ],
)
def test_a_hostile_manifest_is_a_clean_verdict_not_a_traceback(bundle, data, words):
    (bundle / MANIFEST).write_bytes(data)
    result = verify_bundle(bundle)
    ((code, detail),) = result.problems
    assert not result.ok and code == "manifest_invalid" and words in detail
    assert verification_lines(result, load_catalog("en"))[0] == "The bundle does NOT verify:"


def test_changing_one_byte_of_any_file_fails_and_names_it(bundle):
    for path in _all_files(bundle):
        if path.name == MANIFEST:
            continue
        original = path.read_bytes()
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        result = verify_bundle(bundle)
        name = path.relative_to(bundle).as_posix()
        assert not result.ok and result.changed == (name,), name
        assert f"changed: {name}" in verification_lines(result, load_catalog("en"))
        path.write_bytes(original)
    assert verify_bundle(bundle).ok


def test_missing_and_extra_files_are_named(bundle):
    (bundle / "report.html").unlink()
    (bundle / "evidence" / "planted.txt").write_text("not from the scan")
    result = verify_bundle(bundle)
    assert result.missing == ("report.html",) and result.extra == ("evidence/planted.txt",)
    lines = verification_lines(result, load_catalog("zh"))
    assert lines[0] == "证据包校验未通过：" and "缺失：report.html" in lines


def test_a_tampered_manifest_is_caught(bundle):
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["files"][0]["sha256"] = "0" * 64
    (bundle / MANIFEST).write_text(json.dumps(manifest))
    assert verify_bundle(bundle).changed == (manifest["files"][0]["path"],)
    (bundle / MANIFEST).write_text("{not json")
    assert verify_bundle(bundle).problems[0][0] == "manifest_invalid"
    (bundle / MANIFEST).unlink()
    assert verify_bundle(bundle).problems == (("manifest_missing", MANIFEST),)


def test_a_manifest_cannot_point_outside_the_bundle(bundle, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["files"].append({"path": "../outside.txt", "sha256": "0" * 64, "size": 1})
    (bundle / MANIFEST).write_text(json.dumps(manifest))
    assert ("unsafe_path", "../outside.txt") in verify_bundle(bundle).problems


def test_a_symlink_is_refused(bundle, tmp_path):
    target = tmp_path / "elsewhere.html"
    target.write_bytes((bundle / "report.html").read_bytes())
    (bundle / "report.html").unlink()
    os.symlink(target, bundle / "report.html")
    assert ("symlink", "report.html") in verify_bundle(bundle).problems


def test_a_bundle_is_only_written_into_a_new_or_empty_directory(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(UsageError, match="not empty"):
        write_bundle(sample_result(), _params(), tmp_path)


def test_extra_file_names_are_checked(tmp_path):
    with pytest.raises(UsageError):
        write_bundle(sample_result(), _params(), tmp_path / "b", extra_files={"../x.html": b""})


# ---- signing


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path, Path]:
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")
    paths = []
    for name in ("inspector", "someone-else"):
        key = ed25519.Ed25519PrivateKey.generate()
        private = tmp_path / f"{name}.pem"
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        paths.append(private)
        public = tmp_path / f"{name}.pub.pem"
        public.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        paths.append(public)
    return paths[0], paths[1], paths[3]


def test_a_signed_bundle_verifies_with_the_inspectors_key(tmp_path, keys):
    private, public, other_public = keys
    directory = tmp_path / "signed"
    write_bundle(sample_result(), _params(), directory, secrets=SECRETS, signing_key=private)
    assert (directory / SIGNATURE).is_file()
    result = verify_bundle(directory, public_key=public)
    assert result.ok and result.signed and len(result.key_fingerprint or "") == 64
    assert verify_bundle(directory).ok  # the embedded key checks it even without the inspector's
    assert verify_bundle(directory, public_key=other_public).problems == (("signature_wrong_key", SIGNATURE),)
    lines = verification_lines(result, load_catalog("en"))
    assert lines[0].startswith("The bundle is intact") and result.key_fingerprint in lines[1]


def test_without_a_known_key_a_re_signed_bundle_is_not_called_intact(tmp_path, keys):
    # Issue 13: a forger re-signs with their own key; without --public-key, verify said "intact ... signed".
    forger = keys[0].with_name("someone-else.pem")
    directory = tmp_path / "re-signed"
    write_bundle(sample_result(), _params(), directory, signing_key=forger)
    result = verify_bundle(directory)
    assert result.ok and result.signed and not result.key_checked
    lines = verification_lines(result, load_catalog("en"))
    assert not any("intact" in line for line in lines)
    assert lines[0] == "All 6 files match the manifest."
    assert result.key_fingerprint in lines[1] and "not checked against a known key" in lines[1]
    assert "未与已知密钥核对" in verification_lines(result, load_catalog("zh"))[1]


def test_a_public_key_that_cannot_be_read_is_a_usage_error(bundle, tmp_path):
    with pytest.raises(UsageError, match="cannot read the public key"):
        verify_bundle(bundle, public_key=tmp_path / "missing.pub.pem")


def test_rewriting_a_signed_manifest_breaks_the_signature(tmp_path, keys):
    private, public, _ = keys
    directory = tmp_path / "signed"
    write_bundle(sample_result(), _params(), directory, signing_key=private)
    report = directory / "report.json"
    report.write_text(report.read_text().replace("active", "not_found"))
    manifest = json.loads((directory / MANIFEST).read_text())
    import hashlib

    for entry in manifest["files"]:  # a forger recomputes the hashes...
        data = (directory / entry["path"]).read_bytes()
        entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    (directory / MANIFEST).write_text(json.dumps(manifest))
    result = verify_bundle(directory, public_key=public)  # ...but cannot sign them
    assert not result.ok and ("signature_invalid", SIGNATURE) in result.problems


def test_an_unsigned_bundle_fails_when_a_key_is_expected(bundle, keys):
    _, public, _ = keys
    assert verify_bundle(bundle, public_key=public).problems == (("signature_missing", SIGNATURE),)


def test_a_non_ed25519_key_is_refused(tmp_path):
    rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "rsa.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with pytest.raises(UsageError, match="not an Ed25519"):
        write_bundle(sample_result(), _params(), tmp_path / "b", signing_key=path)


# ---- parameters


def test_bundle_params_come_from_the_scan():
    params = bundle_params(("127.77.0.0/24",), (80, 554), sample_result(), "d" * 64)
    assert params.probes == (
        "../../etc/passwd",
        "hikvision.isapi.fdlib",
        "hikvision.isapi.login",
        "onvif.device.information",
        "rtsp.describe",
    )
    assert params.started_at == "2026-11-27T10:00:00.000Z" and params.host
