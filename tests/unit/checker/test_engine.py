"""The engine's order of work: behaviour checks wait until the state checks before them pass.

Pure logic: the kinds here are stand-ins registered for the test and removed
afterwards; no daemon is involved.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from checker.engine import run_exercise
from checker.kinds import KINDS, Outcome, fail, get_kind, kind, ok
from checker.registry import CheckSpec, Exercise

CALLS: list[str] = []


@pytest.fixture(autouse=True)
def stand_in_kinds() -> Iterator[None]:
    get_kind("container_exists")  # load the real kinds first, so ours do not collide later

    @kind("test_state", "state {ok}")
    def state(ctx: object, ok: bool = True) -> Outcome:  # noqa: ARG001
        CALLS.append("state")
        return _result(ok, "the container is missing")

    @kind("test_probe", "probe answers", behaviour=True)
    def probe(ctx: object) -> Outcome:  # noqa: ARG001
        CALLS.append("probe")
        return ok("answered")

    CALLS.clear()
    yield
    for name in ("test_state", "test_probe"):
        KINDS.pop(name, None)


def _result(passed: bool, message: str) -> Outcome:
    return ok("fine") if passed else fail(message)


def _exercise(*checks: CheckSpec, partial_credit: bool = False) -> Exercise:
    return Exercise(
        "engine-demo", "Engine demo", "00-start-here", 1.0, ("hint",), checks, (), (), partial_credit=partial_credit
    )


def test_a_failed_state_check_skips_the_later_behaviour_check() -> None:
    result = run_exercise(_exercise(CheckSpec("test_state", {"ok": False}), CheckSpec("test_probe", {})), ctx=object())  # type: ignore[arg-type]
    assert CALLS == ["state"]
    assert not result.passed and result.score == 0
    skipped = result.checks[1]
    assert not skipped.passed and skipped.message == "not checked: first fix “state False”."


def test_behaviour_checks_run_when_everything_before_passed() -> None:
    result = run_exercise(_exercise(CheckSpec("test_state", {"ok": True}), CheckSpec("test_probe", {})), ctx=object())  # type: ignore[arg-type]
    assert CALLS == ["state", "probe"] and result.passed


def test_partial_credit_runs_every_check() -> None:
    result = run_exercise(
        _exercise(CheckSpec("test_state", {"ok": False}), CheckSpec("test_probe", {}), partial_credit=True),
        ctx=object(),
    )  # type: ignore[arg-type]
    assert CALLS == ["state", "probe"]
    assert result.score == 0.5


def test_state_checks_after_a_failure_still_run() -> None:
    run_exercise(_exercise(CheckSpec("test_state", {"ok": False}), CheckSpec("test_state", {"ok": True})), ctx=object())  # type: ignore[arg-type]
    assert CALLS == ["state", "state"]
