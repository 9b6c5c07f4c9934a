"""One emulated device assembled from its persona: which listener serves what on which port."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from scanner.lab import httpd, rtsp
from scanner.lab.auth import Authenticator
from scanner.lab.axis import AxisSite
from scanner.lab.dahua import DahuaSite
from scanner.lab.hanwha import HanwhaSite
from scanner.lab.hikvision import HikvisionSite
from scanner.lab.httpd import Request, Response
from scanner.lab.huawei import HuaweiSite
from scanner.lab.nginx import NginxSite
from scanner.lab.onvif import OnvifEndpoint
from scanner.lab.onvif_context import OnvifContext
from scanner.lab.personas import Persona
from scanner.lab.platform import PlatformSite
from scanner.lab.reolink import ReolinkSite
from scanner.lab.tempo import Think
from scanner.lab.uniview import UniviewSite
from scanner.lab.wsd import WsdResponder
from scanner.lab.zkteco import ZktecoSite

SDK_IDLE = 30.0
HIKVISION_CONTROL = b"\0\0\0\x10\0\0\0\x1e\0\0\0\x1e\0\0\0\0"  # nmap's fingerprint of the answer
ServeTcp = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Site(Protocol):
    """A vendor web server: answers requests and knows how it words a 401."""

    @property
    def auth(self) -> Authenticator | None: ...

    def handle(self, request: Request) -> Response: ...

    def unauthorized(self, challenges: tuple[str, ...]) -> Response: ...


@dataclass(frozen=True)
class TcpListener:
    port: int
    service: str  # e.g. "http+onvif", "rtsp", "sdk"
    serve: ServeTcp
    limit: int = httpd.MAX_HEAD  # longest request head the protocol accepts
    site: Site | None = None  # the vendor web server behind a web listener (its state is what tests may read)


@dataclass(frozen=True)
class UdpListener:
    port: int
    service: str
    protocol: Callable[[], asyncio.DatagramProtocol]


def _site(persona: Persona) -> Site | None:
    if persona.web is None:
        return None
    sites: dict[str, Callable[[Persona], Site]] = {
        "hikvision": HikvisionSite,
        "dahua": DahuaSite,
        "nginx": NginxSite,
        "axis": AxisSite,
        "hanwha": HanwhaSite,
        "reolink": ReolinkSite,
        "zkteco": ZktecoSite,
        "uniview": UniviewSite,
        "huawei": HuaweiSite,
        "platform": PlatformSite,
    }
    return sites[persona.web.flavor](persona)


def _plain_401(challenges: tuple[str, ...]) -> Response:
    return Response(401, b"401 Unauthorized\r\n", "text/plain", tuple(("WWW-Authenticate", c) for c in challenges))


def _onvif(persona: Persona, address: str, ports: Mapping[str, int], site: Site | None) -> OnvifEndpoint:
    assert persona.onvif is not None
    ctx = OnvifContext(persona, address, ports["onvif"], ports.get("rtsp"))
    shared = site is not None and ports.get("http") == ports["onvif"]
    if shared and site is not None and site.auth is not None:
        # One web server, one realm: ONVIF Digest logins are the web logins.
        return OnvifEndpoint(ctx, site.auth, site.unauthorized)
    auth = Authenticator(persona.device_name, persona.username, persona.password)
    return OnvifEndpoint(ctx, auth, _plain_401)


def _http_handler(site: Site | None, onvif: OnvifEndpoint | None) -> httpd.Handler:
    def handle(request: Request) -> Response:
        if onvif is not None and request.path in onvif.paths():
            return onvif.handle(request)
        if site is not None:
            return site.handle(request)
        return Response(404, b"<html><body><h1>404 Not Found</h1></body></html>\r\n")

    return handle


def _http_serve(handler: httpd.Handler, think: Think | None) -> ServeTcp:
    return lambda reader, writer: httpd.serve(reader, writer, handler, think)


def _rtsp_serve(device: rtsp.RtspDevice, think: Think | None) -> ServeTcp:
    return lambda reader, writer: rtsp.serve(reader, writer, device, think)


def _sdk_serve(port: int, think: Think | None) -> ServeTcp:
    """A vendor SDK port (binary protocol): Hikvision's control port (8000) answers what it gets with its 16-byte
    header, as nmap's fingerprint of it records (nmap-service-probes: `match ipcam m|^\\0\\0\\0\\x10\\0\\0\\0\\x1e...|
    p/Hikvision IPCam control port/`); the others read and discard, never answering."""
    reply = HIKVISION_CONTROL if port == 8000 else b""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await asyncio.wait_for(reader.read(4096), SDK_IDLE):
                if reply:
                    if think is not None:
                        await think(data[:16].decode("latin-1"))
                        if writer.is_closing():
                            return  # the client gave up while the device thought
                    writer.write(reply)
                    await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    return serve


def endpoint_reference(persona: Persona) -> str:
    """The device's stable WS-Discovery EndpointReference (urn:uuid derived from its MAC)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'camaudit-lab:{persona.mac}')}"


def listeners(
    persona: Persona, address: str, ports: Mapping[str, int], think: Think | None = None
) -> list[TcpListener | UdpListener]:
    """Every socket the device needs, per the port plan (web and ONVIF share one listener when ports agree);
    `think` is awaited before each HTTP or RTSP answer (None: answer at once)."""
    site = _site(persona)
    onvif = _onvif(persona, address, ports, site) if persona.onvif else None
    found: list[TcpListener | UdpListener] = []
    web_port, onvif_port = ports.get("http"), ports.get("onvif")
    if web_port is not None:
        shared = onvif if onvif_port == web_port else None
        service = "http+onvif" if shared else "http"
        found.append(TcpListener(web_port, service, _http_serve(_http_handler(site, shared), think), site=site))
    if onvif is not None and onvif_port is not None and onvif_port != web_port:
        found.append(TcpListener(onvif_port, "onvif", _http_serve(_http_handler(None, onvif), think)))
    if persona.rtsp is not None:
        rtsp_device = rtsp.RtspDevice(persona, address)
        found.append(TcpListener(ports["rtsp"], "rtsp", _rtsp_serve(rtsp_device, think), rtsp.MAX_HEAD))
    if onvif is not None:
        scopes, xaddr = onvif.ctx.spec.scopes, onvif.ctx.xaddr(onvif.ctx.spec.device_path)
        found.append(
            UdpListener(ports["wsd"], "ws-discovery", lambda: WsdResponder(endpoint_reference(persona), scopes, xaddr))
        )
    if "sdk" in ports:
        found.append(TcpListener(ports["sdk"], "sdk", _sdk_serve(ports["sdk"], think)))
    return found
