"""Chapter 9's app: a small HTTP server that needs one writable folder, says who it runs as, and can break.

It uses the standard library only. At start it writes into STATE_DIR (default /tmp/prodapp) and exits
with a clear message if it cannot: a read-only filesystem, or a folder its user may not write.

Routes:
  /          a greeting with the uid the process runs as
  /health    "ok", or 503 once the file STATE_DIR/broken exists (how the course breaks it on purpose)
  /visits    a counter kept in STATE_DIR/visits

`python3 prodapp.py [PORT]` listens on PORT (default 8000).
"""

from __future__ import annotations

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATE_DIR = Path(os.environ.get("STATE_DIR", "/tmp/prodapp"))


def count_visit() -> int:
    counter = STATE_DIR / "visits"
    visits = int(counter.read_text() or 0) + 1 if counter.exists() else 1
    counter.write_text(str(visits))
    return visits


class Handler(BaseHTTPRequestHandler):
    server_version = "course-prodapp/1.0"

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/":
            status, body = 200, f"hello from prodapp, running as uid {os.getuid()}\n"
        elif self.path == "/health":
            broken = (STATE_DIR / "broken").exists()
            status, body = (503, "broken\n") if broken else (200, "ok\n")
        elif self.path == "/visits":
            status, body = 200, f"{count_visit()}\n"
        else:
            status, body = 404, "not found\n"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server API
        print(f"{self.address_string()} {format % args}", flush=True)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    try:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        (STATE_DIR / "started").write_text(str(os.getpid()))
    except OSError as exc:
        print(f"prodapp: cannot write to {STATE_DIR}: {exc.strerror} (uid {os.getuid()})", flush=True)
        sys.exit(1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1 gets no default handler: stop at once
    print(f"prodapp: listening on port {port} as uid {os.getuid()}, state in {STATE_DIR}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
