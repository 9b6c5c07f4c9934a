"""The one redactor: the scrubber every probe applies to its observations, and the redaction of reports and
evidence files (headers, URL userinfo, WS-Security, password fields, the owner's secrets in any form)."""

from __future__ import annotations

import base64

import pytest

from scanner.model import Credential, Observation, Sent
from scanner.net.redact import REDACTED, Secrets, redact, redact_bytes, scrub, secret_forms
from tests.report.sample import BASIC, PASSWORD, USERNAME

CRED = Credential("admin", "hunter2-long")
TOKEN = base64.b64encode(b"admin:hunter2-long").decode()


def test_password_and_basic_token_are_removed_from_every_field():
    obs = Observation(
        probe="x",
        request="GET http://127.0.0.1/?pwd=hunter2-long",
        outcome="ok",
        headers=(("Authorization", "Digest whatever"), ("X-Echo", f"Basic {TOKEN}")),
        body=b"user admin password hunter2-long",
        detail="saw hunter2-long",
        values=(("title", ("hunter2-long",)),),
    )
    clean = scrub(obs, CRED)
    flat = clean.request + clean.detail + clean.text + repr(clean.headers) + repr(clean.values)
    assert "hunter2-long" not in flat and TOKEN not in flat
    assert clean.header("Authorization") == REDACTED
    assert "redacted" in clean.detail and clean.body == b"user admin password " + REDACTED.encode()


def test_login_and_session_headers_are_blanked_with_the_one_marker():
    obs = Observation(probe="x", request="GET /", outcome="ok", headers=(("Set-Cookie", "sid=77aa"), ("Cookie", "a=b")))
    assert scrub(obs, None).headers == (("Set-Cookie", "[REDACTED]"), ("Cookie", "[REDACTED]"))


def test_untouched_observations_are_returned_as_they_are():
    obs = Observation(probe="x", request="GET /", outcome="ok", body=b"fine", headers=(("Server", "x"),))
    assert scrub(obs, CRED) is obs
    assert scrub(obs, None) is obs
    assert "hunter2" not in repr(CRED)


@pytest.mark.parametrize("where", ["request", "header name", "header value", "body", "detail", "values", "sent url",
                                   "sent body"])  # fmt: skip
def test_the_password_in_any_one_field_is_found_and_replaced(where):
    secret = {"body": "hunter2-long", "sent body": TOKEN}.get(where, "hunter2-long")
    fields = {
        "request": {"request": f"GET /?p={secret}"},
        "header name": {"headers": ((f"X-{secret}", "1"),)},
        "header value": {"headers": (("X-Echo", secret),)},
        "body": {"body": f"<p>{secret}</p>".encode()},
        "detail": {"detail": f"said {secret}"},
        "values": {"values": (("title", ("fine", secret)),)},
        "sent url": {"sent": Sent("http", "GET", f"http://127.0.0.1/?p={secret}")},
        "sent body": {"sent": Sent("http", "POST", "http://127.0.0.1/", body=secret.encode())},
    }[where]
    obs = Observation(**{"probe": "x", "request": "GET /", "outcome": "ok", **fields})  # type: ignore[arg-type]
    clean = scrub(obs, CRED)
    assert clean is not obs
    assert secret not in repr(clean) and secret.encode() not in clean.body + (clean.sent.body if clean.sent else b"")


# ---- reports and evidence files

SECRETS = secret_forms(USERNAME, PASSWORD)


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("Authorization: Basic YWRtaW46c2VjcmV0", "Authorization: ", "YWRtaW46c2VjcmV0"),
        ('Authorization: Digest username="admin", response="6629fae4"', "Authorization", "6629fae4"),
        ("proxy-authorization: Basic Zm9vOmJhcg==", "proxy-authorization", "Zm9vOmJhcg=="),
        ("Cookie: WebSession=8f1e2d", "Cookie", "8f1e2d"),
        ("Set-Cookie: sid=77aa; HttpOnly", "Set-Cookie", "77aa"),
        ('{"Cookie": "sid=77aa"}', '"Cookie"', "77aa"),
        ("rtsp://admin:hunter22@127.0.0.5:554/live", "@127.0.0.5:554/live", "hunter22"),
        ("GET /cgi-bin/login.cgi?user=x&password=hunter22&x=1", "&x=1", "hunter22"),
        ("loginPassword=hunter22\n", "loginPassword=", "hunter22"),
        ("table.Account.Password=hunter22", "table.Account.Password=", "hunter22"),
        ("pwd=hunter22&next=/", "&next=/", "hunter22"),
        ('{"userPassword": "hun\\"ter22", "user": "x"}', '"user": "x"', 'hun\\"ter22'),
        ("<tt:Password>hunter22</tt:Password>", "<tt:Password>", "hunter22"),
        ("<wsse:Nonce EncodingType='b64'>LKqI6G==</wsse:Nonce>", "</wsse:Nonce>", "LKqI6G=="),
        ("<wsse:UsernameToken><wsse:Username>bob</wsse:Username></wsse:UsernameToken>", "UsernameToken", "bob"),
    ],
)
def test_redact_removes_each_kind_of_credential(text, kept, gone):
    out = redact(text)
    assert gone not in out and kept in out and REDACTED in out


def test_redact_leaves_ordinary_evidence_alone():
    text = (
        "<isSupportFaceDetect>true</isSupportFaceDetect> ConfigurationToken=VideoAnalytics_1 "
        'WWW-Authenticate: Digest realm="IP Camera", nonce="abc" http://127.0.0.5/onvif/device_service'
    )
    assert redact(text) == text


def test_redact_removes_the_given_secrets_wherever_they_are():
    assert redact(f"device says hello {PASSWORD}!", SECRETS) == f"device says hello {REDACTED}!"
    assert BASIC in secret_forms(USERNAME, PASSWORD)


def test_redact_bytes_keeps_binary_bodies_byte_for_byte():
    body = b"\x00\xff" + PASSWORD.encode() + b"\x80\xfe password=abc&x"
    marker = REDACTED.encode()
    assert redact_bytes(body, SECRETS) == b"\x00\xff" + marker + b"\x80\xfe password=" + marker + b"&x"


def test_a_script_mentioning_cookies_keeps_its_evidence():
    text = "var a={cookie:1};<isSupportFaceDetect>true</isSupportFaceDetect>"
    assert redact(text) == text


def test_a_thousand_logins_are_found_wherever_they_are_and_nothing_else_changes():
    forms = [f for i in range(1000) for f in secret_forms("admin", f"lab pw/{i:04d}")]
    secrets = Secrets(forms)
    assert len(secrets) == 3000 and len(secrets[0]) >= len(secrets[-1])  # plain, URL-encoded, Basic; longest first
    text = "a lab pw/ label, lab pw/099 (one character short), lab%20pw%2F0007 and the real lab pw/0512 in a page"
    assert (
        redact(text, secrets)
        == f"a lab pw/ label, lab pw/099 (one character short), {REDACTED} and the real {REDACTED} in a page"
    )
    token = secret_forms("admin", "lab pw/0007")[-1]  # the Basic token: replaced whole, not only the password
    assert redact(f"Basic {token}", secrets) == f"Basic {REDACTED}"
    assert redact("nothing secret here", secrets) == "nothing secret here"
    assert redact_bytes(b"x lab pw/0001 y", secrets) == f"x {REDACTED} y".encode()


# --- secret fields blanked before recording (a request's `secret_fields`) ---


def test_blank_fields_blanks_xml_json_and_key_value_secrets():
    from scanner.net.redact import blank_fields

    xml = b'<EZVIZ><enabled>true</enabled><verificationCode>ABCDEF</verificationCode><a verificationCode="Q"/></EZVIZ>'
    assert blank_fields(xml, ["verificationCode"]) == (
        b"<EZVIZ><enabled>true</enabled><verificationCode>[REDACTED]</verificationCode>"
        b'<a verificationCode="[REDACTED]"/></EZVIZ>',
        2,
    )
    body = b'[{"value": {"Email": {"password": "s3\\"cret", "port": 25}}}]'
    assert blank_fields(body, ["password"]) == (b'[{"value": {"Email": {"password": "[REDACTED]", "port": 25}}}]', 1)
    kv = b"table.Email.Password=abc\r\ntable.NAS[0].Password=def\r\ntable.Email.UserName=cam\r\n"
    assert blank_fields(kv, ["password"]) == (
        b"table.Email.Password=[REDACTED]\r\ntable.NAS[0].Password=[REDACTED]\r\ntable.Email.UserName=cam\r\n",
        2,
    )


def test_blank_fields_leaves_other_fields_and_empty_values_alone():
    from scanner.net.redact import blank_fields

    body = b"<a><verificationCode></verificationCode><passwordLength>8</passwordLength><key>k</key></a>"
    assert blank_fields(body, ["verificationCode", "password"]) == (body, 0)
