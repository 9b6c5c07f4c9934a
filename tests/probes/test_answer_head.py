"""An HTTP answer's head read without the email parser: the same status, headers, framing and body as http.client's
own response for the same bytes, and the same refusals."""

from __future__ import annotations

import http.client
import io

import pytest

from scanner.probes.answer_head import MAX_HEADERS, LeanResponse, read_header_lines


class _Sock:
    """What HTTPResponse needs of a socket: makefile."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(io.BytesIO(self.data))


def _read(kind: type[http.client.HTTPResponse], data: bytes, method: str = "GET") -> tuple:
    response = kind(_Sock(data), method=method)  # type: ignore[arg-type]
    response.begin()
    return response.status, response.reason, response.version, response.getheaders(), response.will_close, \
        response.read()  # fmt: skip


ANSWERS = [
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello",
    b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="x", nonce="1"\r\n'
    b'WWW-Authenticate: Basic realm="x"\r\nContent-Length: 0\r\n\r\n',
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nServer: App-webs/\r\n\r\nuntil the end",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nServer: x\r\n\r\n",
    b"HTTP/1.1 404 Not Found\nContent-Length: 2\n\nno",  # bare line feeds
    b"HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Spaces:   padded  \r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 302 Found\r\nLocation: /doc/page/login.asp?_1\r\nContent-Length: -1\r\n\r\n",
]


@pytest.mark.parametrize("data", ANSWERS)
def test_the_same_answer_as_http_client_reads(data):
    assert _read(LeanResponse, data) == _read(http.client.HTTPResponse, data)


def test_a_head_request_has_no_body():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    assert _read(LeanResponse, data, "HEAD") == _read(http.client.HTTPResponse, data, "HEAD")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", http.client.RemoteDisconnected),
        (b"\0\0\0\x10\0\0\0\x1e\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/1.1 abc OK\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/1.1 42 Odd\r\n\r\n", http.client.BadStatusLine),
        (b"RTSP/1.0 200 OK\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/2 200 OK\r\n\r\n", http.client.UnknownProtocol),
        (b"HTTP/1.1 200 " + b"x" * 70000 + b"\r\n\r\n", http.client.LineTooLong),
        (b"HTTP/1.1 200 OK\r\nX: " + b"y" * 70000 + b"\r\n\r\n", http.client.LineTooLong),
        (b"HTTP/1.1 200 OK\r\n" + b"X: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n", http.client.HTTPException),
    ],
)
def test_what_http_client_refuses_is_refused(data, error):
    with pytest.raises(error):
        _read(LeanResponse, data)
    with pytest.raises(error):
        _read(http.client.HTTPResponse, data)


def test_folded_lines_continue_their_header_and_lines_without_a_colon_are_passed_over():
    lines = read_header_lines(io.BytesIO(b"A: 1\r\n  more\r\nnot a header\r\nB:2\r\n\r\nbody"))
    assert lines == [("A", "1 more"), ("B", "2")]
