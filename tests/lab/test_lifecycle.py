"""Starting and stopping the lab: addresses, port plan, busy ports, freed ports, credentials file."""

from __future__ import annotations

import asyncio
import socket

import pytest

from scanner.credentials import load_credentials
from scanner.errors import LabError
from scanner.lab import Lab, load_personas
from scanner.lab.ports import ALLOWED_TCP
from tests.lab.clients import session

pytestmark = pytest.mark.lab


def _bind(address: str, port: int, kind: int) -> socket.socket:
    """Bind like a server would (TCP with SO_REUSEADDR, so TIME_WAIT leftovers do not count; UDP exclusive)."""
    sock = socket.socket(socket.AF_INET, kind)
    if kind == socket.SOCK_STREAM:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    if kind == socket.SOCK_STREAM:
        sock.listen()
    return sock


def _all_sockets(lab: Lab) -> list[tuple[str, int, int]]:
    found = set()
    for d in lab.devices:
        for name, port in d.ports.items():
            found.add((d.address, port, socket.SOCK_DGRAM if name == "wsd" else socket.SOCK_STREAM))
    return sorted(found)


def test_addresses_start_at_11_and_network_contains_them():
    lab = Lab(network="127.77.10.0/24")
    assert [d.address for d in lab.devices] == [f"127.77.10.{11 + i}" for i in range(len(lab.devices))]
    assert lab.network == "127.77.10.0/24"


def test_port_plans():
    high = {d.persona.id: dict(d.ports) for d in Lab(network="127.77.10.0/24", standard_ports=False).devices}
    standard = {d.persona.id: dict(d.ports) for d in Lab(network="127.77.10.0/24", standard_ports=True).devices}
    assert standard["hik-face"] == {"http": 80, "onvif": 80, "rtsp": 554, "wsd": 3702, "sdk": 8000}
    assert high["hik-face"] == {"http": 8080, "onvif": 8080, "rtsp": 8554, "wsd": 3702, "sdk": 8000}
    assert standard["onvif-m-face"]["onvif"] == high["onvif-m-face"]["onvif"] == 8899
    assert standard["onvif-plain"]["onvif"] == 2020 and standard["dahua-fr"]["sdk"] == 37777
    assert "onvif" not in standard["hik-trap"] and set(standard["rtsp-only"]) == {"rtsp"}
    assert set(standard["web-server"]) == {"http"}
    for plan in (*high.values(), *standard.values()):
        assert all(port in ALLOWED_TCP for name, port in plan.items() if name != "wsd")


@pytest.mark.parametrize("network", ["10.0.0.0/24", "192.0.2.0/24", "::1/128", "not-a-network"])
def test_refuses_networks_outside_loopback(network):
    with pytest.raises(LabError, match="127.0.0.0/8|CIDR"):
        Lab(network=network)


def test_refuses_a_network_too_small():
    with pytest.raises(LabError, match="too small"):
        Lab(network="127.77.10.0/29")


def test_stop_frees_every_port_and_is_idempotent():
    lab = Lab(network="127.77.10.0/24")
    lab.start()
    lab.start()  # a second start is a no-op
    hik = lab.devices[0]
    assert session().get(f"http://{hik.address}:{hik.ports['http']}/", timeout=3).status_code == 200
    lab.stop()
    lab.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((hik.address, hik.ports["http"]), timeout=3)
    sockets = [_bind(address, port, kind) for address, port, kind in _all_sockets(lab)]
    assert len(sockets) == len(_all_sockets(lab))
    for sock in sockets:
        sock.close()


def test_stop_closes_open_connections():
    with Lab(network="127.77.10.0/24", personas=load_personas()[:1]) as lab:
        hik = lab.devices[0]
        client = socket.create_connection((hik.address, hik.ports["http"]), timeout=3)
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
    client.settimeout(3)
    assert client.recv(4096) == b""  # the lab closed the kept-alive connection
    client.close()


@pytest.mark.parametrize("kind", [socket.SOCK_STREAM, socket.SOCK_DGRAM])
def test_busy_port_is_one_clear_error_and_nothing_stays_bound(kind):
    lab = Lab(network="127.77.11.0/24")
    address, port, _ = next(s for s in _all_sockets(lab) if s[2] == kind and s[0] == lab.devices[2].address)
    blocker = _bind(address, port, kind)
    try:
        with pytest.raises(LabError) as info:
            lab.start()
    finally:
        blocker.close()
    message = str(info.value)
    assert f"{address}:{port}" in message and "in use" in message and "\n" not in message
    for sock in [_bind(a, p, k) for a, p, k in _all_sockets(lab)]:
        sock.close()


def test_credentials_file_loads_and_maps_each_address():
    lab = Lab(network="127.77.10.0/24")
    path_text = lab.credentials_toml()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "creds.toml"
        path.write_text(path_text, encoding="utf-8")
        creds = load_credentials(path)
    assert len(creds.entries) == len(lab.devices)
    for d in lab.devices:
        login = creds.for_address(d.address)
        assert login is not None and (login.username, login.password) == (d.persona.username, d.persona.password)


def test_high_port_plan_serves_every_protocol():
    with Lab(network="127.77.16.0/24", standard_ports=False) as lab:
        hik = lab.devices[0]
        assert (hik.ports["http"], hik.ports["rtsp"]) == (8080, 8554)
        assert session().get(f"http://{hik.address}:8080/", timeout=3).status_code == 200
        with socket.create_connection((hik.address, 8554), timeout=3) as rtsp:
            rtsp.sendall(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
            assert rtsp.recv(4096).startswith(b"RTSP/1.0 200 OK")
        soap = (
            b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
            b'<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
        )
        reply = session().post(f"http://{hik.address}:8080/onvif/device_service", data=soap, timeout=3)
        assert reply.status_code == 200 and b"UTCDateTime" in reply.content


def test_without_privilege_the_high_port_plan_is_chosen(monkeypatch):
    real_bind = socket.socket.bind

    def unprivileged(sock, address):
        if isinstance(address, tuple) and address[1] < 1024:
            raise PermissionError(13, "Permission denied")
        return real_bind(sock, address)

    monkeypatch.setattr(socket.socket, "bind", unprivileged)
    ports = {d.persona.id: dict(d.ports) for d in Lab(network="127.77.16.0/24").devices}
    assert ports["hik-face"]["http"] == 8080 and ports["rtsp-only"]["rtsp"] == 8554


class _Writer:
    closed = False

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("error", "logged"), [(ConnectionResetError, False), (BrokenPipeError, False), (KeyError, True)]
)
def test_a_client_gone_mid_answer_is_not_a_lab_fault_but_an_emulator_bug_is_logged(error, logged, caplog):
    async def serve(reader, writer):
        raise error("x")

    writer = _Writer()
    handler = Lab(network="127.77.10.0/24", standard_ports=False)._tracked(serve)
    with caplog.at_level("ERROR", logger="scanner.lab.lab"):
        asyncio.run(handler(None, writer))
    assert writer.closed
    assert ("lab connection handler failed" in caplog.text) is logged
