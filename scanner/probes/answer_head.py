"""An HTTP answer's status line and header block, read without the standard library's email parser.

http.client reads a response's headers through email.parser's FeedParser: at a thousand devices that was the
largest single cost of the audit (14 % of its CPU). `LeanResponse` is http.client's response with its own
`begin`: the status line and the header lines read with the same limits and the same framing decisions (chunked,
Content-Length, whether the connection closes), the headers stored as they came in an `http.client.HTTPMessage`
(so `get`, `get_all` and `getheaders()` behave as before); the body is read by http.client as always.
"""

from __future__ import annotations

import http.client
from typing import BinaryIO

MAX_LINE = 65536  # as http.client: a longer status or header line is refused (LineTooLong)
MAX_HEADERS = 100  # as http.client: more header lines are refused
_NO_BODY = frozenset({204, 304})


class LeanResponse(http.client.HTTPResponse):
    """http.client's response, its head read by `read_head` (see the module's docstring)."""

    def begin(self) -> None:
        if self.headers is not None:
            return  # already begun
        status, reason, version = read_status(self.fp)
        while status == 100:  # a 100 Continue is followed by the real answer
            read_header_lines(self.fp)
            status, reason, version = read_status(self.fp)
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        message = http.client.HTTPMessage()
        for name, value in read_header_lines(self.fp):
            message.set_raw(name, value)
        self.headers = self.msg = message
        encoding = message.get("transfer-encoding")
        self.chunked = bool(encoding) and encoding.lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()  # http.client's own rule
        self.length = None
        declared = message.get("content-length")
        if declared is not None and not self.chunked:
            try:
                self.length = int(declared)
            except ValueError:
                self.length = None
            else:
                self.length = self.length if self.length >= 0 else None
        if status in _NO_BODY or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True  # the body ends when the connection does


def read_status(fp: BinaryIO) -> tuple[int, str, str]:
    """(status, reason, version) from the status line; RemoteDisconnected when nothing came, BadStatusLine when
    it is not one, LineTooLong past MAX_LINE."""
    line = fp.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise http.client.LineTooLong("status line")
    if not line:
        raise http.client.RemoteDisconnected("Remote end closed connection without response")
    text = line.decode("iso-8859-1")
    version, _, rest = text.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/"):
        raise http.client.BadStatusLine(text)
    try:
        status = int(code)
    except ValueError:
        raise http.client.BadStatusLine(text) from None
    if not 100 <= status <= 999:
        raise http.client.BadStatusLine(text)
    return status, reason.rstrip("\r\n"), version


def read_header_lines(fp: BinaryIO) -> list[tuple[str, str]]:
    """The header lines up to the blank line, as (name, value): the value without the space after the colon or
    the line end; a folded line (starting with a space or tab) continues the value before it; a line without a
    colon is passed over (as email's parser leaves it out of the headers)."""
    found: list[tuple[str, str]] = []
    lines = 0
    while True:
        line = fp.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return found
        lines += 1
        if lines > MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
        text = line.decode("iso-8859-1")
        if text[0] in " \t" and found:
            name, value = found[-1]
            found[-1] = (name, value + " " + text.strip())
            continue
        name, colon, value = text.partition(":")
        if colon:
            found.append((name, value.lstrip(" \t").rstrip("\r\n")))
