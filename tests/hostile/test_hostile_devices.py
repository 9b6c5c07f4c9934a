"""Issue 13's hostile devices through the command line, as an inspector runs it: each device's verdict in the report
on disk, the exit code, the table printed, and what each device received (captured by the persona): no password,
no Basic token, no other device's session token; one refused login at most; no vendor login to a stranger."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from scanner.cli.main import main
from tests.doubles.hostile import HOSTILE, HostileLab
from tests.doubles.hostile.lab import PASSWORD, USERNAME
from tests.doubles.hostile.web import REOLINK_TOKEN

pytestmark = pytest.mark.lab
NETWORK = "127.77.65.0/24"
# persona -> (is_camera, face_analytics) as the report on disk must say
EXPECTED = {
    "rtsp-http-unidentified": (True, "unknown"),  # a camera of no known maker: no vendor login reaches it
    "basic-harvester": (True, "unknown"),  # asks for Basic in clear: gets nothing
    "http-digest-loop": (True, "unknown"),  # refuses every login: gets one, then none
    "onvif-superscript-year": (True, "unknown"),  # was "not a camera" (ValueError in the clock's year)
    "rtsp-hostile-sdp": (True, "unknown"),  # was "not a camera" (ValueError in the SDP ports)
    "wsd-markup-scope": (True, "unknown"),  # was a MarkupError: no report, no bundle, exit 1
    "reolink-token-echo": (True, "not_found"),  # its session token appears nowhere
}
SECRETS = (PASSWORD, quote(PASSWORD, safe=""), base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode())


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    chosen = [p for p in HOSTILE if p.id in EXPECTED]
    with HostileLab(NETWORK, personas=chosen) as lab:
        tmp: Path = tmp_path_factory.mktemp("issue13")
        credentials = tmp / "logins.toml"
        reolink = lab.device("reolink-token-echo").address  # its login form goes in clear: the owner allows it
        clear = f'[[credentials]]\ntargets = ["{reolink}"]\nusername = "{USERNAME}"\npassword = "{PASSWORD}"\n'
        credentials.write_text(clear + "allow_basic = true\n\n" + lab.credentials_toml(), encoding="utf-8")
        credentials.chmod(0o600)
        out, err = io.StringIO(), io.StringIO()
        argv = ["scan", *(d.address for d in lab.devices), "--credentials", str(credentials), "--no-nmap",
                "--no-progress", "--timeout", "1.5", "--device-budget", "12", "-o", str(tmp / "report.json"),
                "--bundle", str(tmp / "bundle"), "--db", str(tmp / "history.db")]  # fmt: skip
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        report = json.loads((tmp / "report.json").read_text(encoding="utf-8"))
        yield lab, code, report, tmp, out.getvalue(), err.getvalue()


def _device(lab: HostileLab, report: dict, persona: str) -> dict:
    address = lab.device(persona).address
    return next(d for d in report["devices"] if d["address"] == address)


def test_the_exit_code_says_no_face_analytics_and_every_output_is_written(scan):
    _, code, report, tmp, printed, errors = scan
    assert code == 0, errors  # a MarkupError made it 1 ("face analytics found"), with no report at all
    assert report["scan"]["partial"] is False
    assert (tmp / "bundle" / "manifest.json").is_file() and (tmp / "history.db").is_file()
    assert main(["verify", str(tmp / "bundle"), "--lang", "en"]) == 0
    assert "Traceback" not in errors


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_device_is_judged_in_the_report_on_disk(scan, persona):
    lab, _, report, _, _, _ = scan
    device = _device(lab, report, persona)
    assert (device["is_camera"], device["face_analytics"]) == EXPECTED[persona], device["not_checked"]
    spec = lab.device(persona).persona
    if spec.check:
        assert any(re.fullmatch(spec.check, n["check"]) and re.search(spec.reason, n["reason"])
                   for n in device["not_checked"]), device["not_checked"]  # fmt: skip


def test_device_strings_are_printed_as_text(scan):
    lab, _, report, _, printed, _ = scan
    assert _device(lab, report, "wsd-markup-scope")["model"] == "Cam[/]"
    assert "Cam[/]" in printed  # as text, not taken for markup
    assert "\x1b" not in printed and "\x07" not in printed  # the decoded scope's escapes never reach the terminal


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_no_password_basic_token_or_other_session_token_reached_the_device(scan, persona):
    lab, _, _, _, _, _ = scan
    received = lab.received_by(persona)
    assert received, "the persona was never asked anything"
    assert REOLINK_TOKEN.encode() not in received or persona == "reolink-token-echo"
    assert b"Authorization: Basic" not in received and b"authorization: basic" not in received.lower()
    if persona == "reolink-token-echo":  # identified as Reolink: its documented login carries the password, once
        logins = [r for r in lab.received[persona] if PASSWORD.encode() in r]
        assert len(logins) == 1 and logins[0].startswith(b"POST /cgi-bin/api.cgi?cmd=Login")
        return
    for secret in SECRETS:
        assert secret.encode() not in received, f"{persona} received {secret!r}"
    assert b"cmd=Login" not in received  # a vendor login goes only to a device identified as that vendor


def test_a_device_that_refuses_the_login_gets_it_once(scan):
    lab, _, report, _, _, _ = scan
    received = lab.received["http-digest-loop"]
    carrying = [r for r in received if b"Authorization:" in r or b"UsernameToken" in r]
    # One exchange (was 8 in about 4 s): ONVIF's call with its WS-UsernameToken, and its one answer to the Digest
    # challenge; after the refusal nothing carries the login, in any protocol.
    assert sum(b"Authorization:" in r for r in carrying) == 1 and len(carrying) <= 2
    assert len({_operation(r) for r in carrying}) == 1
    notes = {n["check"]: n for n in _device(lab, report, "http-digest-loop")["not_checked"]}
    assert notes["login"]["code"] == "login_refused"


def _operation(request: bytes) -> tuple[bytes, bytes]:
    head = request.partition(b"\r\n\r\n")[0].split(b"\r\n")
    return head[0], next((line for line in head if line.lower().startswith(b"soapaction:")), b"")


def test_no_secret_or_session_token_reaches_any_file(scan):
    _, _, _, tmp, printed, errors = scan
    files = [p for p in tmp.rglob("*") if p.is_file() and p.name != "logins.toml"]
    for text in [printed, errors, *(p.read_bytes().decode("utf-8", "replace") for p in files)]:
        for secret in (*SECRETS, REOLINK_TOKEN):
            assert secret not in text


def test_a_login_form_in_clear_is_not_sent_unless_the_owner_allows_it(tmp_path):
    """A device identified as Reolink on plain HTTP only: its documented login would carry the password in clear.
    Without allow_basic on the entry, nothing carrying the password reaches it and the report says why."""
    chosen = [p for p in HOSTILE if p.id == "reolink-token-echo"]
    with HostileLab("127.77.67.0/24", personas=chosen) as lab:  # trap at .68.254
        credentials = tmp_path / "logins.toml"
        credentials.write_text(lab.credentials_toml(), encoding="utf-8")
        credentials.chmod(0o600)
        argv = ["scan", lab.devices[0].address, "--credentials", str(credentials), "--no-nmap", "--no-progress",
                "--timeout", "1.5", "--device-budget", "12", "-o", str(tmp_path / "report.json"),
                "--no-history"]  # fmt: skip
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(argv)
        received = lab.received_by("reolink-token-echo")
    assert received and PASSWORD.encode() not in received and b"cmd=Login" not in received
    device = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["devices"][0]
    assert device["face_analytics"] == "unknown"
    assert "login_in_clear" in {n["code"] for n in device["not_checked"]}
