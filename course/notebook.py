"""What notebook cells call. Each function returns an object that renders itself.

In JupyterLab the results render as HTML; under nbclient or a console they
print as text. They are the same objects the CLI prints.
"""
from __future__ import annotations

from checker import api
from checker.errors import CourseError
from checker.results import ExerciseResult


class Message:
    """A short learner-facing message that renders in both text and HTML."""

    def __init__(self, text: str, ok: bool = True) -> None:
        self.text = text
        self.ok = ok

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        import html

        colour = "#1a7f37" if self.ok else "#cf222e"
        return f"<div class='course-message' style='color:{colour};white-space:pre-wrap'>{html.escape(self.text)}</div>"


def check(exercise_id: str) -> ExerciseResult | Message:
    """Check the exercise against the daemon and show the verdict of every check."""
    try:
        return api.check(exercise_id)
    except CourseError as exc:
        return Message(str(exc), ok=False)


def hint(exercise_id: str) -> Message:
    """One more hint each time: a nudge first, the command last."""
    try:
        return Message(str(api.hint(exercise_id)))
    except CourseError as exc:
        return Message(str(exc), ok=False)


def setup(exercise_id: str) -> Message:
    """Prepare the exercise: remove its old resources and create what it starts from."""
    try:
        api.prepare(exercise_id)
    except CourseError as exc:
        return Message(str(exc), ok=False)
    return Message(f"Ready: {api.exercise(exercise_id).title}.")


def reset(exercise_id: str) -> Message:
    """Remove what this exercise created, so you can start it again."""
    try:
        return Message(f"{exercise_id}: {api.reset(exercise_id)}.")
    except CourseError as exc:
        return Message(str(exc), ok=False)


def progress() -> object:
    """The progress dashboard: a bar per chapter and what comes next."""
    from checker.registry import default_registry
    from course import progress_view

    return progress_view.compute(default_registry())
