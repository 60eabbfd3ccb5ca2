"""Fixtures of the notebook UI's unit tests: an empty progress store, and results without a daemon."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from checker import api, settings
from checker.registry import Exercise
from checker.results import CheckResult, ExerciseResult

WARMUP = "warmup-hello"


@pytest.fixture
def progress_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty progress store that records (COURSE_NO_PROGRESS unset)."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv(settings.PROGRESS.name, str(path))
    monkeypatch.delenv(settings.NO_PROGRESS.name, raising=False)
    return path


@pytest.fixture
def warmup() -> Exercise:
    return api.exercise(WARMUP)


@pytest.fixture
def warmup_result() -> Callable[[bool], ExerciseResult]:
    """A result of the warm-up exercise as the engine would return it, passed or not."""

    def make(passed: bool) -> ExerciseResult:
        check = CheckResult(
            "the logs contain 'Hello, Docker!'", passed, "found it." if passed else "they do not.", "check the text"
        )
        return ExerciseResult(WARMUP, (check,), 1.0 if passed else 0.0, 1.0, "Run your first named container")

    return make
