"""`python -m course grade SUBMISSION.ipynb… --out DIR [--timeout S] [--jobs N]`: automated grading.

Each submission runs headless (course.headless) from a clean state in its own
work folder, and is graded by the grader's own checks. `--jobs 1` grades one
submission at a time on the main daemon, in this process. `--jobs N` grades N
at a time, each in an isolated worker daemon (course.grade_workers); without
isolation it refuses. The result is
DIR/gradebook.csv, DIR/gradebook.json and DIR/<learner>.html.

A learner's broken notebook is a grade (recorded in the gradebook); only a
grader that cannot grade (daemon down, no isolation, a check that cannot run)
makes the command fail.
"""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from checker.errors import CourseError
from checker.registry import Registry, default_registry
from course import feedback, gradebook
from course.gradebook import NOT_CHECKED, ExerciseGrade, SubmissionGrade
from course.headless import DEFAULT_CELL_TIMEOUT, STARTUP_TIMEOUT, grade_notebook, notebook_exercises

Log = Callable[[str], None]

@dataclass(frozen=True)
class GradeOptions:
    out: Path
    timeout: float = DEFAULT_CELL_TIMEOUT
    jobs: int = 1
    startup_timeout: float = STARTUP_TIMEOUT


@dataclass
class GradingRun:
    grades: list[SubmissionGrade]
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0
    isolation: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(g.grading_failed for g in self.grades)


def learner_names(paths: Sequence[Path]) -> list[str]:
    """A learner per file, named after it (`alice.ipynb` → alice); duplicates get -2, -3…"""
    names: list[str] = []
    for path in paths:
        base = feedback.safe_name(path.stem)
        if base in ("gradebook",):
            base = f"{base}-learner"
        name, count = base, 1
        while name in names:
            count += 1
            name = f"{base}-{count}"
        names.append(name)
    return names


def grade_submission(path: Path, learner: str, *, timeout: float, startup_timeout: float = STARTUP_TIMEOUT,
                     registry: Registry | None = None, work_root: Path | None = None) -> SubmissionGrade:
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
        grade.error = "no course exercise cells were found (their metadata names the exercise), and the file name names no course notebook"
        grade.seconds = time.monotonic() - started
        return grade
    workdir = Path(tempfile.mkdtemp(prefix=f"grade-{learner[:20]}-", dir=work_root))
    try:
        run = grade_notebook(nb, exercises, workdir=workdir, timeout=timeout, startup_timeout=startup_timeout, registry=registry)
        grade.exercises = run.grades
        grade.notes.extend(run.notes)
        grade.grading_failed = run.grading_failed
    except CourseError as exc:
        grade.grading_failed = True
        grade.notes.append(f"grading stopped: {exc}")
        grade.exercises = [ExerciseGrade(e.id, e.title, NOT_CHECKED, 0.0, e.points, (), [f"not graded: {exc.problem}"]) for e in exercises]
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
    grade.exercises = [ExerciseGrade(e.id, e.title, NOT_CHECKED, 0.0, e.points, (), [f"not graded: {reason}"]) for e in exercises]
    grade.notes.append(reason)
    if not exercises:
        grade.error = reason
    return grade


def _describe(grade: SubmissionGrade) -> str:
    if grade.error is not None:
        return f"✘ {grade.learner}: not graded ({grade.error})"
    mark = "!" if grade.grading_failed else "✔"
    statuses = ", ".join(f"{e.exercise} {e.status}" for e in grade.exercises)
    return f"{mark} {grade.learner}: {grade.total:g}/{grade.max_points:g} ({statuses}) in {grade.seconds:.1f} s"


def run_grading(submissions: Sequence[Path], options: GradeOptions, *, log: Log = print) -> GradingRun:
    """Grade every submission, write the gradebook and the feedback pages, and say whether grading worked."""
    from checker.docker_client import get_client

    if options.jobs < 1:
        raise CourseError(f"--jobs {options.jobs} is not a number of workers.", "pass --jobs 1 or more")
    if options.timeout <= 0:
        raise CourseError(f"--timeout {options.timeout:g} is not a time limit.", "pass the seconds a cell may run, e.g. --timeout 60")
    if not submissions:
        raise CourseError("No submissions to grade.", "pass one or more .ipynb files")
    if options.jobs > 1:
        from course import isolation

        isolation.require_isolation(options.jobs)  # refuse before touching anything
    paths = [Path(p) for p in submissions]
    names = learner_names(paths)
    client = get_client()
    client.ping()
    options.out.mkdir(parents=True, exist_ok=True)
    os.environ["COURSE_NO_PROGRESS"] = "1"
    started = time.monotonic()
    run = GradingRun([])
    with _sigterm_as_interrupt():
        if options.jobs == 1:
            for path, name in zip(paths, names):
                grade = grade_submission(path, name, timeout=options.timeout, startup_timeout=options.startup_timeout)
                log(_describe(grade))
                run.grades.append(grade)
            run.workers = 1
        else:
            from course.grade_workers import grade_in_parallel

            run.grades = grade_in_parallel(paths, names, options, client, run, log, _describe)
    run.seconds = time.monotonic() - started
    write_outputs(options, run)
    return run


class _sigterm_as_interrupt:
    """SIGTERM behaves like Ctrl-C while grading, so kernels, workers and namespaces are torn down."""

    def __enter__(self) -> None:
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, raise_interrupt)

    def __exit__(self, *exc_info: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def write_outputs(options: GradeOptions, run: GradingRun) -> None:
    gradebook.write_csv(options.out / "gradebook.csv", run.grades)
    problems = [*run.problems, *(f"{g.learner}: grading failed" for g in run.grades if g.grading_failed)]
    meta = {
        "grading_failed": run.failed,
        "problems": problems,
        "jobs": options.jobs,
        "workers": run.workers,
        "timeout": options.timeout,
        "seconds": round(run.seconds, 2),
        "isolation": run.isolation,
    }
    gradebook.write_json(options.out / "gradebook.json", run.grades, meta=meta)
    for grade in run.grades:
        feedback.write(options.out, grade)
