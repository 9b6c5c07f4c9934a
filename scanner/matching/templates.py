"""A signature request made concrete for one channel, the handle of a server-side search and the request that
closes it, and answer lines dropped and secret fields blanked before recording (pure)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from urllib.parse import quote

from scanner.matching.matchers import json_leaves, json_text, parse_json
from scanner.matching.schema import RequestSpec
from scanner.model import OK, Observation
from scanner.net.redact import blank_fields

MAX_HANDLE = 64  # a search handle is a small number or id; anything longer is not one


def for_channel(spec: RequestSpec, channel: str) -> RequestSpec:
    """The request for one channel: `{channel}` in its path (URL-encoded) and body."""
    path = spec.path.replace("{channel}", quote(channel, safe=""))
    return dataclasses.replace(spec, path=path, body=spec.body.replace("{channel}", channel))


def search_handle(obs: Observation, spec: RequestSpec) -> str | None:
    """The handle an `ok` answer of a search-opening request carries (`token`), or None."""
    if spec.token is None or obs.outcome != OK:
        return None
    for _, leaf, _ in json_leaves(parse_json(obs.body), spec.token.partition(":")[2]):
        handle = json_text(leaf)
        if handle and len(handle) <= MAX_HANDLE and handle.isprintable() and " " not in handle:
            return handle
    return None


def closing(spec: RequestSpec, handle: str) -> RequestSpec:
    """The request that ends the search `spec` opened (recorded as `<id>.close`)."""
    assert spec.close is not None
    path = spec.close.replace("{token}", quote(handle, safe=""))
    return dataclasses.replace(spec, id=f"{spec.id}.close", path=path, body="", token=None, close=None)


def drop_lines(obs: Observation, patterns: Sequence[str]) -> Observation:
    """The observation without the answer lines that match `patterns` (a recorder's camera passwords), said in
    its detail: the hash then covers what is kept, never the secret."""
    if not patterns or not obs.body:
        return obs
    lines = obs.body.split(b"\n")
    kept = [line for line in lines if not any(re.search(p, line.decode("utf-8", "replace")) for p in patterns)]
    if len(kept) == len(lines):
        return obs
    note = f"{len(lines) - len(kept)} line(s) holding secrets were dropped before recording"
    return dataclasses.replace(obs, body=b"\n".join(kept), detail=f"{obs.detail}; {note}" if obs.detail else note)


def hide_fields(obs: Observation, names: Sequence[str]) -> Observation:
    """The observation with the values of its request's `secret_fields` blanked (an FTP password, an EZVIZ
    verification code), said in its detail: the hash then covers what is kept, never the secret."""
    if not names or not obs.body:
        return obs
    body, count = blank_fields(obs.body, names)
    if not count:
        return obs
    note = f"{count} field(s) holding secrets were blanked before recording"
    return dataclasses.replace(obs, body=body, detail=f"{obs.detail}; {note}" if obs.detail else note)
