"""Running host commands for the sandbox code: captured output, no stdin, a timeout, and one error type."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from checker.errors import CourseError


class SandboxError(CourseError):
    """A sandbox could not be prepared, created, entered or removed; the message says what to do."""


def run(
    argv: Sequence[str], *, timeout: float = 60, check: bool = True, what: str = "", fix: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run argv; with check=True a non-zero exit becomes a SandboxError naming the command and its stderr."""
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        if not check:
            return subprocess.CompletedProcess(list(argv), 127, "", f"{argv[0]}: not found")
        raise SandboxError(
            f"{what or 'A sandbox step'} failed: {argv[0]} is not installed.",
            fix or "run `python -m course.sandbox install` as root",
        ) from None
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise SandboxError(
            f"{what or 'A sandbox step'} failed: `{' '.join(argv)}` exited with {proc.returncode}: "
            f"{' / '.join(detail) or 'no output'}.",
            fix or "read the message above",
        )
    return proc
