"""The identification round of a device's audit: a host that its web page, RTSP, ONVIF and discovery did not name is
asked its possible makers' own identification requests (signatures with `when = "identify"`), never with a login.

The round is bounded by the signature set (at most MAX_IDENTIFY_REQUESTS, each read by a fingerprint) and asked on
the first web port, spread over the device's lines. A device it names then gets its vendor's round as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scanner.judge.identify import IdentityHints
from scanner.pipeline.context import DeviceAudit
from scanner.pipeline.trace import Part
from scanner.pipeline.vendor import Asker, in_parallel
from scanner.vocabulary import Role

AFTER = ("http.root", "onvif", "rtsp")  # the steps whose answers said the host is still unidentified


def needs_identifying(found: IdentityHints) -> bool:
    """Nothing named a maker, and no fingerprint rules a camera out (a web server's own default page)."""
    return not found.vendors and found.role != Role.OTHER


def identification_round(device: DeviceAudit, web_ports: Sequence[tuple[int, bool]]) -> Part:
    """Each identification request once, without the owner's login whatever its signature says: the host is not
    identified, so it is never sent the password (the loader already refuses `identify` requests with auth)."""
    if not web_ports:
        return Part()
    specs = [replace(spec, auth=False) for spec in device.sigset.requests if spec.when == "identify"]
    asker = Asker(device, *web_ports[0], ())
    observations = in_parallel(device, asker, [(spec, None) for spec in specs], "identify", AFTER)
    return Part(observations=tuple(observations))
