"""Helpers shared by tests (importable because tests/ is on sys.path via its conftest)."""

from __future__ import annotations

import os
import subprocess
import sys

from checker import settings

REPO = settings.REPO_ROOT


def run_course(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the real CLI the way a learner would, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "course", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
