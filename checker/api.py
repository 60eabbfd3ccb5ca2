"""What the CLI, the notebooks and the grader call: check, hint, prepare, solve, reset.

Every function takes an exercise id and returns plain results; learner-facing
errors arrive as CourseError with a fix, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from checker import locking, progress, settings
from checker.cleanup import Removed, reset_exercise
from checker.context import CheckContext
from checker.deadline import run_within
from checker.docker_client import get_client
from checker.engine import could_not_check, run_exercise
from checker.errors import CourseError
from checker.registry import Exercise, Registry, Step, default_registry
from checker.results import ExerciseResult
from checker.steps import run_steps


def exercise(exercise_id: str, registry: Registry | None = None) -> Exercise:
    return (registry or default_registry()).get(exercise_id)


def check(exercise_id: str, *, workdir: Path | None = None, registry: Registry | None = None) -> ExerciseResult:
    """Run the exercise's checks within its timeout: the one deadline of a check.

    A pass is recorded in the progress store unless COURSE_NO_PROGRESS is set
    (grading and verify set it). The exercise's lock is taken here and released
    by the thread doing the work once it has really stopped, so a check that
    overran still keeps a second check of the same exercise out (CheckBusy).
    """
    ex = exercise(exercise_id, registry)
    ctx = CheckContext(ex.id, workdir or settings.workdir())
    try:
        held = locking.acquire(ex.id)
        result = run_within(ex.timeout, lambda: run_exercise(ex, ctx), f"The check of {ex.id}", cleanup=held.release)
    except CourseError as exc:
        return could_not_check(ex, exc)
    if not result.could_not_check:  # a daemon that is down is not the learner's attempt
        progress.record_check(ex.id, result.passed, [check.message for check in result.checks if not check.passed])
    return result


@dataclass(frozen=True)
class Hint:
    exercise: str
    level: int
    total: int
    text: str

    def __str__(self) -> str:
        return f"Hint {self.level} of {self.total}: {self.text}"


def hint(exercise_id: str, registry: Registry | None = None) -> Hint:
    """The next hint: a nudge first, the command last."""
    ex = exercise(exercise_id, registry)
    level = progress.next_hint_level(ex.id, len(ex.hints))
    return Hint(ex.id, level, len(ex.hints), ex.hints[level - 1])


def reset(exercise_id: str, *, workdir: Path | None = None, registry: Registry | None = None) -> Removed:
    ex = exercise(exercise_id, registry)
    with locking.exercise_lock(ex.id, wait=30):
        return reset_exercise(get_client(), ex, workdir or settings.workdir())


def prepare(exercise_id: str, *, workdir: Path | None = None, registry: Registry | None = None) -> None:
    """Reset, then run the exercise's setup: the clean starting point an exercise expects."""
    ex = exercise(exercise_id, registry)
    workdir = workdir or settings.workdir()
    reset(ex.id, workdir=workdir, registry=registry)
    run_steps(ex.setup, workdir=workdir, exercise_id=ex.id)


def apply_steps(
    exercise_id: str,
    steps: Callable[[Exercise], Sequence[Step]],
    *,
    strict: bool,
    timeout: float | None = None,
    workdir: Path | None = None,
    registry: Registry | None = None,
) -> list[str]:
    """From a clean start, run the exercise's `steps(exercise)`; with `strict` a failing step raises
    (right answers), without it failures are part of the answer (wrong answers, mutants)."""
    ex = exercise(exercise_id, registry)
    workdir = workdir or settings.workdir()
    prepare(ex.id, workdir=workdir, registry=registry)
    limit = ex.timeout if timeout is None else timeout
    return run_steps(steps(ex), workdir=workdir, exercise_id=ex.id, strict=strict, timeout=limit)


def solve(exercise_id: str, *, workdir: Path | None = None, registry: Registry | None = None) -> list[str]:
    """Apply the reference solution from a clean start."""
    return apply_steps(exercise_id, lambda ex: ex.solution, strict=True, workdir=workdir, registry=registry)


def apply_alternative(
    exercise_id: str, index: int, *, workdir: Path | None = None, registry: Registry | None = None
) -> list[str]:
    """Apply alternative right answer `index` from a clean start; its steps must succeed, as the solution's."""
    return apply_steps(
        exercise_id, lambda ex: ex.alternatives[index].steps, strict=True, workdir=workdir, registry=registry
    )


def apply_wrong(
    exercise_id: str, index: int, *, workdir: Path | None = None, registry: Registry | None = None
) -> list[str]:
    """Apply known wrong answer `index` from a clean start (its commands may fail: they are wrong)."""
    return apply_steps(exercise_id, lambda ex: ex.wrong[index].steps, strict=False, workdir=workdir, registry=registry)
