"""What one Classroom submission costs in runner minutes: the workflow's own `run:` steps, timed in a fresh clone.

Usage: python bench/bench_classroom.py
Writes the "GitHub Classroom" section of docs/performance.md.

The clone stands for `actions/checkout`, a fresh venv for `actions/setup-python`; pip's cache is warm here,
as `cache: pip` makes it on every run after the first. The images step is timed twice: as a first run (no
bundle in the cache: the images are provided, then exported to the cache) and as a later run (the cached
bundle is imported). The grade step grades the workflow's NOTEBOOKS with 00-start-here solved.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, os.path.dirname(__file__))
from checker.registry import default_registry  # noqa: E402
from course.grading.headless import solved_copy  # noqa: E402

from common import REPO, machine, write_section  # noqa: E402

WORKFLOW = REPO / ".github" / "workflows" / "classroom.yml"


def run_step(script: str, clone: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"step failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    steps = [step for step in job["steps"] if "run" in step]
    folder = Path(tempfile.mkdtemp(prefix="bench-classroom-"))
    try:
        clone = folder / "assignment"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        notebook = clone / "notebooks" / "00-start-here.ipynb"
        nbformat.write(solved_copy(nbformat.read(str(notebook), as_version=4), default_registry().chapter(0)), notebook)
        venv = folder / "python"
        started = time.perf_counter()
        subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
        setup_python = time.perf_counter() - started
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "COURSE_"))}
        env.update({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(folder / "output")})
        env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
        env.update({key: str(value) for key, value in workflow.get("env", {}).items()})
        rows = [("venv (stands for setup-python)", setup_python)]
        for step in steps:
            rows.append((f"{step['name']} (first run)", run_step(step["run"], clone, env)))
        images = next(step for step in steps if "images" in step["name"].lower())
        rows.append((f"{images['name']} (cached bundle)", run_step(images["run"], clone, env)))
        first = sum(seconds for name, seconds in rows if "cached" not in name)
        later = first - rows[2][1] + rows[-1][1]
        body = (
            f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
            "Method: `python bench/bench_classroom.py`: the workflow's `run:` steps in a fresh clone, in order, "
            f"with NOTEBOOKS = `{workflow['env']['NOTEBOOKS']}` (00-start-here solved); pip's cache warm.\n\n"
            "| step | wall time |\n|---|---|\n"
            + "".join(f"| {name} | {seconds:.1f} s |\n" for name, seconds in rows)
            + f"\nOne submission: **{first / 60:.1f} min** on a first run, **{later / 60:.1f} min** once the "
            "images are cached, plus what GitHub's own steps take (checkout, caches, artifact, reporter).\n"
        )
        write_section("GitHub Classroom", body)
        print(body)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
