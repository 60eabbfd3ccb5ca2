"""GitHub Classroom: the workflow lints clean, `grade --self` refuses outside CI, and the workflow's own
`run:` steps, run in order in a fresh clone, report the right points for a solved and an unsolved notebook.

GitHub itself is not reachable here, so the `uses:` steps (checkout, caches, the artifact, the reporter) are
not run: the clone stands for the checkout, and the reporter's input is decoded and asserted instead.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml

from checker import settings
from checker.registry import default_registry
from course.grading import classroom
from course.grading.headless import solved_copy

from support import run_course

WORKFLOW = settings.REPO_ROOT / ".github" / "workflows" / "classroom.yml"
SOLVED = "00-start-here"
UNSOLVED = "01-containers"


def _workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_the_workflow_passes_actionlint() -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is installed by requirements.txt"
    proc = subprocess.run([actionlint, str(WORKFLOW)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_can_fail() -> None:
    """The lint is real: a step that uses an output of a step that does not exist is an error."""
    broken = WORKFLOW.read_text(encoding="utf-8").replace("steps.course.outputs.result", "steps.nowhere.outputs.result")
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or "actionlint"
    proc = subprocess.run([actionlint, "-"], input=broken, capture_output=True, text=True)
    assert proc.returncode == 1 and "nowhere" in proc.stdout


@pytest.mark.docker
def test_self_refuses_outside_ci(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "GITHUB_ACTIONS")}
    notebook = str(settings.NOTEBOOKS_DIR / f"{SOLVED}.ipynb")
    proc = subprocess.run(
        [sys.executable, "-m", "course", "grade", "--self", notebook, "--out", str(tmp_path / "out")],
        cwd=settings.REPO_ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 2
    assert "meant for a CI runner" in proc.stderr and "--outside-ci" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()
    wrong = run_course("grade", notebook, "--out", str(tmp_path / "out"), "--outside-ci")
    assert wrong.returncode == 2 and "--outside-ci only goes with --self" in wrong.stderr


def _fresh_clone(folder: Path) -> Path:
    clone = folder / "assignment"
    subprocess.run(["git", "clone", "--quiet", str(settings.REPO_ROOT), str(clone)], check=True)
    starter = nbformat.read(str(clone / "notebooks" / f"{SOLVED}.ipynb"), as_version=4)
    nbformat.write(solved_copy(starter, default_registry().chapter(0)), str(clone / "notebooks" / f"{SOLVED}.ipynb"))
    return clone


def _runner_env(clone: Path, python_bin: Path, output: Path, workflow: dict[str, Any]) -> dict[str, str]:
    """What a runner gives a step: CI variables, the workflow's env, $GITHUB_OUTPUT, Python on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "COURSE_"))}
    env.update({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output), "GITHUB_WORKSPACE": str(clone)})
    env["PATH"] = f"{python_bin}:{env.get('PATH', '')}"
    env.update({key: str(value) for key, value in workflow.get("env", {}).items()})
    env["NOTEBOOKS"] = f"notebooks/{SOLVED}.ipynb notebooks/{UNSOLVED}.ipynb"  # the teacher's choice for the test
    return env


@pytest.mark.docker
@pytest.mark.slow
def test_the_workflow_steps_grade_a_fresh_clone(tmp_path: Path) -> None:
    workflow = _workflow()
    (job,) = workflow["jobs"].values()
    clone = _fresh_clone(tmp_path)
    venv = tmp_path / "runner-python"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)  # what setup-python gives
    output = tmp_path / "github-output"
    output.touch()
    env = _runner_env(clone, venv / "bin", output, workflow)
    ran = []
    for step in job["steps"]:
        if "run" not in step:
            continue  # `uses:` steps need GitHub
        step_env = {**env, **{key: str(value) for key, value in step.get("env", {}).items()}}
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=clone,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert proc.returncode == 0, f"step {step.get('name')!r} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        ran.append((step.get("name"), proc.stdout))
    assert [name for name, _ in ran] == ["Install the course", "Provide the base images", "Grade the notebooks"]
    lines = [line for line in output.read_text().splitlines() if line.startswith("result=")]
    assert len(lines) == 1, "the grade step gives the reporter exactly one result"
    result = json.loads(base64.b64decode(lines[0].removeprefix("result=")))
    solved, unsolved = default_registry().chapter(0), default_registry().chapter(1)
    expected_max = sum(e.points for e in [*solved, *unsolved])
    assert result["version"] == 1 and result["max_score"] == expected_max and result["status"] == "fail"
    scores = {test["name"].split(":", 1)[0]: (test["status"], test["score"]) for test in result["tests"]}
    assert {e.id: scores[e.id] for e in solved} == {e.id: ("pass", e.points) for e in solved}
    assert {scores[e.id] for e in unsolved} == {("fail", 0)}
    assert classroom.points_line(result) in ran[-1][1]
    assert (clone / "grades" / f"{SOLVED}.html").is_file() and (clone / "grades" / "autograding.json").is_file()
