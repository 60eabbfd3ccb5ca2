"""Proving a connection from inside the daemon: exec in a container, or one probe on a network."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from checker.facts.networks import MARKER, Attempt, Reach, attempt_script, attempt_timeout, classify, split_attempts
from checker.probes import exec_in, run_probe

if TYPE_CHECKING:
    from checker.context import CheckContext


def reach_from_container(
    ctx: "CheckContext", container: str, host: str, port: int, path: str = "/", *, settle: float = 0.0
) -> Reach:
    """Try `host:port` from inside a running container (docker exec, bounded).

    With `settle`, a failed attempt is retried for that many seconds: a server
    started a moment ago may not listen yet. A name that does not resolve is
    final (Docker registers names before a container starts). Only positives
    should settle; a pair that must be blocked is judged on its first attempt.
    """
    deadline = time.monotonic() + settle
    while True:
        result = exec_in(ctx, container, attempt_script(host, port, path), timeout=attempt_timeout())
        seen = classify(Attempt(result.exit_code, result.output), host, port)
        if seen.reached or seen.cause == "dns" or time.monotonic() >= deadline:
            return seen
        time.sleep(0.5)


def reach_from_probe(ctx: "CheckContext", network: str, hosts: list[str], port: int, path: str = "/") -> list[Reach]:
    """Try `host:port` for each host, in order, from ONE fresh probe container on `network`.

    One probe for all attempts: starting a container costs far more than a
    connection. Each attempt's output is fenced by a marker with its exit code.
    """
    script = "; ".join(f"({attempt_script(host, port, path)}); echo {MARKER}$?" for host in hosts)
    result = run_probe(ctx, ["sh", "-c", script], network=network, timeout=len(hosts) * attempt_timeout() + 10)
    return [
        classify(attempt, host, port)
        for attempt, host in zip(split_attempts(result.output, len(hosts)), hosts, strict=True)
    ]
