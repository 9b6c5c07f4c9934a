"""SDP media sections from recorded DESCRIBE answers, including ONVIF metadata tracks."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import ParseError
from scanner.probes.rtsp import parse_rtsp_response
from scanner.probes.sdp import SdpMedia, media_labels, parse_sdp

RTSP = Path(__file__).parent / "fixtures" / "rtsp"


def test_gstreamer_sdp():
    reply = parse_rtsp_response((RTSP / "gst_describe.bin").read_bytes())
    media = parse_sdp(reply.body.decode())
    assert media == (SdpMedia("video", 0, "RTP/AVP", ("96",), ("H264/90000",), "stream=0"),)
    assert media_labels(media) == ("video H264/90000",)


def test_metadata_track_and_a_malformed_connection_line():
    reply = parse_rtsp_response((RTSP / "uniview_describe_metadata.bin").read_bytes())
    media = parse_sdp(reply.body.decode())
    assert media_labels(media) == ("video H264/90000", "audio PCMU/8000", "application vnd.onvif.metadata/90000")
    assert media[2].control == "rtsp://198.51.100.21/media/video1/metadata"


def test_static_payload_types_and_session_level_attributes():
    media = parse_sdp((RTSP / "dahua_sdp_metadata.sdp").read_text())
    assert media_labels(media) == (
        "video JPEG/90000",
        "audio MPEG4-GENERIC/16000",
        "application vnd.onvif.metadata/90000",
    )
    assert [m.control for m in media] == ["trackID=0", "trackID=1", "trackID=4"]


def test_unknown_dynamic_type_keeps_the_media_kind():
    media = parse_sdp("v=0\nm=video 0 RTP/AVP 98\n")
    assert media[0].labels() == ("video",)


def test_bare_lf_and_odd_ports():
    media = parse_sdp("v=0\ns=x\nm=video 5000/2 RTP/AVP 26\nm=broken\nm=audio x RTP/AVP 0\n")
    assert media_labels(media) == ("video JPEG/90000",)


def test_ports_that_pass_isdigit_but_are_no_number_drop_the_line():
    # `²` is a digit to str.isdigit() and not to int(); 5000 digits are beyond what int() converts (issue 13).
    for port in ("\u00b2", "9" * 5000, "\u0663"):
        media = parse_sdp(f"v=0\nm=video {port} RTP/AVP 96\na=rtpmap:96 H264/90000\nm=audio 0 RTP/AVP 0\n")
        assert media_labels(media) == ("audio PCMU/8000",)


@pytest.mark.parametrize("text", ["", "<html><body>404</body></html>", "hello\nworld\n"])
def test_not_sdp(text):
    with pytest.raises(ParseError):
        parse_sdp(text)
