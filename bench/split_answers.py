"""Benchmark: requests to a server that writes each answer's headers and body with two writes, Nagle's algorithm on.

Run by hand from the repository root:

    .venv/bin/python bench/split_answers.py --requests 200

The server is Python's own http.server, keeping connections alive (HTTP/1.1), in its own process on 127.0.0.1: its
`end_headers()` sends the headers, then the handler writes the body, as many small embedded web servers do. Prints
the wall time per request of camaudit's HTTP client (`GET /`, the way an audit asks it) and of the standard
library's http.client on one kept connection, which acknowledges the headers late (Linux delays an acknowledgement
up to about 40 ms) so the body waits for it. No test asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import socketserver
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a fresh clone without installing

from scanner.net.pace import Pace  # noqa: E402
from scanner.probes.http import HttpClient  # noqa: E402

PAGE = b"<html><head><title>IP camera</title></head><body>" + b"x" * 400 + b"</body></html>"


class _TwoWrites(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep the connection: a device's answers follow one another on it

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()  # the first write
        self.wfile.write(PAGE)  # the second

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        return


def _serve() -> int:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _TwoWrites) as server:
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
    return 0


def _per_request(ask: object, count: int) -> float:
    assert callable(ask)
    for _ in range(5):  # the connection made and warm
        ask()
    started = time.monotonic()
    for _ in range(count):
        ask()
    return (time.monotonic() - started) / count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per client (default 200)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return _serve()
    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        client = HttpClient("127.0.0.1", 4.0, None, Pace(2).host("127.0.0.1"))
        ours = _per_request(lambda: client.fetch_root(port, False), args.requests)
        client.close()
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=4.0)

        def standard() -> None:
            plain.request("GET", "/")
            plain.getresponse().read()

        theirs = _per_request(standard, args.requests)
        plain.close()
    finally:
        server.kill()
        server.wait()
    print(f"{'client':<34} {'ms per request':>15}")
    print(f"{'camaudit (HttpClient.fetch_root)':<34} {ours * 1000:>15.2f}")
    print(f"{'http.client, one kept connection':<34} {theirs * 1000:>15.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
