"""The last line of defence: no credential leaves a probe inside an Observation, even if a device echoes it."""

from __future__ import annotations

import base64
import dataclasses

from scanner.model import Credential, Observation

REDACTED = "<redacted>"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})


def _secrets(credential: Credential) -> tuple[str, ...]:
    # The password itself and the Basic token that carries it (a device may echo our request back).
    raw = f"{credential.username}:{credential.password}".encode()
    return (credential.password, base64.b64encode(raw).decode("ascii"))


def scrub(obs: Observation, credential: Credential | None) -> Observation:
    """The observation with the credential's password (and its Basic token) replaced everywhere.

    A body that had to be changed says so in `detail`, since its hash no longer matches the bytes received.
    """
    headers = tuple((k, REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in obs.headers)
    if credential is None or not credential.password:
        return obs if headers == obs.headers else dataclasses.replace(obs, headers=headers)
    secrets = _secrets(credential)
    body = obs.body
    for secret in secrets:
        body = body.replace(secret.encode(), REDACTED.encode())
    detail = _clean(obs.detail, secrets)
    if body != obs.body:
        detail = (detail + "; " if detail else "") + "the answer contained the login password, which was redacted"
    return dataclasses.replace(
        obs,
        request=_clean(obs.request, secrets),
        headers=tuple((_clean(k, secrets), _clean(v, secrets)) for k, v in headers),
        body=body,
        detail=detail,
        values=tuple((k, tuple(_clean(v, secrets) for v in items)) for k, items in obs.values),
    )


def _clean(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text
