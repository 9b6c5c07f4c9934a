"""Which recorded exchange answers a request: the same request (method, path, query, body), answered in the order
recorded, with the login the original request had (any login is accepted: the recording holds no password).

Queries are compared as decoded name/value pairs (a session token the bundle hid as `<session>` comes back
URL-encoded); bodies as JSON or form data when both are, else byte for byte. A recorded body that is empty matches
any body: there was none, or it held a secret (a vendor login) and was not kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from scanner.replay.records import Exchange


@dataclass(frozen=True)
class AskLogin:
    """No recorded answer may be given without a login: ask for one, as `exchange`'s request was asked."""

    exchange: Exchange


def same_target(exchange: Exchange, path: str, query: str) -> bool:
    return unquote(exchange.path) == unquote(path) and _pairs(exchange.query) == _pairs(query)


def same_body(recorded: bytes, sent: bytes) -> bool:
    """The sent body is the recorded one (JSON and form bodies compared as data); an empty record matches any."""
    if not recorded or recorded == sent:
        return True
    try:
        return bool(json.loads(recorded) == json.loads(sent))
    except ValueError:
        pass
    forms = [b.decode("latin-1") for b in (recorded, sent)]
    if all("=" in f and not f.lstrip().startswith(("<", "{", "[")) for f in forms):
        return _pairs(forms[0]) == _pairs(forms[1])
    return False


def _pairs(query: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(query, keep_blank_values=True))


class Served:
    """How many times each set of recorded answers has been given: the next request gets the next recorded answer,
    and the last one is repeated once all have been given (a login refused, then accepted, replays in that order)."""

    def __init__(self) -> None:
        self._count: dict[tuple[int, ...], int] = {}

    def choose(
        self, candidates: Sequence[tuple[int, Exchange]], proves: Callable[[Exchange], bool]
    ) -> Exchange | AskLogin:
        """The answer for a request matching `candidates` ((index, exchange) in recorded order). An answer that
        needed a login goes to a request that `proves` one; a request without one gets an answer that needed none
        (a recorded 401, say), else is asked to log in."""
        with_login = [(i, e) for i, e in candidates if e.login and proves(e)]
        pool = with_login or [(i, e) for i, e in candidates if not e.login]
        if not pool:
            return AskLogin(candidates[0][1])
        key = tuple(i for i, _ in pool)
        count = self._count.get(key, 0)
        self._count[key] = count + 1
        return pool[min(count, len(pool) - 1)][1]
