"""rtsp_probe keeps one connection per device port, starts afresh when the device closes it or says too much, and
takes a reset that follows the guard's end of an exchange for the timeout it is."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from scanner.errors import ProbeError
from scanner.model import Credential
from scanner.net.deadline import Guard
from scanner.probes import rtsp as rtsp_module
from scanner.probes.rtsp import rtsp_probe
from scanner.vocabulary import Reason
from tests.probes.servers import Seen, parse_request, read_request, tcp_server
from tests.probes.test_rtsp_client import MOUNT, SECRET, gstreamer

CREDENTIAL = Credential("admin", SECRET)


def _device(script: Callable[[Seen], bytes | None], connections: list[int], close_after_reply: bool = False):
    """A loopback RTSP device that counts its connections; optionally it hangs up after every reply."""

    def respond(conn: socket.socket, seen: list[Seen]) -> None:
        connections.append(1)
        while True:
            data = read_request(conn)
            if not data:
                return
            request = parse_request(data)
            seen.append(request)
            reply = script(request)
            if reply is None:
                return
            conn.sendall(reply)
            if close_after_reply:
                return

    return tcp_server(respond)


def _probe(server):
    uri = f"rtsp://127.0.0.1:{server.port}{MOUNT}"
    return rtsp_probe("127.0.0.1", server.port, CREDENTIAL, [uri], 3.0)


def test_options_the_challenge_and_the_answer_share_one_connection():
    connections: list[int] = []
    with _device(gstreamer(), connections) as server:
        result = _probe(server)
    assert [o.status for o in result] == [200, 200]
    assert [s.method for s in server.seen] == ["OPTIONS", "DESCRIBE", "DESCRIBE"]  # 401, then the answer
    assert len(connections) == 1


def test_a_device_that_hangs_up_after_each_reply_is_asked_on_fresh_connections():
    connections: list[int] = []
    with _device(gstreamer(), connections, close_after_reply=True) as server:
        result = _probe(server)
    assert [o.status for o in result] == [200, 200]
    assert [s.method for s in server.seen] == ["OPTIONS", "DESCRIBE", "DESCRIBE"]  # nothing asked twice
    assert len(connections) == 3


def test_bytes_after_a_reply_are_never_read_as_the_next_reply():
    script = gstreamer()

    def chatty(request: Seen) -> bytes | None:
        reply = script(request)
        return reply + b"garbage a device sent after its reply" if request.method == "OPTIONS" and reply else reply

    connections: list[int] = []
    with _device(chatty, connections) as server:
        result = _probe(server)
    assert [o.status for o in result] == [200, 200]
    assert "garbage" not in " ".join(o.text for o in result)
    assert len(connections) == 2  # the connection with leftover bytes was dropped after OPTIONS


def test_a_reset_after_the_guard_shut_the_socket_is_the_guards_timeout(monkeypatch):
    """The guard's end shuts the socket; a device that answers that with a reset (its drip's next write failed)
    may have the reset seen first. Either way the exchange took too long: a timeout, asked once more, not a
    connection failure."""
    guard = Guard(time.monotonic() + 60, "the device took more than 2 s to answer", cause=Reason.TIMED_OUT)

    def shut_then_reset(self, request, guard_, cap):
        guard_.expire()
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(rtsp_module._Connection, "_round_trip", shut_then_reset)
    connection = rtsp_module._Connection("127.0.0.1", 554, 2.0)
    with pytest.raises(ProbeError) as raised:
        connection.exchange(b"OPTIONS rtsp://127.0.0.1:554/ RTSP/1.0\r\nCSeq: 1\r\n\r\n", guard)
    assert raised.value.cause == Reason.TIMED_OUT and "took more than" in str(raised.value)

    def reset(self, request, guard_, cap):  # a reset before any deadline stays what it is
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(rtsp_module._Connection, "_round_trip", reset)
    fresh = Guard(time.monotonic() + 60, "the device took more than 2 s to answer", cause=Reason.TIMED_OUT)
    with pytest.raises(ConnectionResetError):
        connection.exchange(b"OPTIONS rtsp://127.0.0.1:554/ RTSP/1.0\r\nCSeq: 2\r\n\r\n", fresh)
