"""Vendor session logins as data (Reolink's token): the requests to send and the token read back (pure)."""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import quote

from scanner.matching.engine import json_leaves, json_text, parse_json
from scanner.matching.schema import RequestSpec, SessionSpec
from scanner.model import FAILED, OK, Credential, Observation

MAX_TOKEN = 256  # longer than any real session token; anything longer is not one
HIDDEN = "<session>"


def login_request(session: SessionSpec, credential: Credential) -> RequestSpec:
    """The login POST; the credential goes into the body as JSON strings, never into the URL."""
    body = session.login_body.replace("{username}", json.dumps(credential.username))
    body = body.replace("{password}", json.dumps(credential.password))
    return _post(f"{session.id}.login", session, session.login_path, body)


def logout_request(session: SessionSpec, token: str) -> RequestSpec:
    """The logout that ends the session (vendors limit concurrent sessions: always sent after a login)."""
    return _post(f"{session.id}.logout", session, _fill(session.logout_path, token), session.logout_body)


def with_token(spec: RequestSpec, token: str) -> RequestSpec:
    """A session request with the token put into its path and body."""
    return dataclasses.replace(spec, path=_fill(spec.path, token), body=spec.body.replace("{token}", token))


def read_token(obs: Observation, session: SessionSpec) -> str | None:
    """The token the login answer carries, or None (refused, not JSON, implausible)."""
    if checked(obs, session).outcome != OK:
        return None
    path = session.token.partition(":")[2]
    for _, leaf, _ in json_leaves(parse_json(obs.body), path):
        token = json_text(leaf)
        if token and len(token) <= MAX_TOKEN and token.isprintable() and " " not in token:
            return token
    return None


def checked(obs: Observation, session: SessionSpec) -> Observation:
    """An `ok` answer whose vendor code says error becomes `failed`: it is no evidence of absence."""
    if obs.outcome != OK or session.code is None:
        return obs
    path = session.code.partition(":")[2]
    codes = [json_text(leaf) for _, leaf, _ in json_leaves(parse_json(obs.body), path)]
    bad = [code for code in codes if code is not None and code != session.code_ok]
    if not bad:
        return obs
    detail = f"the device answered with error code {bad[0][:40]}"
    return dataclasses.replace(obs, outcome=FAILED, detail=(obs.detail + "; " if obs.detail else "") + detail)


def hide_token(obs: Observation, token: str | None) -> Observation:
    """The observation with the session token replaced wherever it appears (URL, headers, body, values, detail):
    a device may echo it anywhere, a header included."""
    if not token:
        return obs
    secrets = (token, quote(token, safe=""))

    def hidden(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, HIDDEN)
        return text

    headers = tuple((hidden(k), hidden(v)) for k, v in obs.headers)
    detail = hidden(obs.detail)
    if _hidden_bytes(obs.body, secrets) != obs.body or headers != obs.headers:
        detail = (detail + "; " if detail else "") + "the session token in the answer was replaced by <session>"
    sent = obs.sent
    if sent is not None:
        sent = dataclasses.replace(sent, url=hidden(sent.url), body=_hidden_bytes(sent.body, secrets))
    values = tuple((k, tuple(hidden(v) for v in items)) for k, items in obs.values)
    return dataclasses.replace(obs, request=hidden(obs.request), headers=headers, body=_hidden_bytes(obs.body, secrets),
                               detail=detail, values=values, sent=sent)  # fmt: skip


def _hidden_bytes(data: bytes, secrets: tuple[str, ...]) -> bytes:
    for secret in secrets:
        data = data.replace(secret.encode(), HIDDEN.encode())
    return data


def _fill(template: str, token: str) -> str:
    return template.replace("{token}", quote(token, safe=""))


def _post(ident: str, session: SessionSpec, path: str, body: str) -> RequestSpec:
    return RequestSpec(
        id=ident,
        vendor=session.vendor,
        method="POST",
        path=path,
        body=body,
        content_type=session.content_type,
        auth=False,
        source=session.source,
    )
