"""The credential scrubber every probe applies to its observations."""

from __future__ import annotations

import base64

from scanner.model import Credential, Observation
from scanner.net.redact import REDACTED, scrub

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


def test_untouched_observations_are_returned_as_they_are():
    obs = Observation(probe="x", request="GET /", outcome="ok", body=b"fine", headers=(("Server", "x"),))
    assert scrub(obs, CRED) == obs
    assert scrub(obs, None) is obs
    assert "hunter2" not in repr(CRED)
