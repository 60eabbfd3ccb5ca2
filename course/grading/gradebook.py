"""The gradebook: what a learner scored per exercise, and why, as CSV and JSON.

Grades are built from the grader's own CheckResults (never from a notebook's
outputs). One ExerciseGrade per learner and exercise; a SubmissionGrade per
learner. Both travel as JSON from an isolated worker back to the grader.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from checker.results import CheckResult

# Statuses of one exercise. Only PASSED ever earns the points of a pass.
PASSED = "passed"
FAILED = "failed"
CELL_ERROR = "error"  # a cell of the exercise raised: scores 0, never a pass
TIMEOUT = "timeout"  # a cell of the exercise ran past --timeout: scores 0, never a pass
KERNEL_DIED = "kernel-died"  # the kernel died in a cell of the exercise: scores 0, never a pass
NOT_CHECKED = "could-not-check"  # the grader could not run its checks: a grading failure

BLOCKING_STATUSES = (CELL_ERROR, TIMEOUT, KERNEL_DIED)

CSV_COLUMNS = ("learner", "exercise", "points", "max_points", "checks_passed", "checks_total", "status", "messages")


@dataclass
class ExerciseGrade:
    """One learner's grade for one exercise, from the grader's checks at the exercise's point."""

    exercise: str
    title: str
    status: str
    points: float
    max_points: float
    checks: tuple[CheckResult, ...] = ()
    notes: list[str] = field(default_factory=list)  # the grader's own words: why it blocked, what was skipped

    @property
    def checks_passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def checks_total(self) -> int:
        return len(self.checks)

    def summary_messages(self) -> list[str]:
        """Why the points are what they are: the blocking reason first, then each failing check."""
        failing = [f"{c.name}: {c.message}" for c in self.checks if not c.passed]
        if self.status in BLOCKING_STATUSES or self.status == NOT_CHECKED:
            return [*self.notes]
        return [*self.notes, *failing]

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "title": self.title,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "checks_passed": self.checks_passed,
            "checks_total": self.checks_total,
            "checks": [{"name": c.name, "passed": c.passed, "message": c.message, "hint": c.hint} for c in self.checks],
            "messages": self.summary_messages(),
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ExerciseGrade":
        checks = tuple(CheckResult(c["name"], c["passed"], c["message"], c.get("hint", "")) for c in data["checks"])
        return cls(
            data["exercise"],
            data["title"],
            data["status"],
            data["points"],
            data["max_points"],
            checks,
            list(data.get("notes", [])),
        )


@dataclass
class SubmissionGrade:
    """One learner's submission: a grade per exercise, notes, and whether grading itself failed."""

    learner: str
    submission: str
    exercises: list[ExerciseGrade] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the submission could not be graded at all (unreadable, no exercises)
    grading_failed: bool = False  # the grader (not the learner) failed: daemon down, check impossible
    seconds: float = 0.0
    lang: str = "en"  # the language of the submitted notebook: its feedback and messages are in it

    @property
    def total(self) -> float:
        return round(sum(e.points for e in self.exercises), 2)

    @property
    def max_points(self) -> float:
        return round(sum(e.max_points for e in self.exercises), 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "learner": self.learner,
            "submission": self.submission,
            "total": self.total,
            "max": self.max_points,
            "error": self.error,
            "grading_failed": self.grading_failed,
            "notes": self.notes,
            "seconds": round(self.seconds, 2),
            "lang": self.lang,
            "exercises": [e.to_dict() for e in self.exercises],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SubmissionGrade":
        return cls(
            learner=data["learner"],
            submission=data["submission"],
            exercises=[ExerciseGrade.from_dict(e) for e in data["exercises"]],
            notes=list(data.get("notes", [])),
            error=data.get("error"),
            grading_failed=bool(data.get("grading_failed")),
            seconds=float(data.get("seconds", 0.0)),
            lang=data.get("lang", "en"),
        )


def csv_rows(grades: Iterable[SubmissionGrade]) -> list[dict[str, Any]]:
    """One row per learner × exercise; a submission that could not be graded gets one row saying why."""
    rows: list[dict[str, Any]] = []
    for grade in grades:
        if grade.error is not None and not grade.exercises:
            rows.append(
                {
                    "learner": grade.learner,
                    "exercise": "",
                    "points": 0,
                    "max_points": 0,
                    "checks_passed": 0,
                    "checks_total": 0,
                    "status": "invalid-submission",
                    "messages": grade.error,
                }
            )
            continue
        for ex in grade.exercises:
            rows.append(
                {
                    "learner": grade.learner,
                    "exercise": ex.exercise,
                    "points": f"{ex.points:g}",
                    "max_points": f"{ex.max_points:g}",
                    "checks_passed": ex.checks_passed,
                    "checks_total": ex.checks_total,
                    "status": ex.status,
                    "messages": " | ".join(ex.summary_messages()),
                }
            )
    return rows


def write_csv(path: Path, grades: Iterable[SubmissionGrade]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_rows(grades))
    return path


def write_json(path: Path, grades: list[SubmissionGrade], *, meta: dict[str, Any]) -> Path:
    data = {
        **meta,
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "learners": [g.to_dict() for g in grades],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
