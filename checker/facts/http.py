"""One HTTP poll for every check that proves behaviour over HTTP, with what it saw last.

A server needs a moment after `docker run`; a check retries until its answer is
accepted or time is up, and stops early once the container serving it is gone
(waiting longer could not help). The result says what was seen last and, when
a container was watched, its state, so the failure message can say why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from checker.facts.containers import Container
from checker.i18n import _

# How often a check retries a local HTTP request: refused connections cost a millisecond, and every
# interval is latency added after the server is up.
PROBE_INTERVAL = 0.1


@dataclass(frozen=True)
class Answer:
    """One HTTP request: the status and body, or why there was none (status None)."""

    status: int | None
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""  # the exception's name when nothing answered

    def describe(self, limit: int = 200) -> str:
        if self.status is None:
            return _("no answer ({error})").format(error=self.error)
        return _("it answered {status}: {body!r}").format(status=self.status, body=self.body.strip()[:limit])


def http_get(url: str, *, timeout: float = 2.0, headers: dict[str, str] | None = None) -> Answer:
    """GET without ever raising; proxies are never used (every URL a check asks is local)."""
    import requests

    try:
        response = requests.get(url, headers=headers or {}, timeout=timeout, proxies={"http": "", "https": ""})
    except requests.RequestException as exc:
        return Answer(None, error=type(exc).__name__)
    return Answer(response.status_code, response.text, dict(response.headers))


@dataclass(frozen=True)
class Polled:
    """How a poll ended: the accepted answer (`ok`), or the last one seen and why it stopped."""

    ok: bool
    last: Answer
    container: Container | None = None  # the watched container as last seen (None: gone, or none watched)
    stopped: bool = False  # the watched container was not running, so the poll gave up early

    def seen(self, limit: int = 200) -> str:
        return self.last.describe(limit)


def wait_for_http(
    url: str,
    *,
    timeout: float,
    accept: Callable[[Answer], bool],
    watch: Callable[[], Container | None] | None = None,
    interval: float = PROBE_INTERVAL,
    request_timeout: float = 2.0,
    headers: dict[str, str] | None = None,
) -> Polled:
    """GET `url` until `accept(answer)` or `timeout` s pass; with `watch`, stop once that container is not running."""
    deadline = time.monotonic() + timeout
    container: Container | None = None
    while True:
        answer = http_get(url, timeout=request_timeout, headers=headers)
        if accept(answer):
            return Polled(True, answer)
        if watch is not None:
            container = watch()
            if container is None or not container.running:
                return Polled(False, answer, container, stopped=True)
        if time.monotonic() >= deadline:
            return Polled(False, answer, container)
        time.sleep(interval)


def answers_with(status: int = 200, contains: str | None = None) -> Callable[[Answer], bool]:
    """The usual acceptance: this status, and `contains` in the body if given."""
    return lambda answer: answer.status == status and (contains is None or contains in answer.body)
