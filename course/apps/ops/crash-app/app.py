"""A service that takes its configuration from the environment and refuses to start without it.

Chapter 10's restart loop: run without GREETING, it prints why to stderr and exits with code 3,
and `--restart on-failure` starts it again and again.
"""

import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT = int(os.environ.get("PORT", "8000"))
GREETING = os.environ.get("GREETING", "").strip()


class Greeter(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        body = f"{GREETING} from crash-app: configured and running\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    print("crash-app 1.4 starting", flush=True)
    if not GREETING:
        print("error: the required environment variable GREETING is not set", file=sys.stderr, flush=True)
        sys.exit(3)
    print(f"listening on 0.0.0.0:{PORT}", flush=True)
    HTTPServer(("0.0.0.0", PORT), Greeter).serve_forever()
