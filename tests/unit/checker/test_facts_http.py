"""The one HTTP poll (checker/facts/http.py) against a local server: no daemon involved."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from checker.facts.containers import Container
from checker.facts.http import answers_with, http_get, wait_for_http


class Ready(BaseHTTPRequestHandler):
    calls = 0

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        Ready.calls += 1
        status, body = (200, b"ready") if Ready.calls >= 3 else (503, b"starting")
        self.send_response(status)
        self.send_header("X-Kind", "test")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def url() -> Iterator[str]:
    Ready.calls = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ready)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_it_polls_until_the_answer_is_accepted(url: str) -> None:
    polled = wait_for_http(url, timeout=5, accept=answers_with(200, "ready"), interval=0.01)
    assert polled.ok and polled.last.body == "ready" and polled.last.headers["X-Kind"] == "test"


def test_on_timeout_it_says_what_it_saw_last(url: str) -> None:
    polled = wait_for_http(url, timeout=0, accept=answers_with(200))
    assert not polled.ok and polled.seen() == "it answered 503: 'starting'"


def test_it_stops_early_once_the_watched_container_is_gone(url: str) -> None:
    exited = Container({"Id": "x", "State": {"Status": "exited", "Running": False, "ExitCode": 1}})
    polled = wait_for_http(url, timeout=30, accept=answers_with(200), watch=lambda: exited)
    assert not polled.ok and polled.stopped and polled.container is exited


def test_nothing_listening_is_an_answer_too() -> None:
    answer = http_get("http://127.0.0.1:9/", timeout=0.5)
    assert answer.status is None and answer.describe().startswith("no answer (")
