"""Every URL a probe contacts is on the audited address and carries no credentials."""

from __future__ import annotations

import pytest

from scanner.errors import ParseError
from scanner.net.urls import in_scope, printable, same_host, url_host


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://192.0.2.10/onvif/device_service", "http://127.0.0.5:80/onvif/device_service"),
        ("https://cam.example:8443/a?b=c#frag", "https://127.0.0.5:8443/a?b=c"),
        ("rtsp://admin:pw@10.0.0.9:8554/ch1", "rtsp://127.0.0.5:8554/ch1"),
        ("HTTP://[2001:db8::1]", "http://127.0.0.5:80/"),
    ],
)
def test_in_scope_rewrites_host_and_drops_userinfo(url, expected):
    assert in_scope(url, "127.0.0.5", 80) == expected


def test_ipv6_addresses_get_brackets():
    assert in_scope("rtsp://10.0.0.9/x", "::1", 554) == "rtsp://[::1]:554/x"
    assert url_host("::1") == "[::1]" and url_host("127.0.0.1") == "127.0.0.1"
    assert same_host("[0:0:0:0:0:0:0:1]", "::1") and not same_host("127.0.0.2", "127.0.0.1")
    assert not same_host(None, "127.0.0.1")


@pytest.mark.parametrize("url", ["", "/relative", "not a url", "http://h/a b", "http://h/\r\nX: y", "http://h:99999/"])
def test_unusable_urls_raise(url):
    with pytest.raises(ParseError):
        in_scope(url, "127.0.0.1", 80)


def test_printable():
    assert printable("a\r\nb") == "a\\x0d\\x0ab"
    assert len(printable("x" * 500, 50)) == 50
