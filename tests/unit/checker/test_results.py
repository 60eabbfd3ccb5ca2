"""One result type, three renderings: text, HTML and JSON carry the same verdicts."""

from __future__ import annotations

import json

from checker.results import CheckResult, ExerciseResult


def _result(*passed: bool, error: str | None = None) -> ExerciseResult:
    checks = tuple(
        CheckResult(f"check {i}", p, "fine" if p else "broken <b>", "" if p else "do X") for i, p in enumerate(passed)
    )
    return ExerciseResult("demo", checks, 1.0 if all(passed) else 0.0, 1.0, "Demo", error=error)


def test_pass_renders_everywhere_and_exits_zero() -> None:
    result = _result(True, True)
    assert result.passed and result.exit_code == 0
    assert str(result).startswith("✔ demo: passed (1/1 points)")
    assert "data-passed='true'" in result._repr_html_()
    assert json.loads(json.dumps(result.to_dict())) == {
        "exercise": "demo",
        "passed": True,
        "score": 1.0,
        "max_score": 1.0,
        "checks": [
            {"name": "check 0", "passed": True, "message": "fine"},
            {"name": "check 1", "passed": True, "message": "fine"},
        ],
    }


def test_failure_shows_message_and_hint_and_escapes_html() -> None:
    result = _result(True, False)
    assert not result.passed and result.exit_code == 1
    text = str(result)
    assert "✘ check 1: broken <b>" in text and "→ do X" in text
    assert "broken &lt;b&gt;" in result._repr_html_()
    assert result.first_failure is not None and result.first_failure.name == "check 1"


def test_could_not_check_is_never_a_pass() -> None:
    result = ExerciseResult("demo", (), 0.0, 1.0, error="daemon down")
    assert not result.passed and result.exit_code == 2
    assert result.to_dict()["error"] == "daemon down"
    assert "could not check" in str(result)


def test_no_checks_is_not_a_pass() -> None:
    assert not ExerciseResult("demo", (), 0.0, 1.0).passed
