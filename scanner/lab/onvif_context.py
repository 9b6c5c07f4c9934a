"""What every emulated ONVIF service needs to answer: the persona, its addresses and ports, and its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from scanner.lab.personas import OnvifSpec, Persona, Stream
from scanner.lab.xmlgen import NS

DEVICE_NS = NS["tds"]
MEDIA_NS = NS["trt"]
EVENTS_NS = NS["tev"]
ANALYTICS_NS = NS["tan"]


@dataclass(frozen=True)
class OnvifContext:
    """One device's ONVIF view of itself."""

    persona: Persona
    address: str
    port: int  # where its ONVIF services listen in this lab
    rtsp_port: int | None

    @property
    def spec(self) -> OnvifSpec:
        assert self.persona.onvif is not None  # only ONVIF personas get a context
        return self.persona.onvif

    @property
    def style(self) -> str:
        """The vendor family whose wording to imitate: hikvision, dahua or generic."""
        for part in (self.persona.web, self.persona.rtsp):
            if part and part.flavor in ("hikvision", "dahua"):
                return part.flavor
        return "generic"

    def now(self) -> datetime:
        """The device's clock: UTC shifted by the persona's offset (a camera that never saw NTP)."""
        return datetime.now(UTC) + timedelta(seconds=self.spec.clock_offset)

    def xaddr(self, path: str) -> str:
        port = "" if self.port == 80 else f":{self.port}"
        return f"http://{self.address}{port}{path}"

    def services(self) -> list[tuple[str, str]]:
        """(namespace, path) of each service, device first."""
        spec = self.spec
        found = [(DEVICE_NS, spec.device_path), (MEDIA_NS, spec.media_path), (EVENTS_NS, spec.events_path)]
        if spec.analytics_path:
            found.append((ANALYTICS_NS, spec.analytics_path))
        return found

    def paths(self) -> set[str]:
        return {path for _, path in self.services()}

    def stream(self, token: str) -> Stream | None:
        return next((s for s in self.persona.streams if s.token == token), None)

    def stream_uri(self, stream: Stream) -> str:
        """The RTSP URI GetStreamUri hands out, with the extra query each vendor appends."""
        port = "" if self.rtsp_port in (None, 554) else f":{self.rtsp_port}"
        path, _, query = stream.path.partition("?")
        params = parse_qsl(query, keep_blank_values=True)
        if self.style == "hikvision":
            params += [("transportmode", "unicast"), ("profile", stream.token)]
        elif self.style == "dahua":
            params += [("unicast", "true"), ("proto", "Onvif")]
        suffix = f"?{urlencode(params)}" if params else ""
        return f"rtsp://{self.address}{port}{path}{suffix}"
