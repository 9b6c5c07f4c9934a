"""Receivers that name other lab devices (`@<persona id>`) given those devices' addresses once the lab has placed
them (pure). A persona whose receiver names a device that is not in this lab is refused: the answer key's link
to that device could not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from scanner.errors import LabError
from scanner.lab.personas import Persona, Receiver


def resolve(persona: Persona, addresses: Mapping[str, str]) -> Persona:
    """The persona with each `@id` receiver host replaced by that lab device's address."""

    def place(receiver: Receiver | None) -> Receiver | None:
        if receiver is None or not receiver.host.startswith("@"):
            return receiver
        address = addresses.get(receiver.host[1:])
        if address is None:
            raise LabError(f"persona {persona.id}: its settings name {receiver.host}, which is not in this lab")
        return replace(receiver, host=address)

    isapi, cgi = persona.isapi, persona.cgi
    if isapi is not None and isapi.destinations is not None:
        d = isapi.destinations
        hosts = tuple(r for r in map(place, d.http_hosts) if r is not None)
        isapi = replace(isapi, destinations=replace(d, http_hosts=hosts, ftp=place(d.ftp), isup=place(d.isup)))
    if cgi is not None and cgi.destinations is not None:
        cgi = replace(cgi, destinations=replace(cgi.destinations, alarm_server=place(cgi.destinations.alarm_server)))
    return replace(persona, isapi=isapi, cgi=cgi)
