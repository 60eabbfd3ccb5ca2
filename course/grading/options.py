"""What one grading run is asked to do (GradeOptions) and what it produced (GradingRun)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.grading.gradebook import SubmissionGrade
from course.grading.kernel import DEFAULT_CELL_TIMEOUT, STARTUP_TIMEOUT


@dataclass(frozen=True)
class GradeOptions:
    out: Path
    timeout: float = DEFAULT_CELL_TIMEOUT
    jobs: int = 1
    startup_timeout: float = STARTUP_TIMEOUT
    trusted: bool = False  # no sandboxes: the kernels run as the grader, on the main daemon or root workers


@dataclass
class GradingRun:
    grades: list[SubmissionGrade]
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0
    isolation: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(g.grading_failed for g in self.grades)
