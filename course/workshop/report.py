"""The class view of a workshop: every learner × every exercise, who is stuck, and the pass rate per exercise.

The instructor dashboard, `workshop status` and `workshop export` all show this one
view, built from the exercise registry and the learners' progress files
(checker.progress writes them). Those files belong to the learners, who can write
anything there: every value is checked for its type and range here, unknown
exercise ids are ignored, and text is cut to a bounded length. What passed is taken
on the learner's word (an id listed under `passed`): the dashboard is for helping,
grades come from the grader. Escaping stays the
renderer's job (HTML in the dashboard); the CSV export guards against spreadsheet
formulas itself.

Stuck, kept simple so an instructor can predict it: a learner is stuck when the
exercise they work on now (progress `current`) has not passed and either it has
failed STUCK_FAILURES checks or they have spent STUCK_MINUTES on it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from checker.progress import MESSAGES_KEPT
from checker.registry import Exercise, Registry
from course.notebook.progress_view import CHAPTER_TITLES
from course.workshop.state import Learner

STUCK_FAILURES = 3  # failed checks on the current exercise
STUCK_MINUTES = 10  # minutes on the current exercise without passing it

# Cell statuses, strongest first: a pass wins over failures, failures over hints.
PASSED = "passed"
FAILED = "failed"
HINTED = "hinted"
UNTOUCHED = "untouched"

CSV_COLUMNS = (
    "learner",
    "exercise",
    "chapter",
    "title",
    "passed",
    "passed_at",
    "failed_checks",
    "hints",
    "last_check",
    "last_messages",
)
MESSAGE_CHARS = 400  # a check message longer than this is cut: the files are the learners'
TIME_CHARS = 64
COUNT_MAX = 1_000_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Cell:
    """One learner's record of one exercise."""

    exercise: str
    status: str
    passed_at: str | None
    failed: int
    hints: int
    last_check: str | None
    messages: tuple[str, ...]


@dataclass(frozen=True)
class Current:
    """The exercise a learner works on now, and for how long."""

    exercise: str
    title: str
    since: str | None
    seconds: int | None


@dataclass(frozen=True)
class LearnerRow:
    name: str
    cells: tuple[Cell, ...]  # in registry order
    passed: int
    points: float
    current: Current | None
    last_check: str | None  # the latest check on any exercise
    messages: tuple[str, ...]  # the failing messages of the current exercise's last check
    stuck: bool
    stuck_reason: str | None  # "failures" or "time"

    def cell(self, exercise_id: str) -> Cell:
        return next(cell for cell in self.cells if cell.exercise == exercise_id)


@dataclass(frozen=True)
class ExerciseColumn:
    id: str
    chapter: int
    title: str
    points: float
    hints: int  # hints available
    passed: int  # learners who passed it
    pass_rate: float  # passed / learners, 0.0 without learners


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    exercises: tuple[str, ...]


@dataclass(frozen=True)
class ClassView:
    generated: str
    chapters: tuple[Chapter, ...]
    exercises: tuple[ExerciseColumn, ...]
    learners: tuple[LearnerRow, ...]

    @property
    def stuck(self) -> tuple[LearnerRow, ...]:
        return tuple(row for row in self.learners if row.stuck)

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated": self.generated,
            "rules": {"stuck_failures": STUCK_FAILURES, "stuck_minutes": STUCK_MINUTES},
            "summary": {
                "learners": len(self.learners),
                "exercises": len(self.exercises),
                "stuck": len(self.stuck),
                "passed": sum(row.passed for row in self.learners),
            },
            "chapters": [asdict(chapter) for chapter in self.chapters],
            "exercises": [asdict(column) for column in self.exercises],
            "learners": [_learner_dict(row) for row in self.learners],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def csv_rows(self) -> list[dict[str, Any]]:
        """One row per learner × exercise, untouched ones included, so a spreadsheet sees the whole class."""
        columns = {column.id: column for column in self.exercises}
        rows = []
        for row in self.learners:
            for cell in row.cells:
                column = columns[cell.exercise]
                values = {
                    "learner": row.name,
                    "exercise": cell.exercise,
                    "chapter": column.chapter,
                    "title": column.title,
                    "passed": cell.status == PASSED,
                    "passed_at": cell.passed_at or "",
                    "failed_checks": cell.failed,
                    "hints": cell.hints,
                    "last_check": cell.last_check or "",
                    "last_messages": " | ".join(cell.messages),
                }
                rows.append({key: _spreadsheet_safe(value) for key, value in values.items()})
        return rows

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.csv_rows())
        return out.getvalue()


def _learner_dict(row: LearnerRow) -> dict[str, Any]:
    data = asdict(row)
    data["cells"] = {cell.exercise: asdict(cell) for cell in row.cells}
    return data


def _spreadsheet_safe(value: Any) -> Any:
    """A text cell that starts like a formula is prefixed with ' so a spreadsheet shows it instead of running it."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# ---- reading untrusted values ----------------------------------------------------------------------------------


def _count(value: Any, top: int = COUNT_MAX) -> int:
    """A count from the file: an int (or a finite float) clamped to 0..top; anything else is 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    return max(0, min(int(value), top))


def _time(value: Any, now: datetime) -> datetime | None:
    """An ISO timestamp as checker.progress writes it; a naive one is taken as this machine's local time."""
    if not isinstance(value, str) or len(value) > TIME_CHARS:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(now.tzinfo) if parsed.tzinfo else parsed.astimezone().astimezone(now.tzinfo)
    except (ValueError, OverflowError):  # not a time, or one at the edge of the calendar that no zone can hold
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _messages(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    texts = [text for text in value if isinstance(text, str)][:MESSAGES_KEPT]
    return tuple(text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…" for text in texts)


def _table(progress: Any, key: str) -> dict[str, Any]:
    table = progress.get(key) if isinstance(progress, dict) else None
    return table if isinstance(table, dict) else {}


# ---- building the view ------------------------------------------------------------------------------------------


def _cell(exercise: Exercise, progress: dict[str, Any], now: datetime) -> tuple[Cell, datetime | None]:
    """The exercise's cell, and when it was last checked (to find the current exercise of an older file)."""
    passed_table = _table(progress, "passed")
    is_passed = exercise.id in passed_table
    passed = passed_table.get(exercise.id)
    record = _table(progress, "checks").get(exercise.id)
    record = record if isinstance(record, dict) else {}
    failed = _count(record.get("failed"))
    hints = _count(_table(progress, "hints").get(exercise.id), len(exercise.hints))
    last = _time(record.get("last"), now)
    status = PASSED if is_passed else FAILED if failed else HINTED if hints else UNTOUCHED
    cell = Cell(
        exercise=exercise.id,
        status=status,
        passed_at=_iso(_time(passed, now)) if is_passed else None,
        failed=failed,
        hints=hints,
        last_check=_iso(last),
        messages=() if is_passed else _messages(record.get("messages")),
    )
    return cell, last


def _current(
    progress: dict[str, Any], cells: dict[str, Cell], checked: dict[str, datetime], registry: Registry, now: datetime
) -> Current | None:
    """The `current` record when it names a known exercise; else the exercise checked last (files written before
    `current` existed). The time on it counts from `current.since`, or from its last check."""
    current = _table(progress, "current")
    exercise_id = current.get("exercise")
    since = _time(current.get("since"), now)
    if not isinstance(exercise_id, str) or exercise_id not in cells:
        if not checked:
            return None
        exercise_id, since = max(checked.items(), key=lambda item: item[1])
    since = since or checked.get(exercise_id)
    seconds = max(0, int((now - since).total_seconds())) if since else None
    return Current(exercise_id, registry.get(exercise_id).title, _iso(since), seconds)


def _stuck(current: Current | None, cells: dict[str, Cell]) -> str | None:
    if current is None or cells[current.exercise].status == PASSED:
        return None
    if cells[current.exercise].failed >= STUCK_FAILURES:
        return "failures"
    if current.seconds is not None and current.seconds >= STUCK_MINUTES * 60:
        return "time"
    return None


def learner_row(name: str, progress: Any, registry: Registry, now: datetime) -> LearnerRow:
    progress = progress if isinstance(progress, dict) else {}
    cells: dict[str, Cell] = {}
    checked: dict[str, datetime] = {}
    for exercise in registry.exercises:
        cells[exercise.id], last = _cell(exercise, progress, now)
        if last:
            checked[exercise.id] = last
    current = _current(progress, cells, checked, registry, now)
    reason = _stuck(current, cells)
    passed = [exercise for exercise in registry.exercises if cells[exercise.id].status == PASSED]
    return LearnerRow(
        name=name,
        cells=tuple(cells.values()),
        passed=len(passed),
        points=sum(exercise.points for exercise in passed),
        current=current,
        last_check=_iso(max(checked.values())) if checked else None,
        messages=cells[current.exercise].messages if current else (),
        stuck=reason is not None,
        stuck_reason=reason,
    )


def build(registry: Registry, learners: Iterable[tuple[Learner | str, Any]], now: datetime) -> ClassView:
    """The class view at `now` (timezone-aware: the times shown are in its zone), learners in the order given."""
    now = now if now.tzinfo else now.astimezone()
    rows = tuple(
        learner_row(one if isinstance(one, str) else one.name, progress, registry, now) for one, progress in learners
    )
    columns = []
    for exercise in registry.exercises:
        passed = sum(row.cell(exercise.id).status == PASSED for row in rows)
        columns.append(
            ExerciseColumn(
                id=exercise.id,
                chapter=exercise.chapter,
                title=exercise.title,
                points=exercise.points,
                hints=len(exercise.hints),
                passed=passed,
                pass_rate=round(passed / len(rows), 4) if rows else 0.0,
            )
        )
    numbers = sorted({exercise.chapter for exercise in registry.exercises})
    chapters = tuple(
        Chapter(number, CHAPTER_TITLES.get(number, f"Chapter {number}"), tuple(e.id for e in registry.chapter(number)))
        for number in numbers
    )
    return ClassView(_iso(now) or "", chapters, tuple(columns), rows)


def collect(registry: Registry | None = None, now: datetime | None = None) -> ClassView:
    """The view of the running workshop: its learners (course.workshop.state) and their progress files now."""
    from checker.registry import default_registry
    from course.workshop import state

    registry = registry or default_registry()
    found = [(one, state.read_progress(one)) for one in state.learners()]
    return build(registry, found, now or datetime.now().astimezone())


def export(folder: Path, view: ClassView | None = None) -> list[Path]:
    """Write the class's progress as `workshop-results-<time>.csv` and `.json` into `folder`."""
    view = view or collect()
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"workshop-results-{time.strftime('%Y%m%d-%H%M%S')}"
    written = [stem.with_suffix(".csv"), stem.with_suffix(".json")]
    written[0].write_text(view.to_csv(), encoding="utf-8")
    written[1].write_text(view.to_json(), encoding="utf-8")
    return written
