#!/usr/bin/python3
"""A real RTSP server nobody on this project wrote: GStreamer's gst-rtsp-server (Debian), for integration tests.

Usage: gst_rtsp_server.py ADDRESS PORT MOUNT [USER PASSWORD]  (with a login, DESCRIBE needs Digest auth)
Runs under Debian's /usr/bin/python3, whose python3-gi provides the GObject bindings.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=5/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast bitrate=256 key-int-max=10 "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


def main() -> None:
    address, port, mount = sys.argv[1], sys.argv[2], sys.argv[3]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(address)
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_shared(True)
    factory.set_launch(PIPELINE)
    if len(sys.argv) > 5:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(sys.argv[4], sys.argv[5], token)
        server.set_auth(auth)
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
        )
    server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        print("attach failed", flush=True)
        sys.exit(1)
    print(f"ready rtsp://{address}:{server.get_bound_port()}{mount}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
