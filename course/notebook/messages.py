"""What a cell or a button shows instead of a traceback: a short message, or a could-not-check result."""

from __future__ import annotations

import html

from checker import api
from checker.engine import could_not_check
from checker.errors import explain
from checker.registry import Exercise
from checker.results import ExerciseResult


class Message:
    """A short learner-facing message that renders in both text and HTML."""

    def __init__(self, text: str, ok: bool = True) -> None:
        self.text = text
        self.ok = ok

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return message_html(self.text, self.ok)


def message_html(text: str, ok: bool) -> str:
    colour = "#1a7f37" if ok else "#cf222e"
    return f"<div class='course-message' style='color:{colour};white-space:pre-wrap'>{html.escape(text)}</div>"


def error_message(exc: BaseException) -> Message:
    return Message(str(explain(exc)), ok=False)


def run_check(exercise: Exercise) -> ExerciseResult:
    """The exercise's check; any error becomes a could-not-check result.

    The deadline is the check's own (checker.api): the notebook adds no timer of its own.
    """
    try:
        return api.check(exercise.id)
    except Exception as exc:  # noqa: BLE001 - a learner sees a message, never a traceback
        return could_not_check(exercise, exc)
