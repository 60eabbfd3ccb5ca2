"""Grade ONE submission in this process, in a fresh work folder, against the daemon DOCKER_HOST names.

Used directly by `grade --jobs 1`, and by the resident grading process of each
isolated worker (course.grading.resident) for `--jobs N`.

A submission is graded in its own language (course.notebook.languages: the
notebook's metadata, its file name, its prose, else COURSE_LANG): the checks'
messages, the grader's notes and the feedback page are in it. This process
speaks it while it grades that one submission, one submission at a time.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from checker.errors import CourseError
from checker.i18n import N_, _
from checker.registry import Registry, default_registry
from course.grading.gradebook import NOT_CHECKED, ExerciseGrade, SubmissionGrade
from course.grading.headless import grade_notebook, notebook_exercises
from course.grading.kernel import STARTUP_TIMEOUT
from course.grading.placement import Placement
from course.notebook.languages import notebook_language, speaking, translated

NOT_GRADED = N_("not graded: {reason}")


def grade_submission(
    path: Path,
    learner: str,
    *,
    timeout: float,
    startup_timeout: float = STARTUP_TIMEOUT,
    registry: Registry | None = None,
    work_root: Path | None = None,
    placement: Placement | None = None,
) -> SubmissionGrade:
    """Grade one notebook in this process, against the daemon DOCKER_HOST names, in a fresh work folder."""
    import nbformat

    registry = registry or default_registry()
    started = time.monotonic()
    grade = SubmissionGrade(learner, str(path), lang=notebook_language({}, path))
    try:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:  # a structure the grader can walk, or it is unreadable
            cell["cell_type"], cell.get("source", "")
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the learner's, recorded, never a crash
        with speaking(grade.lang):
            grade.error = _("the notebook cannot be read ({kind}: {detail})").format(
                kind=type(exc).__name__, detail=str(exc)[:200]
            )
        grade.seconds = time.monotonic() - started
        return grade
    grade.lang = notebook_language(nb, path)
    with speaking(grade.lang):
        _grade_notebook(grade, nb, path, timeout, startup_timeout, registry, work_root, placement)
    grade.seconds = time.monotonic() - started
    return grade


def _grade_notebook(
    grade: SubmissionGrade,
    nb: Any,
    path: Path,
    timeout: float,
    startup_timeout: float,
    registry: Registry,
    work_root: Path | None,
    placement: Placement | None,
) -> None:
    """Grade a readable notebook into `grade`, in a fresh work folder that is removed afterwards."""
    exercises, notes = notebook_exercises(nb, registry, path)
    grade.notes.extend(notes)
    if not exercises:
        grade.error = _(
            "no course exercise cells were found (their metadata names the exercise), and the file name names no "
            "course notebook"
        )
        return
    placement = placement or Placement()
    workdir = Path(tempfile.mkdtemp(prefix=f"grade-{grade.learner[:20]}-", dir=placement.work_root or work_root))
    try:
        run = grade_notebook(
            nb,
            exercises,
            workdir=workdir,
            timeout=timeout,
            startup_timeout=startup_timeout,
            registry=registry,
            placement=placement,
        )
        grade.exercises = run.grades
        grade.notes.extend(run.notes)
        grade.grading_failed = run.grading_failed
    except CourseError as exc:
        grade.grading_failed = True
        grade.notes.append(_("grading stopped: {error}").format(error=exc))
        grade.exercises = [
            ExerciseGrade(e.id, e.title, NOT_CHECKED, 0.0, e.points, (), [_(NOT_GRADED).format(reason=exc.problem)])
            for e in exercises
        ]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def failed_grade(path: Path, learner: str, reason: str, started: float) -> SubmissionGrade:
    """A grade the grader could not produce: recorded with 0 points, and the run fails."""
    grade = SubmissionGrade(learner, str(path), grading_failed=True, seconds=time.monotonic() - started)
    try:
        import nbformat

        nb = nbformat.read(str(path), as_version=4)
        exercises = notebook_exercises(nb, default_registry(), path)[0]
        grade.lang = notebook_language(nb, path)
    except Exception:  # noqa: BLE001 - the child would have said the file is unreadable
        exercises = []
        grade.lang = notebook_language({}, path)
    # Possibly on one of several grading threads: the words come from the catalogue, not this process's language.
    not_graded = translated(NOT_GRADED, grade.lang).format(reason=reason)
    grade.exercises = [ExerciseGrade(e.id, e.title, NOT_CHECKED, 0.0, e.points, (), [not_graded]) for e in exercises]
    grade.notes.append(reason)
    if not exercises:
        grade.error = reason
    return grade
