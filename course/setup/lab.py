"""`python -m course lab [--lang ko]`: doctor, then images, then JupyterLab on notebooks/ opening 00-start-here.

JupyterLab starts only on a ready machine: a learner who opens the course with
no daemon would otherwise meet the problem as a red check in the first
exercise. When something is wrong, lab says what and how to fix it, and exits 1.

The course's language (checker.i18n: `--lang`, else COURSE_LANG, the remembered
one, the locale) decides three things: COURSE_LANG for the server and so for
every kernel, the first notebook (`00-start-here.ko.ipynb` in Korean), and
JupyterLab's own interface language. That one is JupyterLab's translation
setting, written as a default (overrides.json) into a settings folder of the
course's own that only this server reads (`--LabApp.app_settings_dir`); what the
installed JupyterLab's own settings folder holds is carried over. `--lang` is
remembered with the learner's progress, so the next `lab` and every command speak it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from checker import i18n, progress, settings
from checker.errors import CourseError, explain
from checker.i18n import _
from course.notebook.languages import shown_notebook

START = "00-start-here"
TRANSLATION_PLUGIN = "@jupyterlab/translation-extension:plugin"
LAB_LOCALES = {"en": "en", "ko": "ko_KR"}  # the course's languages as JupyterLab's language packs name them
CARRIED_OVER = ("overrides.json", "page_config.json")  # from JupyterLab's own app settings folder


def _not_ready(problem: str, fix: str = "") -> int:
    print("\n✘ " + _("JupyterLab was not started: {problem}").format(problem=problem))
    if fix:
        print(f"  → {fix}")
    return 1


def _daemon_note() -> str:
    host = os.environ.get("DOCKER_HOST")
    return f" (DOCKER_HOST={host})" if host else ""


def lab_settings_dir() -> Path:
    """The settings folder of the course's JupyterLab server: in the git-ignored workspace, hidden from its
    file browser."""
    return settings.NOTEBOOKS_DIR / settings.WORKSPACE / ".jupyterlab" / "settings"


def jupyterlab_settings_dir() -> Path:
    """The installed JupyterLab's own app settings folder (where a system-wide overrides.json would be)."""
    from jupyterlab.commands import get_app_dir

    return Path(get_app_dir()) / "settings"


def write_lab_settings(lang: str, directory: Path | None = None, inherited: Path | None = None) -> Path:
    """The settings folder for a JupyterLab in `lang`: its overrides.json sets the interface language, on top of
    what JupyterLab's own folder (`inherited`) sets. Returns the folder."""
    directory = directory or lab_settings_dir()
    inherited = inherited or jupyterlab_settings_dir()
    directory.mkdir(parents=True, exist_ok=True)
    overrides: dict[str, Any] = {}
    for name in CARRIED_OVER:
        source = inherited / name
        if name == "overrides.json":
            try:
                overrides = json.loads(source.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                overrides = {}
        elif source.is_file():
            (directory / name).write_bytes(source.read_bytes())
    overrides.setdefault(TRANSLATION_PLUGIN, {})["locale"] = LAB_LOCALES[lang]
    (directory / "overrides.json").write_text(json.dumps(overrides, indent=2) + "\n", encoding="utf-8")
    return directory


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
                print(_("Provisioning the base images first (works offline)…"))
                images.provision(get_client(timeout=600))
            compose.ensure_plugin()
        except Exception as exc:  # noqa: BLE001 - a message, never a traceback
            error = explain(exc)
            return _not_ready(error.problem, error.fix)
        report = doctor.run()
    print(report)
    if not report.ready:
        first = next(f for f in report.findings if f.required and not f.ok)
        return _not_ready(f"{first.display_name()}: {first.detail}", first.fix)
    return 0


def jupyter_argv(
    port: int, open_browser: bool, *, start: str = f"{START}.ipynb", lab_settings: Path | None = None
) -> list[str]:
    """The JupyterLab command: the course's notebooks, opening `start`, with `lab_settings` as its settings
    folder (see write_lab_settings) when given."""
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={settings.NOTEBOOKS_DIR}",
        f"--ServerApp.default_url=/lab/tree/{start}",
        f"--port={port}",
    ]
    if lab_settings is not None:
        argv.append(f"--LabApp.app_settings_dir={lab_settings}")
    if not open_browser:
        argv.append("--no-browser")
    if os.geteuid() == 0:
        argv.append("--allow-root")
    return argv


def choose_language(lang: str | None) -> str:
    """The course's language for this server and its kernels: `--lang` (then remembered), else checker.i18n's."""
    if lang is not None:
        i18n.use(lang)
        progress.remember_language(lang)
    chosen = i18n.language()
    i18n.use(chosen)  # the server's environment: every kernel speaks it, whatever changes in the progress file
    return chosen


def server_command(port: int, open_browser: bool, lang: str) -> list[str]:
    """Everything `lab` prepares for a JupyterLab in `lang`, short of starting it: its settings folder and
    command."""
    start = shown_notebook(START, lang)
    return jupyter_argv(port, open_browser, start=start, lab_settings=write_lab_settings(lang))


def run(open_browser: bool = True, port: int = 8888, lang: str | None = None) -> int:
    lang = choose_language(lang)
    try:
        status = prepare()
    except CourseError as exc:
        return _not_ready(exc.problem, exc.fix)
    if status:
        return status
    (settings.NOTEBOOKS_DIR / settings.WORKSPACE).mkdir(exist_ok=True)
    argv = server_command(port, open_browser, lang)
    print(
        _("Starting JupyterLab on {folder}: open {notebook} first.").format(
            folder=settings.NOTEBOOKS_DIR, notebook=shown_notebook(START, lang)
        )
    )
    os.chdir(settings.NOTEBOOKS_DIR)
    os.execv(sys.executable, argv)
    return 0  # not reached
