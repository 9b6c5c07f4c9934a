"""Dahua CGI answers about faces and channels: analysis capabilities, face groups, a face terminal's stored faces
(behind a search that must be closed), and a recorder's RemoteDevice table with its cameras' logins in clear.

Shapes follow the research notes (vendor-face-apis.md 2.3-2.6): `key=value` lines with CRLF, the findGroup keys of
Dahua's HTTP API document, FaceInfoManager's JSON {"Token", "Total"}, and the RemoteDevice keys of recorded NVR
answers. The getCaps keys have no public source and are the notes' constructed ones. Counts only: the lab holds no
faces, and doFind (which would return photos) is refused and noted.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from scanner.lab.personas import CgiSpec, RemoteCamera

REMOTE_PREFIX = "table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_"


def lines(pairs: list[tuple[str, object]]) -> bytes:
    return "".join(f"{k}={v}\r\n" for k, v in pairs).encode("utf-8")


def video_analyse_caps(spec: CgiSpec) -> bytes | None:
    """Channel 1's supported scenes and rule types; None (400) when the persona lists none."""
    if not spec.caps:
        return None
    scenes = [s for s in spec.caps if s in ("Normal", "FaceDetection", "FaceRecognition", "FaceAnalysis")]
    rules = [s for s in spec.caps if s not in scenes]
    pairs: list[tuple[str, object]] = [(f"caps.SupportedScenes[{i}]", s) for i, s in enumerate(scenes)]
    pairs.append(("caps.MaxMoudles", 1))  # sic, as the SDK spells the field
    pairs += [(f"caps.SupportedRules[{i}]", r) for i, r in enumerate(rules)]
    return lines(pairs)


def face_groups(spec: CgiSpec) -> bytes | None:
    """findGroup: each group with its size (the number of faces), never the faces; None (400) without groups."""
    if not spec.face_groups:
        return None
    pairs: list[tuple[str, object]] = []
    for i, size in enumerate(spec.face_groups):
        prefix = f"GroupList[{i}]"
        pairs += [
            (f"{prefix}.groupID", f"{i + 1:05d}"),
            (f"{prefix}.groupName", f"Group{i + 1}"),
            (f"{prefix}.groupDetail", ""),
            (f"{prefix}.groupSize", size),
            (f"{prefix}.channels[0]", i),
            (f"{prefix}.similarity[0]", 80),
            (f"{prefix}.groupType", "BlackListDB"),
        ]
    return lines(pairs)


def _remote_slot(index: int, camera: RemoteCamera) -> list[tuple[str, object]]:
    prefix = f"{REMOTE_PREFIX}{index}"
    return [
        (f"{prefix}.Name", camera.name),
        (f"{prefix}.Enable", "true" if camera.enable else "false"),
        (f"{prefix}.Address", camera.address if camera.enable else "192.168.0.0"),
        (f"{prefix}.Port", 37777),
        (f"{prefix}.HttpPort", 80),
        (f"{prefix}.UserName", camera.username),
        (f"{prefix}.Password", camera.password),
        (f"{prefix}.Vendor", camera.vendor),
        (f"{prefix}.ProtocolType", "Dahua2" if camera.vendor == "Private" else "Onvif"),
        (f"{prefix}.DeviceType", camera.device_type),
        (f"{prefix}.SerialNo", camera.serial),
    ]


def remote_device(spec: CgiSpec) -> bytes | None:
    """A recorder's RemoteDevice table: slot n is the camera on channel n+1, its login in clear like the real one."""
    if not spec.remote:
        return None
    return lines([pair for i, camera in enumerate(spec.remote) for pair in _remote_slot(i, camera)])


@dataclass
class FaceSearches:
    """A face terminal's FaceInfoManager searches: each startFind opens one under a handle from a small pool (the
    lowest free one, as a device with a few search slots reuses them), which a stopFind with that `token` closes.
    What the scanner opened, closed and asked for (doFind) is kept for the tests."""

    opened: list[str] = field(default_factory=list)  # every handle given out, in order
    closed: list[str] = field(default_factory=list)  # every handle closed, in order
    photo_requests: int = 0
    _live: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    FIRST_HANDLE = 6001  # the pool's first handle (any small number; a device's own choice)

    @property
    def open(self) -> list[str]:
        """Searches still open (a scan must leave none)."""
        with self._lock:
            return sorted(self._live)

    def start(self, total: int) -> bytes:
        with self._lock:
            handle = next(h for h in range(self.FIRST_HANDLE, self.FIRST_HANDLE + 1000) if str(h) not in self._live)
            self._live.add(str(handle))
            self.opened.append(str(handle))
        return json.dumps({"Token": handle, "Total": total}, indent=2).encode()

    def stop(self, token: str) -> bytes | None:
        with self._lock:
            if token not in self._live:
                return None
            self._live.discard(token)
            self.closed.append(token)
        return b"OK\r\n"

    def refuse_photos(self) -> None:
        with self._lock:
            self.photo_requests += 1
