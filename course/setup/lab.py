"""`python -m course lab`: doctor, then images, then JupyterLab on notebooks/ opening 00-start-here.

JupyterLab starts only on a ready machine: a learner who opens the course with
no daemon would otherwise meet the problem as a red check in the first
exercise. When something is wrong, lab says what and how to fix it, and exits 1.
"""

from __future__ import annotations

import os
import sys

from checker import settings
from checker.errors import CourseError, explain

START = "00-start-here.ipynb"


def _not_ready(problem: str, fix: str = "") -> int:
    print(f"\n✘ JupyterLab was not started: {problem}")
    if fix:
        print(f"  → {fix}")
    return 1


def _daemon_note() -> str:
    host = os.environ.get("DOCKER_HOST")
    return f" (DOCKER_HOST={host})" if host else ""


def prepare() -> int:
    """Doctor, then the base images if any are missing, then doctor again. 0 when ready."""
    from checker import compose
    from checker.docker_client import get_client
    from course import images
    from course.setup import doctor

    report = doctor.run()
    daemon = report.findings[0]
    if not daemon.ok:
        print(report)
        return _not_ready(f"{daemon.detail.rstrip('.')}{_daemon_note()}.", daemon.fix)
    if not report.ready:
        try:
            if any(not f.ok and f.name.startswith("image") for f in report.findings):
                print("Provisioning the base images first (works offline)…")
                images.provision(get_client(timeout=600))
            compose.ensure_plugin()
        except Exception as exc:  # noqa: BLE001 - a message, never a traceback
            error = explain(exc)
            return _not_ready(error.problem, error.fix)
        report = doctor.run()
    print(report)
    if not report.ready:
        first = next(f for f in report.findings if f.required and not f.ok)
        return _not_ready(f"{first.name}: {first.detail}", first.fix)
    return 0


def jupyter_argv(port: int, open_browser: bool) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={settings.NOTEBOOKS_DIR}",
        f"--ServerApp.default_url=/lab/tree/{START}",
        f"--port={port}",
    ]
    if not open_browser:
        argv.append("--no-browser")
    if os.geteuid() == 0:
        argv.append("--allow-root")
    return argv


def run(open_browser: bool = True, port: int = 8888) -> int:
    try:
        status = prepare()
    except CourseError as exc:
        return _not_ready(exc.problem, exc.fix)
    if status:
        return status
    (settings.NOTEBOOKS_DIR / settings.WORKSPACE).mkdir(exist_ok=True)
    print(f"Starting JupyterLab on {settings.NOTEBOOKS_DIR}: open {START} first.")
    os.chdir(settings.NOTEBOOKS_DIR)
    argv = jupyter_argv(port, open_browser)
    os.execv(sys.executable, argv)
    return 0  # not reached
