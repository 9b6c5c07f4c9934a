"""Minimal raw-socket clients the lab tests speak through (RTSP, WS-Discovery, Digest), loopback only."""

from __future__ import annotations

import hashlib
import re
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import onvif
import requests
from zeep.transports import Transport

from scanner.lab import Lab, LabDevice

WSDL_DIR = Path(onvif.__file__).resolve().parent.parent / "wsdl"
TIMEOUT = 3.0


def device(lab: Lab, persona_id: str) -> LabDevice:
    return next(d for d in lab.devices if d.persona.id == persona_id)


def session() -> requests.Session:
    """A requests session that ignores proxy settings from the environment (the lab is loopback only)."""
    s = requests.Session()
    s.trust_env = False
    return s


def transport() -> Transport:
    return Transport(session=session(), timeout=TIMEOUT, operation_timeout=TIMEOUT)


def base_url(d: LabDevice, service: str = "http") -> str:
    port = d.ports[service]
    return f"http://{d.address}" + ("" if port == 80 else f":{port}")


@dataclass
class RtspReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


class RtspClient:
    """One RTSP connection; `send` writes a request and reads one reply (headers + Content-Length body)."""

    def __init__(self, address: str, port: int) -> None:
        self.sock = socket.create_connection((address, port), timeout=TIMEOUT)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def raw(self, data: bytes) -> RtspReply | None:
        self.sock.sendall(data)
        return self.read()

    def send(self, method: str, url: str, cseq: int | None, headers: dict[str, str] | None = None) -> RtspReply:
        lines = [f"{method} {url} RTSP/1.0"]
        if cseq is not None:
            lines.append(f"CSeq: {cseq}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        reply = self.raw(("\r\n".join(lines) + "\r\n\r\n").encode())
        assert reply is not None, "connection closed without a reply"
        return reply

    def read(self) -> RtspReply | None:
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
        length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
        while len(self.buffer) < length:
            self.buffer += self.sock.recv(65536)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return RtspReply(status, headers, body)


def challenge_params(header: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def digest_header(challenge: str, username: str, password: str, method: str, uri: str) -> str:
    """An Authorization header answering a Digest challenge (qop=auth when offered, RFC 2069 style otherwise)."""
    p = challenge_params(challenge)

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1, ha2 = md5(f"{username}:{p['realm']}:{password}"), md5(f"{method}:{uri}")
    realm, nonce = p["realm"], p["nonce"]
    fields = f'username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}"'
    if "auth" in p.get("qop", ""):
        cnonce, nc = uuid.uuid4().hex[:16], "00000001"
        response = md5(f"{ha1}:{p['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        return f'Digest {fields}, qop=auth, nc={nc}, cnonce="{cnonce}", response="{response}"'
    response = md5(f"{ha1}:{p['nonce']}:{ha2}")
    return f'Digest {fields}, response="{response}"'


def probe_xml(
    message_id: str, types: str = "dn:NetworkVideoTransmitter", scopes: str | None = None, extra_ns: str = ""
) -> bytes:
    scope = f"<d:Scopes>{scopes}</d:Scopes>" if scopes is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
        f'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" {extra_ns}>'
        f"<e:Header><w:MessageID>{message_id}</w:MessageID>"
        "<w:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>"
        "<w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>"
        f"<e:Body><d:Probe><d:Types>{types}</d:Types>{scope}</d:Probe></e:Body></e:Envelope>"
    ).encode()


def udp_exchange(address: str, port: int, payload: bytes, wait: float = TIMEOUT) -> tuple[bytes, tuple] | None:
    """Send one datagram from 127.0.0.1 and return the first reply (data, sender), or None after `wait`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(wait)
        sock.sendto(payload, (address, port))
        try:
            return sock.recvfrom(65536)
        except (TimeoutError, ConnectionRefusedError):
            return None


def soap_with_token(operation: str, username: str, password: str, created: str) -> str:
    """A SOAP 1.2 request carrying a WS-Security UsernameToken (PasswordDigest), written by hand."""
    import base64
    import os

    nonce = os.urandom(16)
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
    kind = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
        f'<s:Header><wsse:Security xmlns:wsse="{wsse}" xmlns:wsu="{wsu}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{kind}">{digest}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>"
        f"</wsse:UsernameToken></wsse:Security></s:Header><s:Body>{operation}</s:Body></s:Envelope>"
    )
