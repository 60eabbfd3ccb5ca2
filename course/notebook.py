"""What notebook cells call: check, hint, setup, reset and progress.

In a Jupyter kernel `check` returns the check panel (course.widgets): Check,
Hint, Reset, each verdict, and the reference solution once passed. Its output
also carries the result as text, so nbclient and consoles without a widget
frontend print the same verdict the CLI prints. Outside a kernel (plain Python,
the IPython terminal) the functions return the plain result objects.
"""
from __future__ import annotations

import html
import threading
from typing import Any, Callable, TypeVar

from checker import api
from checker.errors import CourseError, explain
from checker.registry import Exercise
from checker.results import ExerciseResult

T = TypeVar("T")

CHECK_MARGIN = 30.0  # seconds on top of the exercise's own timeout before a check is abandoned


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
        colour = "#1a7f37" if self.ok else "#cf222e"
        return f"<div class='course-message' style='color:{colour};white-space:pre-wrap'>{html.escape(self.text)}</div>"


def _in_kernel() -> bool:
    """True in a Jupyter kernel (JupyterLab or nbclient), where widgets can be displayed."""
    try:
        from IPython import get_ipython
        import ipywidgets  # noqa: F401 - the panel needs it
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def bounded(work: Callable[[], T], timeout: float) -> T:
    """Run `work` in a daemon thread and wait at most `timeout` seconds for it.

    A check that hangs (a daemon that stops answering) must not hold the
    notebook forever: the thread is abandoned and the caller reports a timeout.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="course-bounded", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"It did not finish within {timeout:g} s.")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def check_timeout(exercise: Exercise) -> float:
    return float(exercise.timeout) + CHECK_MARGIN


def run_check(exercise: Exercise) -> ExerciseResult:
    """Check with a bounded wait; a timeout or any error becomes a could-not-check result."""
    from checker.engine import could_not_check

    try:
        return bounded(lambda: api.check(exercise.id), check_timeout(exercise))
    except TimeoutError:
        return could_not_check(
            exercise,
            CourseError(
                f"The check did not finish within {check_timeout(exercise):g} s.",
                "the Docker daemon may be overloaded or stuck: run `python -m course doctor`, then check again",
            ),
        )
    except Exception as exc:  # noqa: BLE001 - a learner sees a message, never a traceback
        return could_not_check(exercise, exc)


def _error(exc: BaseException) -> Message:
    return Message(str(explain(exc)), ok=False)


def check(exercise_id: str) -> Any:
    """Check the exercise against the daemon and show the verdict of every check."""
    try:
        ex = api.exercise(exercise_id)
    except Exception as exc:  # noqa: BLE001 - an unknown id is a message, not a traceback
        return _error(exc)
    result = run_check(ex)
    if not _in_kernel():
        return result
    from course.widgets import CheckPanel

    return CheckPanel(ex, result)


def hint(exercise_id: str) -> Message:
    """One more hint each time: a nudge first, the command last."""
    try:
        return Message(str(api.hint(exercise_id)))
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


def setup(exercise_id: str) -> Message:
    """Prepare the exercise: remove its old resources and create what it starts from."""
    try:
        api.prepare(exercise_id)
        return Message(f"Ready: {api.exercise(exercise_id).title}.")
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


def reset(exercise_id: str) -> Message:
    """Remove what this exercise created, so you can start it again."""
    try:
        return Message(f"{exercise_id}: {api.reset(exercise_id)}.")
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


def progress() -> Any:
    """The progress dashboard: a bar per chapter and what comes next."""
    try:
        if _in_kernel():
            from course.widgets import ProgressBoard

            return ProgressBoard()
        from checker.registry import default_registry
        from course import progress_view

        return progress_view.compute(default_registry())
    except CourseError as exc:
        return _error(exc)
