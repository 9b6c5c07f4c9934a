"""RTSP wording per vendor family: the Public method list, the Date format, and the SDP each one writes."""

from __future__ import annotations

import email.utils
import time
import zlib

from scanner.lab.personas import Stream

PUBLIC = {
    "hikvision": "OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER",
    "dahua": "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER",
    "generic": "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER",
    "hipcam": "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER",
}
METADATA_PT = 107
# profile-level-id of the H.264 Main profile at a level that fits the resolution.
_LEVELS = ((414_720, "4D001F"), (2_097_152, "4D0028"), (8_912_896, "4D0033"))


def rtsp_date(flavor: str) -> str | None:
    """The Date header: Hikvision's own spelling (note the double space), RFC 1123 elsewhere, none for Hipcam."""
    if flavor == "hikvision":
        return time.strftime(" %a, %b %d %Y %H:%M:%S GMT", time.gmtime())  # rendered "Date:  Thu, ..."
    if flavor == "hipcam":
        return None
    return email.utils.formatdate(usegmt=True)


def _profile_level(stream: Stream) -> str:
    pixels = stream.width * stream.height
    return next((level for limit, level in _LEVELS if pixels <= limit), "640033")


def _video_lines(stream: Stream, payload: int) -> list[str]:
    codec = "H265" if stream.encoding == "H265" else "H264"
    lines = [f"a=rtpmap:{payload} {codec}/90000"]
    if codec == "H264":
        lines.append(f"a=fmtp:{payload} profile-level-id={_profile_level(stream)};packetization-mode=1")
    return lines


def _session_id(url: str) -> int:
    return zlib.crc32(url.encode()) or 1


def describe(flavor: str, stream: Stream, url: str, address: str) -> str:
    """The SDP a camera of `flavor` returns for `stream` requested as `url` (CRLF line ends)."""
    builder = {"hikvision": _hikvision, "dahua": _dahua, "hipcam": _hipcam}.get(flavor, _generic)
    return "\r\n".join(builder(stream, url, address)) + "\r\n"


def _hikvision(stream: Stream, url: str, address: str) -> list[str]:
    sid = _session_id(url) * 1000
    base = url.rstrip("/")
    return [
        "v=0",
        f"o=- {sid} {sid} IN IP4 {address}",
        "s=Media Presentation",
        "e=NONE",
        f"b=AS:{stream.bitrate + 50}",
        "t=0 0",
        f"a=control:{base}/",
        "m=video 0 RTP/AVP 96",
        "c=IN IP4 0.0.0.0",
        f"b=AS:{stream.bitrate}",
        "a=recvonly",
        f"a=x-dimensions:{stream.width},{stream.height}",
        f"a=control:{base}/trackID=1",
        *_video_lines(stream, 96),
        "a=appversion:1.0",
    ]


def _dahua(stream: Stream, url: str, address: str) -> list[str]:
    sid = _session_id(url)
    return [
        "v=0",
        f"o=- {sid} {sid} IN IP4 0.0.0.0",
        "s=Media Server",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=control:*",
        "a=packetization-supported:DH",
        "a=rtppayload-supported:DH",
        "a=range:npt=now-",
        "m=video 0 RTP/AVP 96",
        "a=control:trackID=0",
        f"a=framerate:{stream.fps}.000000",
        *_video_lines(stream, 96),
        "a=recvonly",
    ]


def _generic(stream: Stream, url: str, address: str) -> list[str]:
    sid = _session_id(url)
    lines = [
        "v=0",
        f"o=- {sid} 1 IN IP4 {address}",
        "s=Session streamed by the camera",
        "t=0 0",
        "a=control:*",
        "a=range:npt=now-",
        "m=video 0 RTP/AVP 96",
        "c=IN IP4 0.0.0.0",
        f"b=AS:{stream.bitrate}",
        f"a=framerate:{stream.fps}",
        *_video_lines(stream, 96),
        "a=control:trackID=1",
    ]
    if stream.metadata:
        lines += [
            f"m=application 0 RTP/AVP {METADATA_PT}",
            "c=IN IP4 0.0.0.0",
            f"a=rtpmap:{METADATA_PT} vnd.onvif.metadata/90000",
            "a=control:trackID=3",
        ]
    return lines


def _hipcam(stream: Stream, url: str, address: str) -> list[str]:
    sid = _session_id(url)
    return [
        "v=0",
        f"o=StreamingServer {sid} {sid}000 IN IP4 {address}",
        "s=H.264 Video, RtspServer_0.0.0.2",
        "e=NONE",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=control:*",
        "m=video 0 RTP/AVP 96",
        "a=control:trackID=0",
        *_video_lines(stream, 96),
    ]
