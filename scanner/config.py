"""The frozen scan configuration (no globals) and the camera port lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scanner.credentials import Credentials
from scanner.errors import UsageError

# Ports real cameras listen on (HTTP, RTSP, vendor SDKs, ONVIF on odd ports).
CAMERA_PORTS: tuple[int, ...] = (
    80,
    81,
    88,
    443,
    554,
    2020,
    5000,
    8000,
    8080,
    8081,
    8443,
    8554,
    8899,
    10080,
    34567,
    37777,
)
MAX_OBSERVE = 300.0  # seconds: the longest observe window a scan may ask a device to keep a subscription for
MAX_TIMEOUT = 120.0  # seconds: the longest timeout a scan may set on one read
MAX_CONCURRENCY = 1024  # devices audited at once (each holds sockets and a thread)
MAX_PER_HOST = 8  # requests in flight to one device: more would hammer a camera, whatever the user asks
HTTP_PORTS = frozenset({80, 81, 88, 2020, 5000, 8000, 8080, 8081, 8899, 10080})
# Camera makers' own SDK ports: Hikvision 8000 (nmap-service-probes: "Hikvision IPCam control port"), Dahua 37777
# (DVRIP), Xiongmai/Sofia 34567 (research/peers.md: jorhelp/Ingram, 667bdrm/sofiactl).
VENDOR_SDK_PORTS = frozenset({8000, 34567, 37777})
HTTPS_PORTS = frozenset({443, 8443})
RTSP_PORTS = frozenset({554, 8554})


@dataclass(frozen=True)
class ScanConfig:
    """Everything one scan needs to know, fixed before it starts."""

    targets: tuple[str, ...]
    ports: tuple[int, ...] = CAMERA_PORTS
    credentials: Credentials = field(default_factory=Credentials)
    allow_public: bool = False
    use_nmap: bool = True
    # Bounds. `request_timeout` bounds each read of an answer, and a whole exchange (connect, TLS, headers, body)
    # may take EXCHANGE_LIMIT (4) times it, however a device drips its bytes. A device's audit gets
    # `device_budget` seconds (plus the observe window): no request starts after it, none outlives it. Each stage
    # has a budget too (None: worked out from the scan's size, see pipeline.py); past it the scan stops waiting,
    # and the report is marked partial with what was gathered.
    connect_timeout: float = 1.5
    request_timeout: float = 4.0
    wsd_timeout: float = 1.0
    device_budget: float = 60.0
    discovery_budget: float | None = None
    audit_budget: float | None = None
    # Scans of more than `max_hosts` addresses (a /16) need `confirm_large` (--yes); none may exceed HARD_MAX_HOSTS.
    max_hosts: int = 65536
    confirm_large: bool = False
    # Politeness, chosen so that an old camera is never hammered: devices audited at the same time; requests in
    # flight to one device at a time (a camera's web server is small: 2 lets an ONVIF query and a web request
    # overlap, never more); and an optional scan-wide ceiling on requests started per second (--rate; None: only
    # the two limits above apply). The port sweep keeps its own: nmap's default timing, or 256 connects at once.
    concurrency: int = 64  # devices audited at once at first; then as many as the audit's latency allows, up to
    max_concurrency: int = 256  # this (scanner.pipeline.admission); the same number for a fixed concurrency
    per_host_concurrency: int = 2
    one_core: bool = True  # the audit's threads share one core (scanner.pipeline.cores): less CPU, not less speed
    rate: float | None = None
    signatures_dir: Path | None = None
    nmap_path: str | None = None
    # Multicast/broadcast discovery (WS-Discovery, SADP, DHIP, SSDP, mDNS) on the local segment: how long to
    # listen, on which interface (None: every up, multicast-capable, non-loopback interface whose subnet holds
    # a target), and how many devices to accept from replies at most.
    discovery_window: float = 3.0
    interface: str | None = None
    max_discovered: int = 4096
    # Observe mode (opt-in, needs a login): seconds to watch each ONVIF device's events through a short-lived
    # PullPoint subscription, which camaudit removes (Unsubscribe) at the end. 0 = off.
    observe: float = 0.0

    def __post_init__(self) -> None:
        devices = (self.concurrency, self.max_concurrency)
        if not all(1 <= n <= MAX_CONCURRENCY for n in devices) or not 1 <= self.per_host_concurrency <= MAX_PER_HOST:
            raise UsageError(
                f"concurrency must be 1 to {MAX_CONCURRENCY} devices, and per-host concurrency 1 to {MAX_PER_HOST}"
            )
        for name in ("connect_timeout", "request_timeout", "wsd_timeout"):
            if not 0 < getattr(self, name) <= MAX_TIMEOUT:
                raise UsageError(f"{name.replace('_', ' ')} must be more than 0 and at most {MAX_TIMEOUT:.0f} seconds")
        for name in ("device_budget", "discovery_budget", "audit_budget"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise UsageError(f"{name.replace('_', ' ')} must be a positive number of seconds")
        if self.rate is not None and not self.rate > 0:
            raise UsageError("--rate must be a positive number of requests per second")
        if not 0 <= self.observe <= MAX_OBSERVE:
            raise UsageError(f"--observe must be between 0 and {MAX_OBSERVE:.0f} seconds")
