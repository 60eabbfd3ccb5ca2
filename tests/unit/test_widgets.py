"""The check panel's logic without a frontend or a daemon: the checks themselves are replaced.

What matters here: the panel's text/plain is the same result the CLI prints
(so nbclient and consoles show a verdict), the solution appears only once
passed, Hint reveals one more hint per click, a slow or broken check becomes
a message (never a hang or a traceback), and buttons are disabled while busy.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from checker import api
from checker.errors import DaemonUnavailable
from checker.results import CheckResult, ExerciseResult
from course import notebook, widgets
from course.progress_view import compute

EXERCISE = "warmup-hello"


@pytest.fixture(autouse=True)
def own_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets an empty progress store."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS", str(path))
    monkeypatch.delenv("COURSE_NO_PROGRESS", raising=False)
    return path


@pytest.fixture
def exercise():
    return api.exercise(EXERCISE)


def _result(passed: bool) -> ExerciseResult:
    check = CheckResult("the logs contain 'Hello, Docker!'", passed, "found it." if passed else "they do not.", "check the text")
    return ExerciseResult(EXERCISE, (check,), 1.0 if passed else 0.0, 1.0, "Run your first named container")


def test_mimebundle_carries_the_widget_and_the_cli_text(exercise) -> None:
    result = _result(False)
    panel = widgets.CheckPanel(exercise, result, background=False)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == str(result)
    assert repr(panel) == str(result)


def test_solution_is_hidden_until_passed_then_shown(exercise) -> None:
    panel = widgets.CheckPanel(exercise, _result(False), background=False)
    assert panel.solution_view.value == ""
    assert "Reference solution" not in panel.text()
    panel._checked(_result(True))
    solution = exercise.solution[0].shell
    assert solution in panel.solution_view.value.replace("&quot;", '"')
    assert solution in panel.text()
    assert panel.text().startswith(str(_result(True)))


def test_solution_stays_visible_after_a_recorded_pass(exercise) -> None:
    from checker import progress

    progress.record_pass(EXERCISE)
    panel = widgets.CheckPanel(exercise, _result(False), background=False)
    assert "course-solution" in panel.solution_view.value


def test_hint_reveals_one_more_per_click_up_to_the_last(exercise) -> None:
    panel = widgets.CheckPanel(exercise, _result(False), background=False)
    assert panel.hints_view.value == ""
    for level in range(1, len(exercise.hints) + 2):
        panel.hint_button.click()
        assert panel.hints_view.value.count("course-hint'") == min(level, len(exercise.hints))
    assert "<code>" in panel.hints_view.value  # `backticked` hint text shows as code


def test_a_new_panel_shows_the_hints_already_revealed(exercise) -> None:
    api.hint(EXERCISE)
    api.hint(EXERCISE)
    panel = widgets.CheckPanel(exercise, _result(False), background=False)
    assert panel.hints_view.value.count("course-hint'") == 2


def test_check_button_reruns_the_check(exercise, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "check", lambda exercise_id: _result(True))
    panel = widgets.CheckPanel(exercise, _result(False), background=False)
    panel.check_button.click()
    assert panel.result.passed
    assert "data-passed='true'" in panel.result_view.value
    assert "checked at" in panel.status.value
    assert not panel.check_button.disabled


def test_a_daemon_error_is_a_message_not_a_traceback(exercise, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(exercise_id: str) -> ExerciseResult:
        raise DaemonUnavailable("The Docker daemon is not running or cannot be reached.", "start Docker")

    monkeypatch.setattr(api, "check", down)
    monkeypatch.setattr(api, "reset", down)
    panel = widgets.CheckPanel(exercise, None, background=False)
    panel.check_button.click()
    assert panel.result.could_not_check
    assert "not running" in panel.result_view.value and "Traceback" not in panel.result_view.value
    panel.reset_button.click()
    assert "not running" in panel.status.value
    assert not panel.reset_button.disabled


def test_checking_shows_while_running_and_buttons_are_disabled(exercise, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def slow(exercise_id: str) -> ExerciseResult:
        release.wait(10)
        return _result(True)

    monkeypatch.setattr(api, "check", slow)
    panel = widgets.CheckPanel(exercise, _result(False))
    panel.check_button.click()
    assert widgets.CHECKING in panel.status.value
    assert panel.check_button.disabled and panel.hint_button.disabled and panel.reset_button.disabled
    panel.check_button.click()  # ignored while busy
    release.set()
    deadline = time.monotonic() + 10
    while panel.check_button.disabled and time.monotonic() < deadline:
        time.sleep(0.02)
    assert panel.result.passed and not panel.check_button.disabled


def test_a_hanging_check_is_abandoned_with_a_message(exercise, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "check", lambda exercise_id: time.sleep(5))
    monkeypatch.setattr(notebook, "check_timeout", lambda ex: 0.2)
    started = time.monotonic()
    result = notebook.run_check(exercise)
    assert time.monotonic() - started < 2
    assert result.could_not_check and "did not finish" in result.error


def test_bounded_returns_values_and_reraises_errors() -> None:
    assert notebook.bounded(lambda: 42, 1) == 42
    with pytest.raises(ValueError):
        notebook.bounded(lambda: (_ for _ in ()).throw(ValueError("boom")), 1)


def test_outside_a_kernel_check_returns_the_result_the_cli_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "check", lambda exercise_id: _result(False))
    shown = notebook.check(EXERCISE)
    assert isinstance(shown, ExerciseResult) and str(shown) == str(_result(False))


def test_an_unknown_exercise_is_a_message() -> None:
    shown = notebook.check("no-such-exercise")
    assert isinstance(shown, notebook.Message) and not shown.ok
    assert "no-such-exercise" in str(shown)


def test_dashboard_text_is_the_cli_text_and_refreshes_on_a_pass(exercise, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker import progress
    from checker.registry import default_registry

    board = widgets.ProgressBoard()
    assert board._repr_mimebundle_()["text/plain"] == str(compute(default_registry()))
    assert "0/" in board.value.split("Start here")[1][:200]
    progress.record_pass(EXERCISE)
    widgets.CheckPanel(exercise, _result(True), background=False)
    assert "1/" in board.value.split("Start here")[1][:200]
    assert "last pass" in str(board.state)


def test_progress_pretty_prints_as_text() -> None:
    from IPython.lib.pretty import pretty

    from checker.registry import default_registry

    state = compute(default_registry())
    assert pretty(state) == str(state)
