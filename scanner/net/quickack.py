"""Acknowledge a device's answer at once, so that a server that writes its answer in pieces is not held up.

Many small web and RTSP servers write an answer's headers and its body with two writes and leave Nagle's algorithm
on: the body then waits until the headers' segment is acknowledged, and a client that delays its acknowledgement
(Linux does, up to about 40 ms, hoping to send it with data) adds that wait to every request. Asking the kernel for
an immediate acknowledgement (TCP_QUICKACK, Linux) after each request is sent, before its answer is read, removes
it: bench/split_answers.py measures 44 ms per request against Python's own http.server, 0.4 ms with it. The kernel
drops back to delayed acknowledgements by itself, so it is asked again for every exchange. Elsewhere it does
nothing.
"""

from __future__ import annotations

import socket

_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def ack_at_once(sock: socket.socket | None) -> None:
    """Ask for the next segments of `sock` (a TCP socket, plain or TLS) to be acknowledged without delay."""
    if sock is None or _QUICKACK is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
    except OSError:
        pass  # closed meanwhile (the guard shut it): the read that follows says so
