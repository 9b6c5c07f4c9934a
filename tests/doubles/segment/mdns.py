"""mDNS / DNS-SD announced with zeroconf (the real library, the real wire format) for one namespace device."""

from __future__ import annotations

import socket

from zeroconf import IPVersion, ServiceInfo, Zeroconf

from scanner.lab.personas import Persona

SERVICE_PORTS = {"_http._tcp": 80, "_axis-video._tcp": 80, "_rtsp._tcp": 554, "_CGI._tcp": 80}


def service_infos(persona: Persona, address: str) -> list[ServiceInfo]:
    """One ServiceInfo per announced service type, with the MAC in TXT as Axis firmware publishes it."""
    assert persona.segment is not None
    host = f"{persona.manufacturer.lower()}-{persona.serial.lower()}.local."
    mac = persona.mac.replace(":", "").upper()
    return [
        ServiceInfo(
            type_=f"{service}.local.",
            name=f"{persona.segment.mdns_instance}.{service}.local.",
            addresses=[socket.inet_aton(address)],
            port=SERVICE_PORTS.get(service, 80),
            properties={"macaddress": mac},
            server=host,
        )
        for service in persona.segment.mdns_services
    ]


def announce(persona: Persona, address: str) -> Zeroconf:
    """Start a responder on `address` only and register the persona's services; the caller closes it."""
    zc = Zeroconf(interfaces=[address], ip_version=IPVersion.V4Only)
    for info in service_infos(persona, address):
        zc.register_service(info, cooperating_responders=True)  # the lab names are unique: skip conflict probing
    return zc
