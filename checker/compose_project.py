"""Running Compose v2 with a bound time, and showing its messages as Compose wrote them."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from checker.compose import compose_command

_LOGRUS = re.compile(r'^time="[^"]*" level=(\w+) msg="(.*)"$')


@dataclass(frozen=True)
class ComposeRun:
    returncode: int | None  # None: timed out
    output: str


def run_compose(args: list[str], *, cwd: Path, project: str | None = None, timeout: float = 120.0) -> ComposeRun:
    """`docker compose [-p PROJECT] ARGS…` in `cwd`; never raises for a learner's mistake."""
    command = [*compose_command(), *(["-p", project] if project else []), *args]
    try:
        proc = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return ComposeRun(None, output)
    return ComposeRun(proc.returncode, (proc.stdout + proc.stderr).strip())


def compose_output(text: str, limit: int = 1200) -> str:
    """Compose's own message, trimmed: logrus wrappers unwrapped, long output cut to its end."""
    lines = []
    for line in text.strip().splitlines():
        match = _LOGRUS.match(line.strip())
        lines.append(f"{match.group(1)}: {match.group(2)}" if match else line)
    joined = "\n".join(lines).strip()
    return joined if len(joined) <= limit else "…" + joined[-limit:]
