"""The course's web app: a few routes on the standard library, so it runs in any Python image.

PyPI is not reachable from inside containers on every machine, so the app
needs nothing beyond the standard library. The visit counter uses redis only
when REDIS_HOST is set, through Debian's python3-redis package.

Routes:
  /          a greeting with the container's hostname and APP_VERSION
  /health    "ok" (for HEALTHCHECK and Compose healthchecks)
  /visits    increments and returns a counter kept in redis (needs REDIS_HOST)
  /env/NAME  the value of an environment variable the exercise asks for
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GREETING = os.environ.get("GREETING", "Hello from the course app")


def visits() -> tuple[int, str]:
    host = os.environ.get("REDIS_HOST")
    if not host:
        return 503, "no REDIS_HOST set: the counter needs redis\n"
    try:
        import redis  # Debian: python3-redis
    except ImportError:
        return 503, "the redis client is not installed (apt-get install python3-redis)\n"
    try:
        client = redis.Redis(host=host, port=int(os.environ.get("REDIS_PORT", "6379")), socket_timeout=2)
        return 200, f"{client.incr('visits')}\n"
    except redis.RedisError as exc:
        return 503, f"redis at {host} is not reachable: {exc}\n"


class Handler(BaseHTTPRequestHandler):
    server_version = "course-webapp/1.0"

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/":
            status, body = (
                200,
                f"{GREETING} (host {socket.gethostname()}, version {os.environ.get('APP_VERSION', 'dev')})\n",
            )
        elif self.path == "/health":
            status, body = 200, "ok\n"
        elif self.path == "/visits":
            status, body = visits()
        elif self.path.startswith("/env/"):
            name = self.path[len("/env/") :]
            status, body = 200, json.dumps({name: os.environ.get(name)}) + "\n"
        else:
            status, body = 404, "not found\n"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server API
        sys.stdout.write(f"{self.address_string()} {format % args}\n")
        sys.stdout.flush()


def stop(signum: int, frame: object) -> None:  # noqa: ARG001 - the signal handler signature
    """As PID 1 in a container, SIGTERM is ignored unless handled: `docker stop` would wait 10 s."""
    raise SystemExit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, stop)
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "8000"))
    print(f"listening on 0.0.0.0:{port}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
