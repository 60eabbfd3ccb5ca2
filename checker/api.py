"""What the CLI, the notebooks and the grader call: check, hint, prepare, solve, reset.

Every function takes an exercise id and returns plain results; learner-facing
errors arrive as CourseError with a fix, never as a traceback.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from checker import progress
from checker.cleanup import Removed, reset_exercise
from checker.context import CheckContext, default_workdir
from checker.docker_client import get_client
from checker.engine import could_not_check, run_exercise
from checker.errors import CheckTimeout, CourseError
from checker.locking import exercise_lock
from checker.registry import Exercise, Registry, default_registry
from checker.results import ExerciseResult
from checker.steps import run_steps


def exercise(exercise_id: str, registry: Registry | None = None) -> Exercise:
    return (registry or default_registry()).get(exercise_id)


class _CheckThread:
    """A daemon thread that runs one check at a time and is reused while it keeps up.

    Starting a thread per check cost about a millisecond, a fifth of a state-only
    check. A check that overruns keeps its thread (nothing can stop it); that
    thread is never handed out again, and it cannot hold up the interpreter's exit.
    """

    _idle: list["_CheckThread"] = []
    _idle_lock = threading.Lock()

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="course-check", daemon=True).start()

    def _serve(self) -> None:
        while True:
            self._jobs.get()()

    @classmethod
    def run(cls, seconds: float, func: Callable[[], ExerciseResult], what: str) -> ExerciseResult:
        """`func()` on an idle check thread; a CheckTimeout (never a pass) after `seconds`."""
        with cls._idle_lock:
            thread = cls._idle.pop() if cls._idle else cls()
        box: dict[str, object] = {}
        done = threading.Event()

        def job() -> None:
            try:
                box["result"] = func()
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
                box["error"] = exc
            finally:
                done.set()

        thread._jobs.put(job)
        if not done.wait(seconds):
            raise CheckTimeout(f"The check of {what} did not finish within {seconds:g} s.", "something is hanging (a container that never answers?); `docker ps` and `docker logs` show its state")
        with cls._idle_lock:
            cls._idle.append(thread)
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["result"]  # type: ignore[return-value]


def check(exercise_id: str, *, workdir: Path | None = None, record: bool = True, registry: Registry | None = None) -> ExerciseResult:
    """Run the exercise's checks, bounded by its timeout. A pass is recorded in the progress store."""
    ex = exercise(exercise_id, registry)
    ctx = CheckContext(ex.id, workdir or default_workdir())
    try:
        with exercise_lock(ex.id):
            result = _CheckThread.run(ex.timeout, lambda: run_exercise(ex, ctx), ex.id)
    except CourseError as exc:
        return could_not_check(ex, exc)
    if result.passed and record:
        progress.record_pass(ex.id)
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
    with exercise_lock(ex.id, wait=30):
        return reset_exercise(get_client(), ex, workdir or default_workdir())


def prepare(exercise_id: str, *, workdir: Path | None = None, registry: Registry | None = None) -> None:
    """Reset, then run the exercise's setup: the clean starting point an exercise expects."""
    ex = exercise(exercise_id, registry)
    workdir = workdir or default_workdir()
    reset(ex.id, workdir=workdir, registry=registry)
    run_steps(ex.setup, workdir=workdir, exercise_id=ex.id)


def solve(exercise_id: str, *, workdir: Path | None = None, registry: Registry | None = None) -> list[str]:
    """Apply the reference solution from a clean start."""
    ex = exercise(exercise_id, registry)
    workdir = workdir or default_workdir()
    prepare(ex.id, workdir=workdir, registry=registry)
    return run_steps(ex.solution, workdir=workdir, exercise_id=ex.id, timeout=ex.timeout)


def apply_wrong(exercise_id: str, index: int, *, workdir: Path | None = None, registry: Registry | None = None) -> list[str]:
    """Apply known wrong answer `index` from a clean start (its commands may fail: they are wrong)."""
    ex = exercise(exercise_id, registry)
    workdir = workdir or default_workdir()
    prepare(ex.id, workdir=workdir, registry=registry)
    return run_steps(ex.wrong[index].steps, workdir=workdir, exercise_id=ex.id, strict=False, timeout=ex.timeout)
