"""course/notebook/panel.py: the check panel's logic without a frontend or a daemon (checks are replaced).

What matters here: the panel's text/plain is the same result the CLI prints
(so nbclient and consoles show a verdict), the solution appears only once
passed, Hint reveals one more hint per click, a broken check becomes a message
(never a traceback), and buttons are disabled while busy.
"""

from __future__ import annotations

import threading
import time

import pytest

from checker import api
from checker.errors import DaemonUnavailable
from checker.results import ExerciseResult
from course.notebook import panel as ui

EXERCISE = "warmup-hello"

pytestmark = pytest.mark.usefixtures("progress_file")


@pytest.fixture
def exercise(warmup):
    return warmup


def test_mimebundle_carries_the_widget_and_the_cli_text(warmup_result, exercise) -> None:
    result = warmup_result(False)
    panel = ui.CheckPanel(exercise, result, background=False)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == str(result)
    assert repr(panel) == str(result)


def test_solution_is_hidden_until_passed_then_shown(warmup_result, exercise) -> None:
    panel = ui.CheckPanel(exercise, warmup_result(False), background=False)
    assert panel.solution_view.value == ""
    assert "Reference solution" not in panel.text()
    panel._checked(warmup_result(True))
    solution = exercise.solution[0].shell
    assert solution in panel.solution_view.value.replace("&quot;", '"')
    assert solution in panel.text()
    assert panel.text().startswith(str(warmup_result(True)))


def test_solution_stays_visible_after_a_recorded_pass(warmup_result, exercise) -> None:
    from checker import progress

    progress.record_pass(EXERCISE)
    panel = ui.CheckPanel(exercise, warmup_result(False), background=False)
    assert "course-solution" in panel.solution_view.value


def test_hint_reveals_one_more_per_click_up_to_the_last(warmup_result, exercise) -> None:
    panel = ui.CheckPanel(exercise, warmup_result(False), background=False)
    assert panel.hints_view.value == ""
    for level in range(1, len(exercise.hints) + 2):
        panel.hint_button.click()
        assert panel.hints_view.value.count("course-hint'") == min(level, len(exercise.hints))
    assert "<code>" in panel.hints_view.value  # `backticked` hint text shows as code


def test_a_new_panel_shows_the_hints_already_revealed(warmup_result, exercise) -> None:
    api.hint(EXERCISE)
    api.hint(EXERCISE)
    panel = ui.CheckPanel(exercise, warmup_result(False), background=False)
    assert panel.hints_view.value.count("course-hint'") == 2


def test_check_button_reruns_the_check(warmup_result, exercise, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "check", lambda exercise_id: warmup_result(True))
    panel = ui.CheckPanel(exercise, warmup_result(False), background=False)
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
    panel = ui.CheckPanel(exercise, None, background=False)
    panel.check_button.click()
    assert panel.result.could_not_check
    assert "not running" in panel.result_view.value and "Traceback" not in panel.result_view.value
    panel.reset_button.click()
    assert "not running" in panel.status.value
    assert not panel.reset_button.disabled


def test_checking_shows_while_running_and_buttons_are_disabled(
    warmup_result, exercise, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow(exercise_id: str) -> ExerciseResult:
        release.wait(10)
        return warmup_result(True)

    monkeypatch.setattr(api, "check", slow)
    panel = ui.CheckPanel(exercise, warmup_result(False))
    panel.check_button.click()
    assert ui.CHECKING in panel.status.value
    assert panel.check_button.disabled and panel.hint_button.disabled and panel.reset_button.disabled
    panel.check_button.click()  # ignored while busy
    release.set()
    deadline = time.monotonic() + 10
    while panel.check_button.disabled and time.monotonic() < deadline:
        time.sleep(0.02)
    assert panel.result.passed and not panel.check_button.disabled
