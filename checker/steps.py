"""Run registry steps (setup, reference solutions, known wrong answers) the way a notebook cell would.

A `shell` step is what a `%%bash` answer cell runs; a `file` step is what a
`%%writefile` cell writes. Both run in the work folder, so `solve` from the
CLI and an answer cell in JupyterLab do the same thing.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterable

from checker.errors import StepFailed
from checker.labels import label_flags, session_id
from checker.registry import Step
from checker.settings import APPS_DIR


def step_env(exercise_id: str) -> dict[str, str]:
    """The environment of a shell step: labels for course-made resources, and the session id."""
    env = dict(os.environ)
    env["COURSE_LABELS"] = label_flags(exercise_id)
    env["COURSE_SESSION"] = session_id()
    env["COURSE_EXERCISE"] = exercise_id
    env["COURSE_APPS"] = str(APPS_DIR)
    return env


def run_steps(
    steps: Iterable[Step], *, workdir: Path, exercise_id: str, strict: bool = True, timeout: float = 300
) -> list[str]:
    """Run steps in order; with `strict`, a failing shell step raises StepFailed. Returns outputs."""
    outputs: list[str] = []
    workdir.mkdir(parents=True, exist_ok=True)
    for step in steps:
        if step.file is not None:
            target = (workdir / step.file).resolve()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.content, encoding="utf-8")
            outputs.append(f"wrote {step.file}")
            continue
        try:
            proc = subprocess.run(
                ["bash", "-c", step.shell or ""],
                cwd=workdir,
                env=step_env(exercise_id),
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise StepFailed(
                f"A step of {exercise_id} did not finish within {timeout:g} s.",
                "look for a command that waits forever (a missing `-d`?)",
            ) from None
        output = (proc.stdout + proc.stderr).strip()
        outputs.append(output)
        if strict and proc.returncode != 0:
            tail = "\n".join(output.splitlines()[-8:])
            raise StepFailed(
                f"A step of {exercise_id} exited with {proc.returncode}:\n{tail}",
                "fix the command; the output above says why",
            )
    return outputs
