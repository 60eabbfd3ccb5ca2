"""Helpers shared by tests (importable because tests/ is on sys.path via its conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def verify_with_a_wrong_solution(folder: Path) -> subprocess.CompletedProcess[str]:
    """`verify --chapter 0 --json` on a copy of chapter 0 whose reference solution prints the wrong greeting:
    verify must be able to fail, in its exercise checks and in its headless notebook run."""
    source = (settings.DEFAULT_EXERCISES_DIR / "00-start-here.toml").read_text()
    broken = source.replace(
        """shell = 'docker run --name hello-course busybox:1.35 echo "Hello, Docker!"'""",
        """shell = 'docker run --name hello-course busybox:1.35 echo "Hello"'""",
        1,
    )
    assert broken != source
    (folder / "00-start-here.toml").write_text(broken)
    return run_course("verify", "--chapter", "0", "--json", env={settings.EXERCISES_DIR.name: str(folder)})
