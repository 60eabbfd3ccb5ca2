"""`python -m course grade SUBMISSION.ipynb… --out DIR [--timeout S] [--jobs N]`: automated grading.

Each submission runs headless (course.grading.headless) from a clean state in
its own work folder, and is graded by the grader's own checks. By default each
submission gets a fresh sandbox (course.grading.sandboxed): its kernel runs as
an unprivileged user against a rootless daemon of its own, `--jobs N` at a
time; without root or user namespaces `grade` says what is missing and stops.

`--trusted` is for notebooks one trusts (a teacher's own): the kernels run as
the grader. `--jobs 1` then grades on the main daemon in this process
(course.grading.submission); `--jobs N` gives each worker a root daemon in its
own network namespace (course.grading.workers), which separates names and
ports but is no security boundary. The result is DIR/gradebook.csv,
DIR/gradebook.json and DIR/<learner>.html.

A learner's broken notebook is a grade (recorded in the gradebook); only a
grader that cannot grade (daemon down, no isolation, a check that cannot run)
makes the command fail. Grading sets COURSE_NO_PROGRESS before anything runs:
the kernels and the worker processes inherit it, and no learner progress moves.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Sequence

from checker import settings
from checker.errors import CourseError
from course.grading import feedback, gradebook
from course.grading.gradebook import SubmissionGrade
from course.grading.interrupts import SigtermAsInterrupt
from course.grading.options import GradeOptions, GradingRun
from course.grading.submission import grade_submission

Log = Callable[[str], None]


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
        raise CourseError(
            f"--timeout {options.timeout:g} is not a time limit.", "pass the seconds a cell may run, e.g. --timeout 60"
        )
    if not submissions:
        raise CourseError("No submissions to grade.", "pass one or more .ipynb files")
    if not options.trusted:
        require_sandboxes()  # refuse before touching anything
    elif options.jobs > 1:
        from course.grading import isolation

        isolation.require_isolation(options.jobs)
    paths = [Path(p) for p in submissions]
    names = learner_names(paths)
    client = get_client()
    client.ping()
    options.out.mkdir(parents=True, exist_ok=True)
    os.environ[settings.NO_PROGRESS.name] = "1"
    started = time.monotonic()
    run = GradingRun([])
    with SigtermAsInterrupt():
        if not options.trusted:
            from course.grading.sandboxed import grade_in_sandboxes

            run.grades = grade_in_sandboxes(paths, names, options, client, run, log, _describe)
        elif options.jobs == 1:
            for path, name in zip(paths, names, strict=True):
                grade = grade_submission(path, name, timeout=options.timeout, startup_timeout=options.startup_timeout)
                log(_describe(grade))
                run.grades.append(grade)
            run.workers = 1
        else:
            from course.grading.workers import grade_in_parallel

            run.grades = grade_in_parallel(paths, names, options, client, run, log, _describe)
    run.seconds = time.monotonic() - started
    write_outputs(options, run)
    return run


def require_sandboxes() -> None:
    """Sandboxed grading can run here, or a CourseError that says what is missing and the two ways on."""
    from course.sandbox import host

    found = host.problems()
    if found:
        raise CourseError(
            "Grading runs every submission in a sandbox, and sandboxes cannot run here: "
            + "; ".join(p.what for p in found)
            + ".",
            "; ".join(dict.fromkeys(p.fix for p in found)) + " (as root, `python -m course.sandbox install` does it). "
            "Only for notebooks you trust: `grade --trusted` runs them as you, without a sandbox",
        )


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
        "sandboxed": not options.trusted,
    }
    gradebook.write_json(options.out / "gradebook.json", run.grades, meta=meta)
    for grade in run.grades:
        feedback.write(options.out, grade)
