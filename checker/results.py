"""One result type, three renderings: text for consoles, HTML for notebooks, JSON for tools.

The widget, the CLI, the grader and the tests all consume these objects. A
failing check is a result, never an exception.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from checker.i18n import _

PASS_MARK = "✔"
FAIL_MARK = "✘"


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check: what was checked, whether it held, and why."""

    name: str
    passed: bool
    message: str
    hint: str = ""

    def __str__(self) -> str:
        mark = PASS_MARK if self.passed else FAIL_MARK
        text = f"{mark} {self.name}: {self.message}"
        if self.hint and not self.passed:
            text += f"\n    → {self.hint}"
        return text

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#cf222e"
        mark = PASS_MARK if self.passed else FAIL_MARK
        hint = (
            f"<div style='margin-left:1.4em;color:#57606a'>→ {html.escape(self.hint)}</div>"
            if self.hint and not self.passed
            else ""
        )
        return (
            f"<div class='course-check' data-passed='{str(self.passed).lower()}'>"
            f"<span style='color:{colour};font-weight:bold'>{mark}</span> "
            f"<b>{html.escape(self.name)}</b>: <span "
            f"style='white-space:pre-wrap'>{html.escape(self.message)}</span>{hint}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "message": self.message}


@dataclass(frozen=True)
class ExerciseResult:
    """All checks of one exercise. `error` is set when the checks could not run at all."""

    exercise: str
    checks: tuple[CheckResult, ...]
    score: float
    max_score: float
    title: str = ""
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def could_not_check(self) -> bool:
        return self.error is not None

    @property
    def exit_code(self) -> int:
        """The CLI contract: 0 pass, 1 fail, 2 could not check."""
        if self.error is not None:
            return 2
        return 0 if self.passed else 1

    @property
    def first_failure(self) -> CheckResult | None:
        return next((c for c in self.checks if not c.passed), None)

    def headline(self) -> str:
        if self.error is not None:
            return _("{mark} {exercise}: could not check").format(mark=FAIL_MARK, exercise=self.exercise)
        if self.passed:
            template = _("{mark} {exercise}: passed ({score}/{max_score} points)")
        else:
            template = _("{mark} {exercise}: not yet ({score}/{max_score} points)")
        mark = PASS_MARK if self.passed else FAIL_MARK
        return template.format(
            mark=mark, exercise=self.exercise, score=_fmt(self.score), max_score=_fmt(self.max_score)
        )

    def __str__(self) -> str:
        lines = [self.headline()]
        if self.error is not None:
            lines.append(f"    {self.error}")
        lines.extend(f"  {check}" for check in self.checks)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#cf222e"
        error = f"<div style='color:#cf222e;white-space:pre-wrap'>{html.escape(self.error)}</div>" if self.error else ""
        body = "".join(c._repr_html_() for c in self.checks)
        return (
            f"<div class='course-result' data-exercise='{html.escape(self.exercise)}' "
            f"data-passed='{str(self.passed).lower()}'>"
            f"<div style='color:{colour};font-weight:bold'>{html.escape(self.headline())}</div>{error}{body}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "exercise": self.exercise,
            "passed": self.passed,
            "score": self.score,
            "max_score": self.max_score,
            "checks": [c.to_dict() for c in self.checks],
        }
        if self.error is not None:
            data["error"] = self.error
        return data


def _fmt(number: float) -> str:
    return f"{number:g}"
