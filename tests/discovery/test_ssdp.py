"""SSDP: M-SEARCH, search responses and UPnP descriptions (recorded formats, malformed, random), LOCATION reads."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.discovery.ssdp import (
    MAX_DESCRIPTION,
    SsdpMethod,
    SsdpReply,
    UpnpDevice,
    build_search,
    description_facts,
    fetch_description,
    parse_description,
    parse_search_response,
)
from scanner.errors import ParseError, ProbeError

FIXTURES = Path(__file__).parent / "fixtures"
RESPONSE = (FIXTURES / "ssdp_axis_response.txt").read_bytes()
ROOTDESC = (FIXTURES / "upnp_axis_rootdesc.xml").read_bytes()


def test_m_search():
    text = build_search("upnp:rootdevice", mx=2).decode()
    assert text.startswith("M-SEARCH * HTTP/1.1\r\n") and text.endswith("\r\n\r\n")
    assert "HOST: 239.255.255.250:1900\r\n" in text and 'MAN: "ssdp:discover"\r\n' in text
    assert "MX: 2\r\n" in text and "ST: upnp:rootdevice\r\n" in text
    assert [m.split(b"\r\nST: ")[1].split(b"\r\n")[0] for m in SsdpMethod().messages()] == [
        b"upnp:rootdevice",
        b"ssdp:all",
    ]


def test_search_response():
    reply = parse_search_response(RESPONSE)
    assert reply == SsdpReply(
        location="http://192.0.2.70:49152/rootdesc1.xml",
        server="Linux/4.9.206-axis8, UPnP/1.0, Portable SDK for UPnP devices/1.8.4",
        st="upnp:rootdevice",
        usn="uuid:Upnp-BasicDevice-1_0-ACCC8E012345::upnp:rootdevice",
    )
    (found,) = SsdpMethod().read(RESPONSE, "192.0.2.70")
    assert found.key == "uuid:Upnp-BasicDevice-1_0-ACCC8E012345"


def test_description():
    device = parse_description(ROOTDESC)
    assert device == UpnpDevice(
        manufacturer="AXIS",
        model_name="AXIS P3245-LV",
        model_number="P3245-LV",
        friendly_name="AXIS P3245-LV - ACCC8E012345",
        serial="ACCC8E012345",
        udn="uuid:Upnp-BasicDevice-1_0-ACCC8E012345",
        device_type="urn:axis-com:device:Basic:1",
    )
    facts = dict(description_facts(device))
    assert (facts["vendor"], facts["model"], facts["serial"]) == ("AXIS", "P3245-LV", "ACCC8E012345")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nLOCATION: http://x/\r\n\r\n",
        b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n",  # another scanner's search
        b"HTTP/1.1 404 Not Found\r\nLOCATION: http://x/\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nSERVER: x\r\n\r\n",  # neither LOCATION nor USN
        RESPONSE[:12],
        b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 2000,  # oversized
    ],
)
def test_malformed_responses(data):
    with pytest.raises(ParseError):
        parse_search_response(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        ROOTDESC[:200],
        b"<root/>",
        b'<!DOCTYPE r [<!ENTITY a "b">]><root><device><manufacturer>&a;</manufacturer></device></root>',
        b"<root><device><manufacturer>" + b"A" * MAX_DESCRIPTION + b"</manufacturer></device></root>",
    ],
)
def test_malformed_descriptions(data):
    with pytest.raises(ParseError):
        parse_description(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1024))
def test_any_bytes_give_records_or_parse_errors(data):
    for parse, kind in ((parse_search_response, SsdpReply), (parse_description, UpnpDevice)):
        try:
            assert isinstance(parse(data), kind)
        except ParseError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(ROOTDESC)), st.binary(max_size=8))
def test_cut_descriptions_give_a_device_or_a_parse_error(cut, noise):
    try:
        assert isinstance(parse_description(ROOTDESC[:cut] + noise), UpnpDevice)
    except ParseError:
        pass


class _Description(http.server.BaseHTTPRequestHandler):
    body = ROOTDESC

    def do_GET(self):  # noqa: N802 - http.server's naming
        status = 200 if self.path == "/rootdesc1.xml" else 404
        self.send_response(status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def description_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Description)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_fetch_reads_the_description_from_the_responder(description_server):
    port = description_server
    body = fetch_description(f"http://127.0.0.1:{port}/rootdesc1.xml", "127.0.0.1", 2.0)
    assert parse_description(body).model_number == "P3245-LV"
    with pytest.raises(ProbeError, match="404"):
        fetch_description(f"http://127.0.0.1:{port}/other.xml", "127.0.0.1", 2.0)


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:49152/rootdesc1.xml",
        "https://127.0.0.1/x.xml",
        "http://camera.local/x.xml",
        "ftp://127.0.0.1/",
    ],
)
def test_fetch_refuses_a_location_that_is_not_the_responder(location):
    # The guard in conftest would fail the test if anything were sent to a non-loopback host; these must not even try.
    with pytest.raises(ProbeError, match="not plain HTTP"):
        fetch_description(location, "127.0.0.1", 1.0)
