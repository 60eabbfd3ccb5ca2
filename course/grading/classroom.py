"""`grade --self`: grade the notebooks of this checkout on a CI runner, for GitHub Classroom's autograding.

On a Classroom runner every push gets a fresh virtual machine with a Docker daemon of its own: the VM is the
sandbox, so the notebooks run without one (`--trusted`), one at a time, on that daemon. Anywhere else that
would run a learner's notebook with your privileges, so `--self` refuses outside CI unless `--outside-ci`
says it is meant.

The points go out in the format of GitHub Classroom's official autograding actions (the command grader's
`result` output, which `autograding-grading-reporter` reads from `<RUNNER>_RESULTS` and reports to
Classroom): base64 of `{"version": 1, "status", "max_score", "tests": [{"name", "status", "score",
"message", …}]}`, one test per exercise with its points. The reporter totals the tests' `score`s against
`max_score` ("Points 3/5"). The same JSON, readable, is written to OUT/autograding.json.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any, Sequence

from checker.errors import CourseError
from course.grading.gradebook import NOT_CHECKED, PASSED, SubmissionGrade

RUNNER = "course"  # the runner id the workflow gives the reporter (`COURSE_RESULTS`)
CI_VARIABLES = ("GITHUB_ACTIONS", "CI")
TEST_STATUS = {PASSED: "pass", NOT_CHECKED: "error"}  # a learner's every other status is a fail


def in_ci(env: dict[str, str] | None = None) -> bool:
    """True on a CI runner (GitHub Actions sets both GITHUB_ACTIONS and CI to `true`)."""
    env = dict(os.environ) if env is None else env
    return any(env.get(name, "").lower() == "true" for name in CI_VARIABLES)


def require_ci(outside_ci: bool) -> None:
    if not outside_ci and not in_ci():
        raise CourseError(
            "`grade --self` runs the notebooks with your privileges, without a sandbox: it is meant for a CI "
            "runner, whose virtual machine is the sandbox, and this is not one (GITHUB_ACTIONS and CI are unset).",
            "on a shared machine grade with `python -m course grade NOTEBOOK… --out DIR` (sandboxed); to grade "
            "your own checkout here anyway, add --outside-ci",
        )


def autograding_result(grades: Sequence[SubmissionGrade]) -> dict[str, Any]:
    """The command grader's result: one test per exercise, scored with its points."""
    tests = []
    for grade in grades:
        if grade.error is not None:
            tests.append(_test(Path(grade.submission).name, "error", 0.0, grade.error, grade.submission))
        for exercise in grade.exercises:
            status = (
                "pass" if exercise.status == PASSED else ("error" if exercise.status == "could-not-check" else "fail")
            )
            message = "; ".join(exercise.summary_messages()) if status != "pass" else ""
            tests.append(
                _test(f"{exercise.exercise}: {exercise.title}", status, exercise.points, message, grade.submission)
            )
    max_score = sum(exercise.max_points for grade in grades for exercise in grade.exercises)
    statuses = {test["status"] for test in tests}
    status = "error" if "error" in statuses or not tests else ("fail" if "fail" in statuses else "pass")
    return {"version": 1, "status": status, "max_score": _number(max_score), "tests": tests}


def _test(name: str, status: str, score: float, message: str, filename: str) -> dict[str, Any]:
    return {
        "name": name,
        "status": status,
        "score": _number(score),
        "message": message[:1000],
        "test_code": "",
        "filename": Path(filename).name,
        "line_no": 0,
        "execution_time": "",
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def publish(result: dict[str, Any], out: Path, env: dict[str, str] | None = None) -> Path | None:
    """Write OUT/autograding.json, and `result=<base64>` to $GITHUB_OUTPUT when the runner gives one."""
    env = dict(os.environ) if env is None else env
    (out / "autograding.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return None
    encoded = base64.b64encode(json.dumps(result, ensure_ascii=False).encode("utf-8")).decode("ascii")
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"result={encoded}\n")
    return Path(target)


def points_line(result: dict[str, Any]) -> str:
    total = sum(test["score"] for test in result["tests"])
    return f"Points {_number(total)}/{result['max_score']}"
