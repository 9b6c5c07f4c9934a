"""camaudit against a real RTSP server nobody here wrote: GStreamer's gst-rtsp-server from Debian's packages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scanner.config import ScanConfig
from scanner.credentials import Credentials
from scanner.model import Credential
from scanner.pipeline.scan import run_scan
from scanner.probes.rtsp import rtsp_probe

pytestmark = [pytest.mark.thirdparty, pytest.mark.lab]
SERVER = Path(__file__).parent / "thirdparty" / "gst_rtsp_server.py"
ADDRESS, PORT, MOUNT = "127.77.20.5", 8554, "/Streaming/Channels/101"


def _gst_available() -> bool:
    probe = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    try:
        return subprocess.run(["/usr/bin/python3", "-c", probe], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="module")
def gst_server():
    if not _gst_available():
        pytest.skip(
            "GStreamer RTSP server not installed: apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 "
            "gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly"
        )
    proc = subprocess.Popen(
        ["/usr/bin/python3", str(SERVER), ADDRESS, str(PORT), MOUNT, "admin", "gst-secret"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("ready"), f"GStreamer server did not start: {line!r} {proc.stderr.read()[:500]}"
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_scan_finds_the_gstreamer_server_as_a_camera(gst_server):
    result = run_scan(ScanConfig(targets=(ADDRESS,), ports=(PORT,), credentials=Credentials()))
    assert [d.address for d in result.devices] == [ADDRESS]
    device = result.devices[0]
    assert [(s.port, s.protocol) for s in device.services] == [(PORT, "rtsp")]
    assert device.is_camera
    assert device.identity.vendor is None
    assert device.face_analytics == "unknown" and device.not_checked
    options = [o for o in device.observations if o.probe == "rtsp.options"]
    assert options and "GStreamer" in (options[0].header("Server") or "")


def test_rtsp_probe_digest_auth_and_sdp_against_gstreamer(gst_server):
    uri = f"rtsp://{ADDRESS}:{PORT}{MOUNT}"
    anonymous = rtsp_probe(ADDRESS, PORT, None, [uri], 5.0)
    described = [o for o in anonymous if o.probe == "rtsp.describe"]
    assert described[-1].status == 401 and described[-1].outcome == "auth_required"
    assert "GStreamer RTSP Server" in described[-1].value("realm")[0]

    logged_in = rtsp_probe(ADDRESS, PORT, Credential("admin", "gst-secret"), [uri], 5.0)
    described = [o for o in logged_in if o.probe == "rtsp.describe"]
    assert described[-1].status == 200 and described[-1].outcome == "ok"
    assert "video H264/90000" in described[-1].value("sdp_media")
    for obs in logged_in:
        assert "gst-secret" not in obs.request + obs.text + repr(obs.headers)
