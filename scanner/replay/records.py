"""The typed records of a recording: each exchange (the request as sent, the answer as received) and each device."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import WsdReply

PROTOCOLS = ("http", "https", "onvif", "rtsp")
LOGINS = ("", "basic", "digest", "wsse")
DEFAULT_PORTS = {"http": 80, "https": 443, "onvif": 80, "rtsp": 554}


@dataclass(frozen=True)
class Exchange:
    """One request a device was sent and what it answered.

    `target` is the path and query as sent (RTSP: of the URI). `body` is the request body as recorded: empty when
    there was none or when it held a secret (a vendor login), and then any body matches. `status` None means the
    device gave no usable answer (a timeout, a reset): the replay then answers nothing either.
    """

    protocol: str  # http | https | onvif | rtsp
    method: str
    target: str
    port: int
    status: int | None
    headers: tuple[tuple[str, str], ...] = ()
    answer: bytes = b""
    action: str = ""  # the SOAP operation's local name (ONVIF)
    body: bytes = b""
    login: str = ""  # how the request proved the login: "" | basic | digest | wsse
    realm: str = ""  # the realm of the challenge it answered
    tls: bool = False  # sent over TLS (https, or ONVIF at an https address)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""


@dataclass(frozen=True)
class RecordedDevice:
    """One device of a recording: a name to show, the address it had (None when the recording does not say), the
    TCP ports it had open, its exchanges in the order they happened, its WS-Discovery replies, and whether the scan
    that recorded it sent the login in clear where the device asked for that (False: it declined to)."""

    name: str
    address: str | None
    ports: tuple[int, ...]
    exchanges: tuple[Exchange, ...]
    wsd: tuple[WsdReply, ...] = ()
    clear_login: bool = True  # the recording's scan let the login go in clear (Basic, a login form over HTTP)

    @property
    def all_ports(self) -> tuple[int, ...]:
        """The open ports and every port an exchange went to, in order."""
        return tuple(dict.fromkeys([*self.ports, *(e.port for e in self.exchanges)]))


def operation_name(action: str) -> str:
    """The local name of a SOAP operation, from a name, a SOAP action URI or a Clark name."""
    return action.strip().rsplit("}", 1)[-1].rsplit("/", 1)[-1]
