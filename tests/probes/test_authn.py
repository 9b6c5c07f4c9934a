"""Authentication challenges parsed from recorded headers, and Digest/Basic answers checked against RFC 2617."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from scanner.errors import ParseError
from scanner.model import Credential
from scanner.probes.authn import (
    Challenge,
    basic_authorization,
    digest_authorization,
    parse_challenges,
    preferred,
)
from tests.probes.servers import digest_ok

FIXTURES = Path(__file__).parent / "fixtures"


def _cases() -> list[tuple[str, str | None, str]]:
    cases = []
    for line in (FIXTURES / "http" / "www_authenticate.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            scheme, realm, value = (part.strip() for part in line.split("|", 2))
            cases.append((scheme, realm or None, value))
    return cases


@pytest.mark.parametrize(("scheme", "realm", "value"), _cases())
def test_preferred_challenge_of_recorded_headers(scheme, realm, value):
    chosen = preferred(parse_challenges(value))
    assert chosen is not None
    assert (chosen.scheme, chosen.realm) == (scheme, realm)


def test_two_challenges_in_one_value_keep_their_parameters():
    digest, basic = parse_challenges('Digest realm="Hikvision", nonce="abc", stale="FALSE", Basic realm="/"')
    assert digest == Challenge("digest", (("realm", "Hikvision"), ("nonce", "abc"), ("stale", "FALSE")))
    assert basic == Challenge("basic", (("realm", "/"),))


@pytest.mark.parametrize("value", ["", "   ", '="x"', '"quoted" realm=x', "realm=x"])
def test_garbage_challenges_raise(value):
    with pytest.raises(ParseError):
        parse_challenges(value)


def test_rfc2617_example_digest():
    # RFC 2617 §3.5: user Mufasa, password "Circle Of Life", expected response 6629fae4...
    challenge = parse_challenges(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )[0]
    header = digest_authorization(
        challenge, Credential("Mufasa", "Circle Of Life"), "GET", "/dir/index.html", "0a4f113b", nc=1
    )
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
    assert 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in header and "nc=00000001" in header


def test_digest_without_qop_is_accepted_by_an_independent_checker():
    challenge = parse_challenges('Digest realm="GStreamer RTSP Server", nonce="4ce11d8121ac4e5f"')[0]
    header = digest_authorization(challenge, Credential("admin", "12345"), "DESCRIBE", "rtsp://127.0.0.1/x", "c0ffee")
    assert digest_ok(header, "DESCRIBE", "GStreamer RTSP Server", "4ce11d8121ac4e5f", "admin", "12345")
    assert not digest_ok(header, "DESCRIBE", "GStreamer RTSP Server", "4ce11d8121ac4e5f", "admin", "wrong")


def test_unsupported_digest_is_refused():
    challenge = parse_challenges('Digest realm="x", nonce="n", qop="auth-int"')[0]
    with pytest.raises(ValueError):
        digest_authorization(challenge, Credential("u", "p"), "GET", "/", "c")


def test_basic_authorization():
    value = basic_authorization(Credential("admin", "pä:ss"))
    assert base64.b64decode(value.removeprefix("Basic ")) == "admin:pä:ss".encode()
