"""What notebook cells call: `from course.notebook import check, hint, reset, setup, progress`.

In a Jupyter kernel `check` returns the check panel (course.notebook.panel):
Check, Hint, Reset, each verdict, and the reference solution once passed. Its
output also carries the result as text, so nbclient and consoles without a
widget frontend print the same verdict the CLI prints. Outside a kernel (plain
Python, the IPython terminal) the functions return the plain result objects.
"""

from __future__ import annotations

from typing import Any

from checker import api
from checker.errors import CourseError
from checker.i18n import _
from course.notebook.messages import Message, error_message, hint_text, removed_text, run_check

__all__ = ["Message", "check", "hint", "progress", "reset", "setup"]


def _in_kernel() -> bool:
    """True in a Jupyter kernel (JupyterLab or nbclient), where widgets can be displayed."""
    try:
        import ipywidgets  # noqa: F401 - the panel needs it
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def check(exercise_id: str) -> Any:
    """Check the exercise against the daemon and show the verdict of every check."""
    try:
        ex = api.exercise(exercise_id)
    except Exception as exc:  # noqa: BLE001 - an unknown id is a message, not a traceback
        return error_message(exc)
    result = run_check(ex)
    if not _in_kernel():
        return result
    from course.notebook.panel import CheckPanel

    return CheckPanel(ex, result)


def hint(exercise_id: str) -> Message:
    """One more hint each time: a nudge first, the command last."""
    try:
        return Message(hint_text(api.hint(exercise_id)))
    except Exception as exc:  # noqa: BLE001
        return error_message(exc)


def setup(exercise_id: str) -> Message:
    """Prepare the exercise: remove its old resources and create what it starts from."""
    try:
        api.prepare(exercise_id)
        return Message(_("Ready: {title}.").format(title=_(api.exercise(exercise_id).title)))
    except Exception as exc:  # noqa: BLE001
        return error_message(exc)


def reset(exercise_id: str) -> Message:
    """Remove what this exercise created, so you can start it again."""
    try:
        return Message(f"{exercise_id}: {removed_text(api.reset(exercise_id))}.")
    except Exception as exc:  # noqa: BLE001
        return error_message(exc)


def progress() -> Any:
    """The progress dashboard: a bar per chapter and what comes next."""
    try:
        if _in_kernel():
            from course.notebook.dashboard import ProgressBoard

            return ProgressBoard()
        from checker.registry import default_registry
        from course.notebook import progress_view

        return progress_view.compute(default_registry())
    except CourseError as exc:
        return error_message(exc)
