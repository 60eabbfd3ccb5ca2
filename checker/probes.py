"""Probe containers: short-lived, labelled helpers that prove behaviour from inside the daemon.

A check that must show "front can reach api" runs a probe on the same
network (or execs into a container) instead of trusting configuration alone.
Probes carry the course labels and are always removed, even on failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.context import CheckContext
from checker.facts.containers import Container
from checker.labels import ROLE, course_labels

PROBE_IMAGE = "busybox:1.35"


@dataclass(frozen=True)
class ProbeResult:
    exit_code: int | None  # None: timed out
    output: str


def wait_for_exit(container: Any, timeout: float) -> bool:
    """Block on the Engine's wait endpoint until a started container exits; False if it still runs
    after `timeout`. The daemon answers the moment it exits, where polling would add an interval."""
    import requests

    try:
        container.wait(timeout=timeout)
    except requests.exceptions.RequestException:  # the read timed out: still running (or the daemon is slow)
        pass
    container.reload()
    return container.status in ("exited", "dead")


def run_probe(
    ctx: CheckContext,
    command: list[str] | str,
    *,
    network: str | None = None,
    image: str = PROBE_IMAGE,
    timeout: float = 20.0,
    volumes: dict[str, dict[str, str]] | None = None,
) -> ProbeResult:
    """Run `command` in a fresh labelled container (optionally on `network`, with `volumes`).

    Waits for it, collects its output, and removes it.
    """
    labels = course_labels(ctx.exercise_id)
    labels[ROLE] = "probe"
    container = ctx.client.containers.create(
        image, command, labels=labels, network=network, volumes=volumes, detach=True
    )
    try:
        container.start()
        if not wait_for_exit(container, timeout):
            return ProbeResult(None, container.logs().decode(errors="replace"))
        return ProbeResult(Container(container.attrs).exit_code, container.logs().decode(errors="replace"))
    finally:
        container.remove(force=True)


def exec_in(ctx: CheckContext, container: str, command: list[str] | str, timeout: int = 10) -> ProbeResult:
    """`docker exec` bounded by `timeout` (busybox/coreutils `timeout` inside the container when present)."""
    cmd = command if isinstance(command, list) else ["sh", "-c", command]
    result = ctx.client.containers.get(container).exec_run(["timeout", str(timeout), *cmd], stdout=True, stderr=True)
    if result.exit_code == 127 and b"timeout" in result.output:
        result = ctx.client.containers.get(container).exec_run(cmd, stdout=True, stderr=True)
    exit_code = None if result.exit_code in (124, 143) else result.exit_code
    return ProbeResult(exit_code, result.output.decode(errors="replace"))
