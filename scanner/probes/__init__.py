"""One module per protocol (HTTP, RTSP, ONVIF), each the only importer of its client library."""
