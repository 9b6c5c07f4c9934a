"""Every HTTP and RTSP exchange asks for the device's answer to be acknowledged at once (scanner.net.quickack), after
its request went out and before its answer is read: a device that writes headers and body apart, Nagle's algorithm
on, is then not held up by a delayed acknowledgement (bench/split_answers.py measures it: 44 ms -> 0.4 ms)."""

from __future__ import annotations

import socket

import pytest

from scanner.net import quickack
from scanner.net.pace import Pace
from scanner.probes import rtsp as rtsp_module
from scanner.probes import wire as wire_module
from scanner.probes.http import HttpClient
from scanner.probes.rtsp import rtsp_probe
from tests.probes.servers import Reply, http_server
from tests.probes.test_rtsp_client import MOUNT, gstreamer
from tests.probes.test_rtsp_connection import CREDENTIAL, _device

pytestmark = pytest.mark.skipif(not hasattr(socket, "TCP_QUICKACK"), reason="TCP_QUICKACK is Linux's")


def _spy(monkeypatch: pytest.MonkeyPatch, module: object) -> list[int]:
    """The TCP_QUICKACK value of the socket right after each call (1: set)."""
    states: list[int] = []

    def noted(sock: socket.socket | None) -> None:
        quickack.ack_at_once(sock)
        assert sock is not None
        states.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK))

    monkeypatch.setattr(module, "ack_at_once", noted)
    return states


def test_each_http_exchange_asks_for_its_answer_to_be_acknowledged_at_once(monkeypatch):
    states = _spy(monkeypatch, wire_module)
    with http_server(lambda seen: Reply(200, [("Server", "webs")], b"<html><title>cam</title></html>")) as server:
        client = HttpClient(server.host, 3.0, None, Pace(2).host(server.host))
        answers = [client.fetch_root(server.port, False) for _ in range(3)]
        client.close()
    assert [a.status for a in answers] == [200, 200, 200]
    assert states == [1, 1, 1]  # once per request, on its kept connection, the option really set


def test_each_rtsp_exchange_asks_for_its_answer_to_be_acknowledged_at_once(monkeypatch):
    states = _spy(monkeypatch, rtsp_module)
    connections: list[int] = []
    with _device(gstreamer(), connections) as server:
        observations = rtsp_probe("127.0.0.1", server.port, CREDENTIAL, [f"rtsp://127.0.0.1:{server.port}{MOUNT}"], 3.0)
    assert [o.status for o in observations] == [200, 200]  # OPTIONS; DESCRIBE answered after its challenge
    assert states == [1, 1, 1]  # OPTIONS, DESCRIBE, DESCRIBE with the login
