"""checker/api.py: one deadline per check, and the exercise's lock held until the work has really stopped.

The engine is replaced by a fake slow check, so this needs no daemon.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from pathlib import Path

import pytest

from checker import api, locking
from checker.registry import Exercise
from checker.results import ExerciseResult


class OneExercise:
    """A registry of one exercise (what api.exercise asks of a registry)."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise

    def get(self, exercise_id: str) -> Exercise:
        assert exercise_id == self.exercise.id
        return self.exercise


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch, warmup: Exercise, warmup_result, progress_file: Path):
    """A check of a throwaway exercise with a 0.3 s deadline whose work blocks until released."""
    exercise = dataclasses.replace(warmup, id=f"deadline-{uuid.uuid4().hex[:8]}", timeout=0.3)
    release = threading.Event()
    running: list[int] = []
    overlaps: list[int] = []

    def fake_run(ex: Exercise, ctx: object) -> ExerciseResult:
        running.append(1)
        overlaps.append(len(running))
        try:
            release.wait(20)
            return dataclasses.replace(warmup_result(True), exercise=ex.id)
        finally:
            running.pop()

    monkeypatch.setattr(api, "run_exercise", fake_run)
    real_acquire = locking.acquire
    monkeypatch.setattr(locking, "acquire", lambda exercise_id, wait=0.2: real_acquire(exercise_id, wait))
    yield exercise, OneExercise(exercise), release, overlaps
    release.set()


def test_an_overrun_is_could_not_check_within_the_one_deadline(slow) -> None:
    exercise, registry, release, _ = slow
    result = api.check(exercise.id, registry=registry)
    assert result.could_not_check and not result.passed
    assert f"The check of {exercise.id} did not finish within 0.3 s" in result.error


def test_the_lock_stays_held_until_the_abandoned_work_stops(slow) -> None:
    exercise, registry, release, overlaps = slow
    assert api.check(exercise.id, registry=registry).could_not_check  # overran; its work goes on
    second = api.check(exercise.id, registry=registry)
    assert second.could_not_check and "still running" in second.error  # CheckBusy, not a second run
    release.set()
    with locking.exercise_lock(exercise.id, wait=5):  # the work ends, and only then the lock is free
        pass
    assert overlaps == [1]  # the two checks never overlapped


def test_a_check_after_the_work_stopped_runs_and_records_the_pass(slow, progress_file: Path) -> None:
    exercise, registry, release, overlaps = slow
    release.set()
    result = api.check(exercise.id, registry=registry)
    assert result.passed
    assert exercise.id in progress_file.read_text()
    assert overlaps == [1]
