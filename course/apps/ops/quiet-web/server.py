"""A web server that runs fine and still cannot be reached through its published port.

Chapter 10's exec exercise: it binds HOST:PORT from the environment, and the image's defaults
(127.0.0.1 and 8080) are wrong for `-p 8952:8000`. From inside the container it answers.
"""

import os
from http.server import BaseHTTPRequestHandler, HTTPServer

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "8080"))


class Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        body = b"quiet-web: you reached me through the published port\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        pass  # quiet: no access log, so `docker logs` shows nothing useful


if __name__ == "__main__":
    HTTPServer((HOST, PORT), Page).serve_forever()
