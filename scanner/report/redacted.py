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
    return _Cleaner(secrets_set(secrets)).clean(dataclasses.replace(result, devices=devices))


_SCALARS = (bool, int, float, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}  # each record type's field names, read once


class _Cleaner:
    """Redacts every string in a value; vocabulary members (our own words) are left as they are, and a text seen
    before is not redacted again (a report repeats its rule names, reasons and addresses thousands of times)."""

    def __init__(self, secrets: Secrets) -> None:
        self._secrets = secrets
        self._texts: dict[str, str] = {}

    def clean(self, value: T) -> T:
        cleaned: Any = value
        if isinstance(value, _SCALARS) or isinstance(value, Enum):
            return value
        if isinstance(value, str):
            known = self._texts.get(value)
            if known is None:
                known = self._texts[value] = redact(value, self._secrets)
            cleaned = value if known == value else known  # the text itself when nothing in it was replaced
        elif isinstance(value, tuple):
            items = tuple(map(self.clean, value))
            cleaned = value if all(a is b for a, b in zip(items, value, strict=True)) else items
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = _FIELDS.get(type(value))
            if names is None:
                names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
            changes = {name: self.clean(getattr(value, name)) for name in names}
            if any(changes[name] is not getattr(value, name) for name in names):
                cleaned = dataclasses.replace(value, **changes)  # only what changed is rebuilt
        return cleaned
