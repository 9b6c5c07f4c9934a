"""Dahua destination tables (AlarmServer, T2UServer, Email, NAS, DVRIP) from a persona, in `table.<Name>...=value`
lines as configManager.cgi getConfig answers them (the shapes of signatures/cases/dahua). Settings the persona does
not name answer as the factory left them, switched off; the mail and NAS tables still hold their passwords, as
firmware returns them: camaudit must blank them before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.lab.dahua_face import lines
from scanner.lab.personas import CgiDestinations


def _bool(value: bool) -> str:
    return "true" if value else "false"


def alarm_server(spec: CgiDestinations) -> bytes:
    server = spec.alarm_server
    return lines(
        [
            ("table.AlarmServer.Address", server.host if server else "0.0.0.0"),  # noqa: S104 - text, never bound
            ("table.AlarmServer.Enable", _bool(server is not None)),
            ("table.AlarmServer.Port", server.port if server else 0),
            ("table.AlarmServer.Protocol", "DAHUA"),
            ("table.AlarmServer.UserName", "admin" if server else ""),
        ]
    )


def p2p(spec: CgiDestinations) -> bytes:
    return lines([("table.T2UServer.Enable", _bool(spec.p2p))])


def email(spec: CgiDestinations) -> bytes:
    return lines(
        [
            ("table.Email.Address", "smtp.example.com"),
            ("table.Email.AttachEnable", "true"),
            ("table.Email.Enable", "false"),
            ("table.Email.Password", spec.mail_password),
            ("table.Email.Port", 25),
            ("table.Email.Receivers[0]", ""),
            ("table.Email.SendAddress", ""),
            ("table.Email.UserName", "camera"),
        ]
    )


def nas(spec: CgiDestinations) -> bytes:
    return lines(
        [
            ("table.NAS[0].Address", "0.0.0.0"),  # noqa: S104 - text, never bound
            ("table.NAS[0].Directory", "share"),
            ("table.NAS[0].Enable", "false"),
            ("table.NAS[0].Password", spec.nas_password),
            ("table.NAS[0].Port", 21),
            ("table.NAS[0].Protocol", "FTP"),
            ("table.NAS[0].UserName", "anonymity"),
        ]
    )


def register_server(spec: CgiDestinations) -> bytes:
    return lines(
        [
            ("table.DVRIP.MaxConnections", 10),
            ("table.DVRIP.RegisterServer.DeviceID", "none"),
            ("table.DVRIP.RegisterServer.Enable", "false"),
            ("table.DVRIP.RegisterServer.Servers[0].Address", "0.0.0.0"),  # noqa: S104 - text, never bound
            ("table.DVRIP.RegisterServer.Servers[0].Port", 7000),
            ("table.DVRIP.TCPPort", 37777),
        ]
    )


TABLES: dict[str, Callable[[CgiDestinations], bytes]] = {
    "AlarmServer": alarm_server,
    "T2UServer": p2p,
    "Email": email,
    "NAS": nas,
    "DVRIP": register_server,
}
