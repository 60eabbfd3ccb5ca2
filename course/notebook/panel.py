"""The check panel that a check cell shows in JupyterLab: Check, Hint, Reset and the verdicts.

A panel wraps the same ExerciseResult the CLI prints. Its mimebundle carries
the widget view for JupyterLab and a text/plain rendering of that result, so
nbclient and plain consoles (no widget frontend) still leave a readable verdict
in the output. Every click runs in a background thread, so the kernel and the
page never freeze: a check is bounded by its own deadline (checker.api), a
reset by RESET_TIMEOUT. Errors show as CourseError messages.
"""

from __future__ import annotations

import html
import re
import threading
import time
from typing import Any, Callable, TypeVar

import ipywidgets as widgets

from checker import api, progress
from checker.deadline import run_within
from checker.errors import explain
from checker.i18n import N_, _
from checker.registry import Exercise
from checker.results import ExerciseResult
from course.notebook.dashboard import refresh_dashboards
from course.notebook.messages import message_html, removed_text, run_check

T = TypeVar("T")

RESET_TIMEOUT = 90.0
CHECKING = N_("checking…")
RESETTING = N_("resetting…")


def has_passed(exercise: Exercise, result: ExerciseResult | None) -> bool:
    """The solution is shown once the learner has passed: now, or in an earlier recorded check."""
    if result is not None and result.passed:
        return True
    return exercise.id in progress.load()["passed"]


def solution_text(exercise: Exercise) -> str:
    return "\n".join(step.cell_source.rstrip("\n") for step in exercise.solution)


def solution_html(exercise: Exercise) -> str:
    cells = "".join(
        "<pre style='margin:0.2em "
        f"0;padding:0.4em;background:var(--jp-layout-color2,#f6f8fa)'>{html.escape(step.cell_source.rstrip())}</pre>"
        for step in exercise.solution
    )
    heading = _("<b>Reference solution</b>, to compare with yours:")
    return f"<div class='course-solution'>{heading}{cells}</div>"


def inline_code(text: str) -> str:
    """Escape text and show its `backticked` parts as code, as the hints are written."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def hints_html(exercise: Exercise, level: int) -> str:
    if level <= 0:
        return ""
    template = html.escape(_("Hint {level} of {total}: {text}"))
    items = "".join(
        "<div class='course-hint'>"
        + template.format(level=i, total=len(exercise.hints), text=inline_code(_(text)))
        + "</div>"
        for i, text in enumerate(exercise.hints[:level], start=1)
    )
    return f"<div class='course-hints' style='color:var(--jp-content-font-color1,#24292f)'>{items}</div>"


def panel_text(exercise: Exercise, result: ExerciseResult | None) -> str:
    """The panel as text: the result exactly as the CLI prints it, plus the solution once passed."""
    text = str(result) if result is not None else _("{exercise}: not checked yet").format(exercise=exercise.id)
    if has_passed(exercise, result) and exercise.solution:
        body = "\n".join("    " + line for line in solution_text(exercise).splitlines())
        text += "\n" + _("Reference solution, to compare with yours:") + f"\n{body}"
    return text


class CheckPanel(widgets.VBox):
    """Check, Hint and Reset for one exercise, its verdicts, and the solution once passed."""

    def __init__(self, exercise: Exercise, result: ExerciseResult | None = None, *, background: bool = True) -> None:
        self.exercise = exercise
        self.result = result
        self.background = background
        self._busy = False
        self.check_button = widgets.Button(
            description=_("Check"), button_style="primary", tooltip=_("Run the checks again")
        )
        self.hint_button = widgets.Button(description=_("Hint"), button_style="info", tooltip=_("Reveal one more hint"))
        self.reset_button = widgets.Button(
            description=_("Reset"), button_style="warning", tooltip=_("Remove what this exercise created")
        )
        self.status = widgets.HTML("")
        self.status.add_class("course-status")
        self.result_view = widgets.HTML("")
        self.result_view.add_class("course-result-view")
        self.hints_view = widgets.HTML("")
        self.solution_view = widgets.HTML("")
        self.check_button.on_click(lambda _: self.check())
        self.hint_button.on_click(lambda _: self.reveal_hint())
        self.reset_button.on_click(lambda _: self.reset())
        points = _("{points} point(s)").format(points=f"{exercise.points:g}")
        title = widgets.HTML(
            f"<b>{html.escape(_(exercise.title))}</b> <code>{html.escape(exercise.id)}</code> · {html.escape(points)}"
        )
        buttons = widgets.HBox([self.check_button, self.hint_button, self.reset_button, self.status])
        super().__init__([title, buttons, self.result_view, self.hints_view, self.solution_view])
        self.add_class("course-panel")
        self.hints_view.value = hints_html(exercise, int(progress.load()["hints"].get(exercise.id, 0)))
        self._show(result)

    # -- what the frontends see -------------------------------------------------

    def text(self) -> str:
        return panel_text(self.exercise, self.result)

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view for JupyterLab, and the same result as text for nbclient and consoles."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.text()
        return bundle

    # -- actions ----------------------------------------------------------------

    def check(self) -> None:
        """Re-run the checks; shows "checking…" until the verdict arrives (within the check's deadline)."""
        self._run(CHECKING, lambda: run_check(self.exercise), self._checked)

    def reveal_hint(self) -> None:
        try:
            revealed = api.hint(self.exercise.id)
        except Exception as exc:  # noqa: BLE001 - message, never a traceback
            self.status.value = message_html(str(explain(exc)), ok=False)
            return
        self.hints_view.value = hints_html(self.exercise, revealed.level)

    def reset(self) -> None:
        """Remove this exercise's resources (only what it owns), with a bounded wait."""
        exercise_id = self.exercise.id

        def work() -> Any:
            what = _("The reset of {exercise}").format(exercise=exercise_id)
            return run_within(RESET_TIMEOUT, lambda: api.reset(exercise_id), what)

        self._run(RESETTING, work, self._was_reset)

    # -- plumbing ---------------------------------------------------------------

    def _show(self, result: ExerciseResult | None) -> None:
        self.result = result
        self.result_view.value = result._repr_html_() if result is not None else ""
        passed = has_passed(self.exercise, result)
        self.solution_view.value = solution_html(self.exercise) if passed and self.exercise.solution else ""
        if result is not None and result.passed:
            refresh_dashboards()

    def _checked(self, result: ExerciseResult) -> None:
        self._show(result)
        when = html.escape(_("checked at {time}").format(time=time.strftime("%H:%M:%S")))
        self.status.value = f"<span class='course-checked' style='color:#57606a'>{when}</span>"

    def _was_reset(self, removed: Any) -> None:
        text = _("Reset {exercise}: {removed}.").format(exercise=self.exercise.id, removed=removed_text(removed))
        self.status.value = message_html(text, ok=True)

    def _run(self, busy_text: str, work: Callable[[], T], done: Callable[[T], None]) -> None:
        if self._busy:
            return
        self._set_busy(True, busy_text)

        def job() -> None:
            try:
                done(work())
            except Exception as exc:  # noqa: BLE001 - message, never a traceback
                self.status.value = message_html(str(explain(exc)), ok=False)
            finally:
                self._set_busy(False)

        if self.background:
            threading.Thread(target=job, name=f"course-{self.exercise.id}", daemon=True).start()
        else:
            job()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        for button in (self.check_button, self.hint_button, self.reset_button):
            button.disabled = busy
        if busy:
            self.status.value = f"<span class='course-busy' style='color:#57606a'>{html.escape(_(text))}</span>"
