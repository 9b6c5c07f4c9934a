"""RTSP replies recorded from GStreamer and transcribed from nmap's service probes, parsed without a network."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import ParseError
from scanner.model import MAX_BODY
from scanner.probes.rtsp import parse_challenge, parse_rtsp_response

RTSP = Path(__file__).parent / "fixtures" / "rtsp"


def _reply(name: str):
    return parse_rtsp_response((RTSP / name).read_bytes())


def test_gstreamer_options():
    reply = _reply("gst_options.bin")
    assert (reply.status, reply.reason) == (200, "OK")
    assert reply.header("cseq") == "1"
    assert reply.header("Server") == "GStreamer RTSP server"
    assert reply.body == b""


def test_gstreamer_describe_reads_exactly_content_length():
    data = (RTSP / "gst_describe.bin").read_bytes()
    reply = parse_rtsp_response(data + b"RTSP/1.0 200 OK\r\n\r\n")  # a pipelined next reply is not body
    assert len(reply.body) == int(reply.header("Content-Length"))
    assert reply.body.startswith(b"v=0\r\n")


def test_gstreamer_401_digest_challenge():
    reply = _reply("gst_describe_401_digest.bin")
    challenge = parse_challenge(reply.header("WWW-Authenticate"))
    assert (reply.status, challenge.scheme, challenge.realm) == (401, "digest", "GStreamer RTSP Server")
    assert challenge.param("nonce")


def test_hikvision_two_challenges_prefer_digest():
    reply = _reply("hikvision_dvr_describe_401.bin")
    assert reply.all("WWW-Authenticate")[1] == 'Basic realm="/"'
    challenge = parse_challenge(", ".join(reply.all("WWW-Authenticate")))
    assert (challenge.scheme, challenge.realm) == ("digest", "Hikvision")


def test_http_status_line_on_an_rtsp_port_and_a_broken_realm():
    reply = _reply("avtech_http_status_401.bin")
    assert reply.status == 401
    assert parse_challenge(reply.header("WWW-Authenticate")).realm == "server"


def test_bare_lf_and_folded_headers():
    reply = parse_rtsp_response(b"RTSP/1.0 200 OK\nCSeq: 2\nPublic: OPTIONS,\n  DESCRIBE\n\n")
    assert reply.header("Public") == "OPTIONS, DESCRIBE"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n",  # header block never ends
        b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
        b"RTSP/1.0 2000 OK\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nContent-Length: 50\r\n\r\nv=0\r\n",  # truncated body
        b"RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1),
        b"RTSP/1.0 200 OK\r\nContent-Length: \xb2\r\n\r\n",  # `²` (Latin-1): a digit to isdigit(), not to int()
        b"RTSP/1.0 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",  # beyond int()'s 4300 digits
    ],
)
def test_garbage_truncated_or_oversized_raise(data):
    with pytest.raises(ParseError):
        parse_rtsp_response(data)


def test_oversized_header_block_raises():
    with pytest.raises(ParseError):
        parse_rtsp_response(b"RTSP/1.0 200 OK\r\n" + b"X: " + b"a" * 20000 + b"\r\n\r\n")
