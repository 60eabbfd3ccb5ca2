"""What a cell, a button or the CLI shows: a short message, a could-not-check result, a hint, what a reset removed."""

from __future__ import annotations

import html
from typing import Any

from checker import api
from checker.engine import could_not_check
from checker.errors import explain
from checker.i18n import N_, _
from checker.registry import Exercise
from checker.results import ExerciseResult

# What a reset removed, per kind of resource (checker.cleanup.Removed's fields), as the English has always said it.
REMOVED_KINDS = {
    "containers": N_("{count} containers"),
    "networks": N_("{count} networks"),
    "volumes": N_("{count} volumes"),
    "images": N_("{count} images"),
    "files": N_("{count} files"),
}


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


def hint_text(hint: api.Hint) -> str:
    """A revealed hint in the learner's language: "Hint 2 of 3: …"."""
    return _("Hint {level} of {total}: {text}").format(level=hint.level, total=hint.total, text=_(hint.text))


def removed_text(removed: Any) -> str:
    """What a reset removed (a checker.cleanup.Removed), in the learner's language: "removed 1 containers"."""
    parts = [
        _(REMOVED_KINDS[kind]).format(count=len(names)) if kind in REMOVED_KINDS else f"{len(names)} {kind}"
        for kind, names in vars(removed).items()
        if names
    ]
    if not parts:
        return _("nothing to remove")
    return _("removed {parts}").format(parts=", ".join(parts))
