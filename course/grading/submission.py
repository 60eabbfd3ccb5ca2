"""Grade ONE submission in this process, in a fresh work folder, against the daemon DOCKER_HOST names.

Used directly by `grade --jobs 1`, and by the resident grading process of each
isolated worker (course.grading.resident) for `--jobs N`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from checker.errors import CourseError
from checker.registry import Registry, default_registry
from course.grading.gradebook import NOT_CHECKED, ExerciseGrade, SubmissionGrade
from course.grading.headless import grade_notebook, notebook_exercises
from course.grading.kernel import STARTUP_TIMEOUT
from course.grading.placement import Placement


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
    grade = SubmissionGrade(learner, str(path))
    try:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:  # a structure the grader can walk, or it is unreadable
            cell["cell_type"], cell.get("source", "")
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the learner's, recorded, never a crash
        grade.error = f"the notebook cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
        grade.seconds = time.monotonic() - started
        return grade
    exercises, notes = notebook_exercises(nb, registry, path)
    grade.notes.extend(notes)
    if not exercises:
        grade.error = (
            "no course exercise cells were found (their metadata names the exercise), and the file name names no "
            "course notebook"
        )
        grade.seconds = time.monotonic() - started
        return grade
    placement = placement or Placement()
    workdir = Path(tempfile.mkdtemp(prefix=f"grade-{learner[:20]}-", dir=placement.work_root or work_root))
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
        grade.notes.append(f"grading stopped: {exc}")
        grade.exercises = [
            ExerciseGrade(e.id, e.title, NOT_CHECKED, 0.0, e.points, (), [f"not graded: {exc.problem}"])
            for e in exercises
        ]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    grade.seconds = time.monotonic() - started
    return grade


def failed_grade(path: Path, learner: str, reason: str, started: float) -> SubmissionGrade:
    """A grade the grader could not produce: recorded with 0 points, and the run fails."""
    grade = SubmissionGrade(learner, str(path), grading_failed=True, seconds=time.monotonic() - started)
    try:
        import nbformat

        exercises, _ = notebook_exercises(nbformat.read(str(path), as_version=4), default_registry(), path)
    except Exception:  # noqa: BLE001 - the child would have said the file is unreadable
        exercises = []
    grade.exercises = [
        ExerciseGrade(e.id, e.title, NOT_CHECKED, 0.0, e.points, (), [f"not graded: {reason}"]) for e in exercises
    ]
    grade.notes.append(reason)
    if not exercises:
        grade.error = reason
    return grade
