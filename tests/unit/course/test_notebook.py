"""course/notebook/__init__.py and messages.py: what cells call, outside a kernel, without a daemon.

A check in a cell adds no timer of its own (the check's deadline is checker.api's):
an error of any kind becomes a could-not-check result or a message, never a traceback.
"""

from __future__ import annotations

import pytest

from checker import api
from checker.errors import CheckTimeout
from checker.results import ExerciseResult
from course import notebook
from course.notebook import messages

EXERCISE = "warmup-hello"

pytestmark = pytest.mark.usefixtures("progress_file")


def test_outside_a_kernel_check_returns_the_result_the_cli_prints(
    warmup_result, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "check", lambda exercise_id: warmup_result(False))
    shown = notebook.check(EXERCISE)
    assert isinstance(shown, ExerciseResult) and str(shown) == str(warmup_result(False))


def test_an_unknown_exercise_is_a_message() -> None:
    shown = notebook.check("no-such-exercise")
    assert isinstance(shown, notebook.Message) and not shown.ok
    assert "no-such-exercise" in str(shown)


def test_a_check_error_becomes_could_not_check(warmup, monkeypatch: pytest.MonkeyPatch) -> None:
    def late(exercise_id: str) -> ExerciseResult:
        raise CheckTimeout(f"The check of {exercise_id} did not finish within 1 s.", "look at docker ps")

    monkeypatch.setattr(api, "check", late)
    result = messages.run_check(warmup)
    assert result.could_not_check and "did not finish within 1 s" in result.error


def test_the_notebook_adds_no_timer_of_its_own() -> None:
    import inspect

    source = inspect.getsource(notebook) + inspect.getsource(messages)
    assert "run_within" not in source and "Thread" not in source
