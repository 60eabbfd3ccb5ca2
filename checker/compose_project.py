"""Compose projects as the daemon sees them, and running Compose v2 with a bound time.

Checks find a project's containers by the labels Compose v2 puts on them
(com.docker.compose.project / .service), never by guessing names. Compose's
own `config` is the validator for compose files: its message is shown as is.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.compose import compose_command
from checker.context import CheckContext

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"


@dataclass(frozen=True)
class ComposeRun:
    returncode: int | None  # None: timed out
    output: str


def run_compose(args: list[str], *, cwd: Path, project: str | None = None, timeout: float = 120.0) -> ComposeRun:
    """`docker compose [-p PROJECT] ARGS…` in `cwd`; never raises for a learner's mistake."""
    command = [*compose_command(), *(["-p", project] if project else []), *args]
    try:
        proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return ComposeRun(None, output)
    return ComposeRun(proc.returncode, (proc.stdout + proc.stderr).strip())


def project_containers(ctx: CheckContext, project: str, service: str | None = None, *, all: bool = True) -> list[dict[str, Any]]:  # noqa: A002
    """Inspect data of the project's containers (optionally one service), oldest first."""
    labels = [f"{PROJECT}={project}"] + ([f"{SERVICE}={service}"] if service else [])
    summaries = ctx.api.containers(all=all, filters={"label": labels})
    details = [ctx.api.inspect_container(s["Id"]) for s in summaries]
    return sorted(details, key=lambda c: c["Created"])


def project_networks(ctx: CheckContext, project: str) -> list[dict[str, Any]]:
    return ctx.api.networks(filters={"label": [f"{PROJECT}={project}"]})
