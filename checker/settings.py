"""Every path the course uses and every `COURSE_*` variable it reads, with its default and meaning.

One module, so that a maintainer finds in one place where a file lives and what
an environment variable changes. Values are read when asked for, not at import:
the grader and the tests change them per run. Nothing here imports Docker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# -- the checkout ---------------------------------------------------------------------------------
REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
COURSE_DIR = REPO_ROOT / "course"
APPS_DIR = COURSE_DIR / "apps"  # the course's own apps that exercises build and run
STANDINS_DIR = COURSE_DIR / "standins"  # recipes of the offline stand-in base images
DEFAULT_EXERCISES_DIR = COURSE_DIR / "exercises"
WORKSPACE = "workspace"  # the learner's files, under the work folder; git-ignored


@dataclass(frozen=True)
class Variable:
    """An environment variable the course reads: its name, its default and what it changes."""

    name: str
    meaning: str
    default: str = ""  # the value when unset, if it is a plain value
    when_unset: str = ""  # what applies when unset, if it is worked out (a path in the checkout, say)

    def get(self) -> str:
        return os.environ.get(self.name) or self.default

    def is_set(self) -> bool:
        return bool(os.environ.get(self.name))


WORKDIR = Variable(
    "COURSE_WORKDIR",
    "The folder answer cells run in. The grader and the tests give each run its own.",
    when_unset="notebooks/ of the checkout",
)
PROGRESS = Variable(
    "COURSE_PROGRESS",
    "The learner's progress file (passes and revealed hints).",
    when_unset="WORKDIR/workspace/.progress.json",
)
NO_PROGRESS = Variable(
    "COURSE_NO_PROGRESS",
    "When set, checks and hints record nothing: grading and verify must not change a learner's progress.",
)
EXERCISES_DIR = Variable(
    "COURSE_EXERCISES_DIR",
    "The folder of chapter files (the exercise registry).",
    when_unset="course/exercises/ of the checkout",
)
SESSION = Variable(
    "COURSE_SESSION",
    "The label value that marks what one process tree created; "
    "a new random id when unset, inherited by the steps it runs.",
)
SANDBOX = Variable(
    "COURSE_SANDBOX",
    "The sandbox whose user runs the notebook kernels, and whose home holds the work folders: its name, then "
    "the runtime's venv and code folders, separated by `:`. Set by `grade` and `verify --sandbox` for their "
    "grading process, never by hand.",
    when_unset="kernels run as this process's user, work folders in the temp folder",
)
LANG = Variable(
    "COURSE_LANG",
    "The course's language: `en` or `ko`. `python -m course lab --lang ko` sets it and remembers it.",
    when_unset="the language remembered with the progress, else the locale (LANG=ko_KR.UTF-8: Korean), else English",
)
DEBUG = Variable("COURSE_DEBUG", "When set, the command line shows the traceback behind a message.")
DEBIAN_MIRROR = Variable(
    "COURSE_DEBIAN_MIRROR",
    "The Debian archive the offline stand-in images are built from.",
    when_unset="the host's apt sources",
)
BUILD_TMP = Variable("COURSE_BUILD_TMP", "Scratch space for building the stand-in images.", "/var/tmp")
CHROMIUM = Variable("COURSE_CHROMIUM", "The Chromium the browser test drives.", "/usr/bin/chromium")

# Set by the course for the shell steps it runs (setup, solutions), never read from the learner.
STEP_VARIABLES = {
    "COURSE_LABELS": "`--label` flags that mark a resource as the exercise's, for `docker run $COURSE_LABELS …`",
    "COURSE_EXERCISE": "the id of the exercise the step belongs to",
    "COURSE_APPS": "the folder of the course's own apps",
}

VARIABLES = (WORKDIR, PROGRESS, NO_PROGRESS, EXERCISES_DIR, SESSION, LANG, DEBUG, DEBIAN_MIRROR, BUILD_TMP, CHROMIUM)


def workdir() -> Path:
    """Where answer cells run and learner files live."""
    return Path(WORKDIR.get()).resolve() if WORKDIR.is_set() else NOTEBOOKS_DIR


def progress_path() -> Path:
    return Path(PROGRESS.get()) if PROGRESS.is_set() else workdir() / WORKSPACE / ".progress.json"


def exercises_dir() -> Path:
    return Path(EXERCISES_DIR.get()) if EXERCISES_DIR.is_set() else DEFAULT_EXERCISES_DIR


def records_progress() -> bool:
    return not NO_PROGRESS.is_set()
