"""Run an exercise's checks against the daemon and fold them into one ExerciseResult.

This is where raise-or-continue is decided: a Docker error inside one check
becomes that check's failure with a hint; a daemon that cannot be reached
makes the whole result "could not check" (exit code 2), never a pass.
"""

from __future__ import annotations

from checker.context import CheckContext
from checker.errors import CourseError, DaemonUnavailable, RegistryError, explain
from checker.i18n import _
from checker.kinds import get_kind
from checker.registry import CheckSpec, Exercise
from checker.results import CheckResult, ExerciseResult


def check_name(spec: CheckSpec) -> str:
    """The name a chapter file gives the check (learner text, so translated), else its kind's description."""
    return _(spec.name) if spec.name else get_kind(spec.kind).title(spec.params)


def run_check(ctx: CheckContext, spec: CheckSpec) -> CheckResult:
    kind = get_kind(spec.kind)
    name = check_name(spec)
    try:
        outcome = kind.func(ctx, **spec.params)
    except DaemonUnavailable:
        raise
    except RegistryError:
        raise
    except Exception as exc:  # noqa: BLE001 - one place turns every error into a learner message
        error = explain(exc)
        if isinstance(error, DaemonUnavailable):
            raise error from None
        return CheckResult(name, False, error.problem, error.fix)
    return CheckResult(name, outcome.passed, outcome.message, outcome.hint)


def score(exercise: Exercise, checks: tuple[CheckResult, ...]) -> float:
    if not checks:
        return 0.0
    passed = sum(c.passed for c in checks)
    if exercise.partial_credit:
        return round(exercise.points * passed / len(checks), 2)
    return exercise.points if passed == len(checks) else 0.0


def _not_checked(name: str, first_failure: str) -> CheckResult:
    return CheckResult(name, False, _("not checked: first fix “{check}”.").format(check=first_failure))


def run_exercise(exercise: Exercise, ctx: CheckContext | None = None) -> ExerciseResult:
    """All checks of one exercise, in order. Never raises for a learner's mistake."""
    ctx = ctx or CheckContext(exercise.id)
    results: list[CheckResult] = []
    first_seen: dict[str, str] = {}  # failure message → the check that said it first
    first_failure: str | None = None
    try:
        for spec in exercise.checks:
            if first_failure and not exercise.partial_credit and not spec.always and get_kind(spec.kind).behaviour:
                # All or nothing, and already failed: a build, run or probe now only makes the learner wait.
                results.append(_not_checked(check_name(spec), first_failure))
                continue
            result = run_check(ctx, spec)
            if not result.passed:
                first_failure = first_failure or result.name
                if result.message in first_seen:  # same root cause: say so once
                    result = _not_checked(result.name, first_seen[result.message])
                else:
                    first_seen[result.message] = result.name
            results.append(result)
    except CourseError as exc:
        return ExerciseResult(exercise.id, tuple(results), 0.0, exercise.points, exercise.title, error=str(exc))
    checks = tuple(results)
    return ExerciseResult(exercise.id, checks, score(exercise, checks), exercise.points, exercise.title)


def could_not_check(exercise: Exercise, error: BaseException) -> ExerciseResult:
    return ExerciseResult(exercise.id, (), 0.0, exercise.points, exercise.title, error=str(explain(error)))
