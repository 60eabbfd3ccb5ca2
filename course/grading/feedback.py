"""One feedback page per learner: the score per exercise, why, and every check's verdict.

The checks render with CheckResult's own HTML (the same rendering the
notebook panel uses), so a learner reads the grader's words exactly as they
would appear in JupyterLab. The page is in the submission's language
(SubmissionGrade.lang), like the check messages the grader made for it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from checker.i18n import N_, _
from course.grading.gradebook import BLOCKING_STATUSES, NOT_CHECKED, PASSED, ExerciseGrade, SubmissionGrade
from course.notebook.languages import speaking

STATUS_WORDS = {
    PASSED: N_("passed"),
    "failed": N_("not yet"),
    "error": N_("a cell raised an error"),
    "timeout": N_("a cell timed out"),
    "kernel-died": N_("the kernel died"),
    NOT_CHECKED: N_("could not be checked"),
}

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
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
    words = _(STATUS_WORDS[grade.status]) if grade.status in STATUS_WORDS else grade.status
    heading = _("{mark} {title} ({exercise}): {status}, {points}/{max_points} points").format(
        mark=mark,
        title=_(grade.title) if grade.title else grade.exercise,
        exercise=grade.exercise,
        status=words,
        points=f"{grade.points:g}",
        max_points=f"{grade.max_points:g}",
    )
    notes = "".join(f"<p class='note'>{html.escape(note)}</p>" for note in grade.notes)
    checks = "".join(check._repr_html_() for check in grade.checks)
    if grade.checks and grade.status in BLOCKING_STATUSES:
        shown = _("What the daemon showed at that point (for information; it does not count):")
        shown = html.escape(shown, quote=False)
        checks = f"<p class='note'>{shown}</p>" + checks
    css = "passed" if passed else "not-passed"
    return (
        f"<section class='exercise {css}' data-exercise='{html.escape(grade.exercise)}' "
        f"data-status='{html.escape(grade.status)}'>"
        f"<h2>{html.escape(heading)}</h2>{notes}{checks}</section>"
    )


class Markup(str):
    """HTML made here, that `text()` must not escape again."""


def render(grade: SubmissionGrade) -> str:
    """The feedback page, in the submission's language (this process speaks it while rendering: call it from one
    thread, as write_outputs does once grading is over)."""
    with speaking(grade.lang):
        return _render(grade)


def _render(grade: SubmissionGrade) -> str:
    def text(template: str, **fields: object) -> str:
        """A translated template, escaped, with escaped fields (a field given as `Markup` stays as it is)."""
        escaped = {k: v if isinstance(v, Markup) else html.escape(str(v)) for k, v in fields.items()}
        return html.escape(template, quote=False).format(**escaped)

    heading = text(_("Feedback for {learner}"), learner=grade.learner)
    submission = text(_("Submission: {path}"), path=grade.submission)
    parts = [f"<h1>{heading}</h1>", f"<p class='note'>{submission}</p>"]
    if grade.error is not None:
        could_not = text(_("This submission could not be graded: {error}"), error=grade.error)
        parts.append(f"<p class='total'>{could_not}</p>")
    else:
        total = text(
            _("Total: {total} of {max_points} points"),
            total=Markup(f"<b>{grade.total:g}</b>"),
            max_points=f"{grade.max_points:g}",
        )
        parts.append(f"<p class='total'>{total}</p>")
    parts.extend(f"<p class='note'>{html.escape(note)}</p>" for note in grade.notes)
    parts.extend(_exercise_html(ex) for ex in grade.exercises)
    footer = _(
        "Grades come from the grader's own checks of the Docker daemon, taken at each exercise's place in the "
        "notebook; outputs saved in the notebook are not used."
    )
    parts.append(f"<p class='note'>{html.escape(footer, quote=False)}</p>")
    title = _("Feedback: {learner}").format(learner=grade.learner)
    return PAGE.format(lang=html.escape(grade.lang), title=html.escape(title), body="\n".join(parts))


def write(directory: Path, grade: SubmissionGrade) -> Path:
    path = directory / f"{safe_name(grade.learner)}.html"
    path.write_text(render(grade), encoding="utf-8")
    return path
