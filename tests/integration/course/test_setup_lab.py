"""`python -m course lab` on a machine that is not ready: it says what is wrong and never starts JupyterLab.

The daemon is made unreachable by pointing DOCKER_HOST at a socket that does
not exist, so this needs no running daemon and touches nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from checker import settings

REPO = settings.REPO_ROOT


def test_lab_without_a_daemon_says_so_and_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "no-docker.sock"
    env = dict(os.environ, DOCKER_HOST=f"unix://{missing}")
    done = subprocess.run(
        [sys.executable, "-m", "course", "lab", "--no-browser", "--port", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert "JupyterLab was not started" in output
    assert "The Docker daemon is not running or cannot be reached" in output
    assert str(missing) in output  # it names where it looked
    assert "start Docker" in output  # and what to do
