"""A scan's records as a report may show them: every string redacted, the raw exchanges left out."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from enum import Enum
from typing import Any, TypeVar

from scanner.model import ScanResult
from scanner.net.redact import Secrets, redact, secrets_set

T = TypeVar("T")


def redact_result(result: ScanResult, secrets: Sequence[str] = ()) -> ScanResult:
    """The scan with the owner's secrets and every credential-shaped text replaced in each string it holds.

    Observations are left out: no report carries them, and the bundle writes them, redacted, from the original.
    """
    devices = tuple(dataclasses.replace(d, observations=()) for d in result.devices)
    return _clean(dataclasses.replace(result, devices=devices), secrets_set(secrets))


def _clean(value: T, secrets: Secrets) -> T:
    """The value with every string in it redacted; vocabulary members (our own words) are left as they are."""
    cleaned: Any = value
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        cleaned = redact(value, secrets)
    elif isinstance(value, tuple):
        items = tuple(_clean(item, secrets) for item in value)
        cleaned = value if all(a is b for a, b in zip(items, value, strict=True)) else items
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name), secrets) for f in dataclasses.fields(value)}
        if any(changes[name] is not getattr(value, name) for name in changes):
            cleaned = dataclasses.replace(value, **changes)  # only what changed is rebuilt
    return cleaned
