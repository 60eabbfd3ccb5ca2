"""checker/deadline.py: one time-limited run; work that overruns is abandoned, and its cleanup waits for it."""

from __future__ import annotations

import threading

import pytest

from checker.deadline import run_within
from checker.errors import CheckTimeout


def test_returns_the_value_and_reraises_the_error() -> None:
    assert run_within(1, lambda: 42, "The sum") == 42
    with pytest.raises(ValueError):
        run_within(1, lambda: (_ for _ in ()).throw(ValueError("boom")), "The boom")


def test_overrun_is_a_check_timeout_and_cleanup_waits_for_the_work() -> None:
    release, cleaned = threading.Event(), threading.Event()
    with pytest.raises(CheckTimeout, match="The slow one did not finish within 0.1 s"):
        run_within(0.1, lambda: release.wait(10), "The slow one", cleanup=cleaned.set)
    assert not cleaned.is_set()  # the abandoned work still runs: what it holds stays held
    release.set()
    assert cleaned.wait(5)


def test_cleanup_runs_after_an_error_too() -> None:
    cleaned = threading.Event()
    with pytest.raises(RuntimeError):
        run_within(1, lambda: (_ for _ in ()).throw(RuntimeError("x")), "The error", cleanup=cleaned.set)
    assert cleaned.is_set()
