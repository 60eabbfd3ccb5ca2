"""The points `grade --self` gives GitHub Classroom's reporter, and when it may run (pure logic)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from checker.errors import CourseError
from course.grading import classroom
from course.grading.gradebook import ExerciseGrade, SubmissionGrade


def _grades() -> list[SubmissionGrade]:
    solved = SubmissionGrade("00-start-here", "notebooks/00-start-here.ipynb")
    solved.exercises = [ExerciseGrade("warmup-hello", "Run it", "passed", 1.0, 1.0)]
    partly = SubmissionGrade("01-containers", "notebooks/01-containers.ipynb")
    partly.exercises = [
        ExerciseGrade("first-look", "Look", "passed", 2.0, 2.0),
        ExerciseGrade("shared-kernel", "Kernel", "timeout", 0.0, 1.0, notes=["cell 4 did not finish"]),
        ExerciseGrade("one-image", "Image", "could-not-check", 0.0, 2.0, notes=["daemon down"]),
    ]
    return [solved, partly]


def test_one_test_per_exercise_scored_with_its_points() -> None:
    result = classroom.autograding_result(_grades())
    assert result["version"] == 1 and result["max_score"] == 6 and result["status"] == "error"
    rows = {test["name"]: (test["status"], test["score"], test["filename"]) for test in result["tests"]}
    assert rows == {
        "warmup-hello: Run it": ("pass", 1, "00-start-here.ipynb"),
        "first-look: Look": ("pass", 2, "01-containers.ipynb"),
        "shared-kernel: Kernel": ("fail", 0, "01-containers.ipynb"),
        "one-image: Image": ("error", 0, "01-containers.ipynb"),
    }
    assert "cell 4 did not finish" in next(t["message"] for t in result["tests"] if t["status"] == "fail")
    assert classroom.points_line(result) == "Points 3/6"


def test_an_unreadable_notebook_is_an_error_test() -> None:
    broken = SubmissionGrade("x", "notebooks/x.ipynb", error="the notebook cannot be read")
    result = classroom.autograding_result([broken])
    assert result["status"] == "error" and result["max_score"] == 0
    assert result["tests"][0]["message"] == "the notebook cannot be read"


def test_published_for_the_reporter_and_for_people(tmp_path: Path) -> None:
    result = classroom.autograding_result(_grades()[:1])
    output = tmp_path / "github-output"
    assert classroom.publish(result, tmp_path, env={"GITHUB_OUTPUT": str(output)}) == output
    (line,) = output.read_text().splitlines()
    assert json.loads(base64.b64decode(line.removeprefix("result="))) == result
    assert json.loads((tmp_path / "autograding.json").read_text()) == result
    assert classroom.publish(result, tmp_path, env={}) is None


def test_only_on_a_ci_runner_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert classroom.in_ci({"GITHUB_ACTIONS": "true"}) and classroom.in_ci({"CI": "true"})
    assert not classroom.in_ci({"CI": "false"}) and not classroom.in_ci({})
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    with pytest.raises(CourseError, match="meant for a CI runner"):
        classroom.require_ci(outside_ci=False)
    classroom.require_ci(outside_ci=True)
