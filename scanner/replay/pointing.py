"""Recorded answers name where the device was (ONVIF XAddrs, stream URIs, Location and Content-Base headers,
WS-Discovery XAddrs): each URL that names the recorded address is pointed at the replay address and served port.

Only URLs are changed (scheme://address[:port]); an address written alone (a network setting) is left as recorded.
A URL whose port is served on the same number keeps its exact spelling apart from the address.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from scanner.replay.records import DEFAULT_PORTS

_SCHEMES = {"http": 80, "https": 443, "rtsp": 554}


class Pointer:
    """Re-points URLs naming `recorded` (an address, or None: nothing is changed) at `served`."""

    def __init__(self, recorded: str | None, served: str, ports: Mapping[int, int]) -> None:
        self.served, self.ports = served, ports
        self._text: re.Pattern[str] | None = None
        self._bytes: re.Pattern[bytes] | None = None
        if recorded:
            source = r"(?i)\b(https?|rtsp)://" + re.escape(_url_host(recorded)) + r"(?::(\d{1,5}))?(?![\w.:\-])"
            self._text, self._bytes = re.compile(source), re.compile(source.encode("ascii"))

    def body(self, data: bytes) -> bytes:
        if self._bytes is None:
            return data
        return self._bytes.sub(lambda m: self._url(m.group(1).decode(), m.group(2)).encode(), data)

    def text(self, data: str) -> str:
        if self._text is None:
            return data
        return self._text.sub(lambda m: self._url(m.group(1), m.group(2)), data)

    def _url(self, scheme: str, given: str | bytes | None) -> str:
        port = int(given) if given else _SCHEMES.get(scheme.lower(), DEFAULT_PORTS["http"])
        served = self.ports.get(port, port)
        suffix = "" if not given and served == port else f":{served}"
        return f"{scheme}://{_url_host(self.served)}{suffix}"


def _url_host(address: str) -> str:
    try:
        return f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    except ValueError:
        return address
