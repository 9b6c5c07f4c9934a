"""The HTTP connections' own writing: a request's head and its body go out in one write."""

from __future__ import annotations

from scanner.probes.wire import _Slot


class _Socket:
    """Stands for the connection's socket: keeps what each write sent."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


def _sent(scheme: str, method: str, body: bytes | None) -> list[bytes]:
    slot = _Slot((scheme, 80), "127.0.0.1", 1.0)
    sock = _Socket()
    slot.conn.sock = sock  # type: ignore[assignment]  # nothing is connected: the writes are only kept
    slot.conn.putrequest(method, "/onvif/device_service", skip_accept_encoding=True)
    slot.conn.putheader("Content-Length", str(len(body or b"")))
    slot.conn.endheaders(body)
    return sock.writes


def test_a_request_with_a_body_is_written_at_once_head_and_body() -> None:
    body = b"<s:Envelope>" + b"x" * 3000 + b"</s:Envelope>"
    for scheme in ("http", "https"):
        (write,) = _sent(scheme, "POST", body)
        head, _, rest = write.partition(b"\r\n\r\n")
        assert head.startswith(b"POST /onvif/device_service HTTP/1.1\r\n")
        assert b"Content-Length: 3025" in head
        assert rest == body


def test_a_request_without_a_body_is_its_head_alone() -> None:
    (write,) = _sent("http", "GET", None)
    assert write.startswith(b"GET /onvif/device_service HTTP/1.1\r\n")
    assert write.endswith(b"\r\n\r\n")
