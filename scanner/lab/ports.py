"""The lab's port plan: which port each emulated service listens on, with and without privileged ports.

Device i (0-based) of the lab gets host .11 + i of the lab network, and these ports:

| service            | standard (root, or `standard_ports=True`) | high (no privilege)                           |
|--------------------|-------------------------------------------|-----------------------------------------------|
| web (`http`)       | 80                                        | 8080                                          |
| RTSP (`rtsp`)      | 554                                       | 8554                                          |
| ONVIF (`onvif`)    | the persona's port: 80 (shared with web), | 8080 when the persona uses 80 (shared with    |
|                    | 2020 (TP-Link), 8899 (Milesight)          | web); 2020 and 8899 unchanged                 |
| WS-Discovery (`wsd`, UDP) | 3702                               | 3702                                          |
| vendor SDK (`sdk`) | 8000 (Hikvision), 37777 (Dahua)           | unchanged                                     |

Every port is one of 80, 88, 443, 554, 2020, 5000, 8000, 8080, 8443, 8554, 8899, 37777, 34567 (TCP) or 3702 (UDP),
so `camaudit scan` finds the lab with its default port list. A device only gets the services its persona has.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

from scanner.lab.personas import Persona

ALLOWED_TCP = frozenset({80, 88, 443, 554, 2020, 5000, 8000, 8080, 8443, 8554, 8899, 37777, 34567})
WSD_PORT = 3702
_HIGH = {80: 8080, 554: 8554}  # privileged port -> the documented high port used without privilege


def plan(persona: Persona, standard: bool) -> dict[str, int]:
    """The `{service: port}` map of one device (`http`, `rtsp`, `onvif`, `wsd`, `sdk`)."""
    ports: dict[str, int] = {}
    if persona.web:
        ports["http"] = 80
    if persona.rtsp:
        ports["rtsp"] = 554
    if persona.onvif:
        ports["onvif"] = persona.onvif.port
        ports["wsd"] = WSD_PORT
    if persona.sdk_port:
        ports["sdk"] = persona.sdk_port
    if not standard:
        ports = {name: port if name == "wsd" else _HIGH.get(port, port) for name, port in ports.items()}
    if persona.rtsp and persona.rtsp.port:
        ports["rtsp"] = persona.rtsp.port  # the persona's own port whatever the privilege (an RTSP-on-8554 camera)
    for name, port in ports.items():
        if name != "wsd" and port not in ALLOWED_TCP:
            raise ValueError(f"persona {persona.id}: port {port} for {name} is not in the lab's port list")
    return ports


def can_bind_privileged(address: str) -> bool:
    """True when this process may listen below 1024 (root or CAP_NET_BIND_SERVICE), tried on `address`."""
    ip = ipaddress.ip_address(address)
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 1))  # port 1 (tcpmux) is never served here; bind only, no listen
        except PermissionError:
            return False
        except OSError as exc:
            # "in use" still proves the privilege check passed
            return exc.errno == errno.EADDRINUSE
    return True
