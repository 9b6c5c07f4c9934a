"""SDP (RFC 8866) media descriptions from an RTSP DESCRIBE answer: which tracks a camera streams (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.errors import ParseError
from scanner.net.text import small_int

MAX_LINES = 4096
MAX_MEDIA = 64
_LINE = re.compile(r"^([a-z])=(.*)$")
# RFC 3551 static payload types, for media lines that carry no rtpmap.
_STATIC = {
    "0": "PCMU/8000",
    "3": "GSM/8000",
    "4": "G723/8000",
    "8": "PCMA/8000",
    "9": "G722/8000",
    "10": "L16/44100/2",
    "11": "L16/44100",
    "14": "MPA/90000",
    "26": "JPEG/90000",
    "31": "H261/90000",
    "32": "MPV/90000",
    "33": "MP2T/90000",
    "34": "H263/90000",
}


@dataclass(frozen=True)
class SdpMedia:
    """One `m=` section: media type, port, transport, payload formats, their encodings, its control URL."""

    media: str
    port: int
    proto: str
    formats: tuple[str, ...]
    encodings: tuple[str, ...]  # `H264/90000`, one per format that has an rtpmap or a static type
    control: str | None = None

    def labels(self) -> tuple[str, ...]:
        """`video H264/90000`-style strings, one per encoding (the media type alone when none is known)."""
        if not self.encodings:
            return (self.media,)
        return tuple(f"{self.media} {encoding}" for encoding in self.encodings)


@dataclass
class _Section:
    media: str
    port: int
    proto: str
    formats: tuple[str, ...]
    rtpmap: dict[str, str]
    control: str | None = None

    def freeze(self) -> SdpMedia:
        encodings = []
        for fmt in self.formats:
            encoding = self.rtpmap.get(fmt) or _STATIC.get(fmt)
            if encoding:
                encodings.append(encoding)
        return SdpMedia(self.media, self.port, self.proto, self.formats, tuple(encodings), self.control)


def parse_sdp(text: str) -> tuple[SdpMedia, ...]:
    """The media sections of an SDP document; ParseError when the text is not SDP at all."""
    lines = [line.strip() for line in text.splitlines()[:MAX_LINES] if line.strip()]
    parsed = [m for m in (_LINE.match(line) for line in lines) if m]
    if not parsed or len(parsed) < len(lines) / 2:
        raise ParseError("not an SDP document")
    sections: list[_Section] = []
    current: _Section | None = None
    for match in parsed:
        kind, value = match.group(1), match.group(2).strip()
        if kind == "m":
            current = _media_line(value)
            if current is not None and len(sections) < MAX_MEDIA:
                sections.append(current)
        elif kind == "a" and current is not None:
            _attribute(current, value)
    return tuple(section.freeze() for section in sections)


def _media_line(value: str) -> _Section | None:
    """`video 0 RTP/AVP 96 97`; None for a line too malformed to use (devices do send those)."""
    parts = value.split()
    if len(parts) < 3:
        return None
    port = small_int(parts[1].split("/", 1)[0], 5)
    if port is None:
        return None
    return _Section(parts[0].lower(), port, parts[2], tuple(parts[3:]), {})


def _attribute(section: _Section, value: str) -> None:
    name, _, rest = value.partition(":")
    name = name.strip().lower()
    if name == "rtpmap":
        fmt, _, encoding = rest.strip().partition(" ")
        if fmt and encoding.strip():
            section.rtpmap.setdefault(fmt, encoding.strip())
    elif name == "control" and section.control is None:
        section.control = rest.strip()


def media_labels(media: tuple[SdpMedia, ...]) -> tuple[str, ...]:
    """Every section's labels in order, without repeats (the value `sdp_media`)."""
    return tuple(dict.fromkeys(label for section in media for label in section.labels()))
