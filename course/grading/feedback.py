"""One feedback page per learner: the score per exercise, why, and every check's verdict.

The checks render with CheckResult's own HTML (the same rendering the
notebook panel uses), so a learner reads the grader's words exactly as they
would appear in JupyterLab.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from course.grading.gradebook import BLOCKING_STATUSES, NOT_CHECKED, PASSED, ExerciseGrade, SubmissionGrade

STATUS_WORDS = {
    PASSED: "passed",
    "failed": "not yet",
    "error": "a cell raised an error",
    "timeout": "a cell timed out",
    "kernel-died": "the kernel died",
    NOT_CHECKED: "could not be checked",
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 56em; margin: 2em auto; padding: 0 1em; color: #1f2328; }}
.exercise {{ border: 1px solid #d0d7de; border-radius: 6px; padding: .6em 1em; margin: 1em 0; }}
.exercise h2 {{ font-size: 1.05em; margin: .2em 0 .5em; }}
.passed h2 {{ color: #1a7f37; }} .not-passed h2 {{ color: #cf222e; }}
.note {{ color: #57606a; white-space: pre-wrap; margin: .3em 0; }}
.total {{ font-size: 1.2em; }}
</style></head><body>
{body}
</body></html>
"""


def safe_name(learner: str) -> str:
    """A file name for a learner: letters, digits, dot, dash and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", learner).strip("._") or "learner"


def _exercise_html(grade: ExerciseGrade) -> str:
    passed = grade.status == PASSED
    mark = "✔" if passed else "✘"
    words = STATUS_WORDS.get(grade.status, grade.status)
    heading = (
        f"{mark} {grade.title or grade.exercise} ({grade.exercise}): {words}, {grade.points:g}/{grade.max_points:g} "
        "points"
    )
    notes = "".join(f"<p class='note'>{html.escape(note)}</p>" for note in grade.notes)
    checks = "".join(check._repr_html_() for check in grade.checks)
    if grade.checks and grade.status in BLOCKING_STATUSES:
        checks = (
            "<p class='note'>What the daemon showed at that point (for information; it does not count):</p>" + checks
        )
    css = "passed" if passed else "not-passed"
    return (
        f"<section class='exercise {css}' data-exercise='{html.escape(grade.exercise)}' "
        f"data-status='{html.escape(grade.status)}'>"
        f"<h2>{html.escape(heading)}</h2>{notes}{checks}</section>"
    )


def render(grade: SubmissionGrade) -> str:
    parts = [
        f"<h1>Feedback for {html.escape(grade.learner)}</h1>",
        f"<p class='note'>Submission: {html.escape(grade.submission)}</p>",
    ]
    if grade.error is not None:
        parts.append(f"<p class='total'>This submission could not be graded: {html.escape(grade.error)}</p>")
    else:
        parts.append(f"<p class='total'>Total: <b>{grade.total:g}</b> of {grade.max_points:g} points</p>")
    parts.extend(f"<p class='note'>{html.escape(note)}</p>" for note in grade.notes)
    parts.extend(_exercise_html(ex) for ex in grade.exercises)
    parts.append(
        "<p class='note'>Grades come from the grader's own checks of the Docker daemon, taken at each exercise's "
        "place in the notebook; outputs saved in the notebook are not used.</p>"
    )
    return PAGE.format(title=html.escape(f"Feedback: {grade.learner}"), body="\n".join(parts))


def write(directory: Path, grade: SubmissionGrade) -> Path:
    path = directory / f"{safe_name(grade.learner)}.html"
    path.write_text(render(grade), encoding="utf-8")
    return path
