"""course/workshop/report.py: the class view from the registry and learners' progress files, which learners write."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from checker.registry import Registry, default_registry
from course.workshop import report, state
from course.workshop.report import FAILED, HINTED, PASSED, STUCK_FAILURES, STUCK_MINUTES, UNTOUCHED

SEOUL = timezone(timedelta(hours=9))
NOW = datetime(2025, 3, 1, 10, 30, tzinfo=SEOUL)


def at(minutes_ago: float) -> str:
    """A timestamp as checker.progress writes it, `minutes_ago` before NOW."""
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S%z")


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The first four exercises (chapters 0 and 1): the real data, a readable size."""
    return Registry(default_registry().exercises[:4])


@pytest.fixture(scope="module")
def ids(registry: Registry) -> list[str]:
    return [exercise.id for exercise in registry.exercises]


def working(exercise: str, *, failed: int = 0, minutes: float = 1, messages: list[str] | None = None) -> dict:
    """Progress of a learner working on `exercise` for `minutes`, with `failed` failed checks."""
    checks = {exercise: {"passed": 0, "failed": failed, "last": at(0.5), "messages": messages or []}}
    return {"passed": {}, "hints": {}, "checks": checks, "current": {"exercise": exercise, "since": at(minutes)}}


def row(registry: Registry, progress: object) -> report.LearnerRow:
    return report.build(registry, [("ada", progress)], NOW).learners[0]


def test_cells_say_passed_failed_hinted_or_untouched(registry: Registry, ids: list[str]) -> None:
    progress = {
        "passed": {ids[0]: at(20)},
        "hints": {ids[0]: 1, ids[1]: 2, ids[2]: 1},
        "checks": {
            ids[0]: {"passed": 1, "failed": 2, "last": at(20), "messages": []},
            ids[1]: {"passed": 0, "failed": 3, "last": at(2), "messages": ["the container is not running"]},
        },
    }
    cells = row(registry, progress).cells
    assert [cell.status for cell in cells] == [PASSED, FAILED, HINTED, UNTOUCHED]
    assert cells[0].passed_at == (NOW - timedelta(minutes=20)).isoformat()
    assert (cells[0].failed, cells[0].messages) == (2, ())  # a pass keeps its count, not its old messages
    assert (cells[1].failed, cells[1].hints, cells[1].messages) == (3, 2, ("the container is not running",))
    assert cells[1].last_check == (NOW - timedelta(minutes=2)).isoformat()
    assert (cells[3].failed, cells[3].hints, cells[3].last_check) == (0, 0, None)


def test_a_learner_row_has_totals_the_current_exercise_and_its_time(registry: Registry, ids: list[str]) -> None:
    progress = working(ids[1], failed=1, minutes=7, messages=["wrong port"])
    progress["passed"] = {ids[0]: at(30)}
    one = row(registry, progress)
    assert (one.name, one.passed, one.points) == ("ada", 1, registry.exercises[0].points)
    assert one.current == report.Current(ids[1], registry.exercises[1].title, at_iso(7), 7 * 60)
    assert one.messages == ("wrong port",)
    assert one.last_check == at_iso(0.5)
    assert not one.stuck


def at_iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).replace(microsecond=0).isoformat()


@pytest.mark.parametrize(
    ("failed", "minutes", "reason"),
    [
        (STUCK_FAILURES, 1, "failures"),
        (STUCK_FAILURES - 1, STUCK_MINUTES - 1, None),
        (STUCK_FAILURES - 1, STUCK_MINUTES, "time"),
        (0, STUCK_MINUTES + 5, "time"),
        (STUCK_FAILURES + 4, STUCK_MINUTES + 5, "failures"),
    ],
)
def test_stuck_is_enough_failed_checks_or_enough_minutes(
    registry: Registry, ids: list[str], failed: int, minutes: int, reason: str | None
) -> None:
    one = row(registry, working(ids[1], failed=failed, minutes=minutes))
    assert (one.stuck, one.stuck_reason) == (reason is not None, reason)


def test_nobody_is_stuck_on_an_exercise_they_passed(registry: Registry, ids: list[str]) -> None:
    progress = working(ids[1], failed=STUCK_FAILURES + 2, minutes=STUCK_MINUTES * 3)
    progress["passed"] = {ids[1]: at(1)}
    one = row(registry, progress)
    assert not one.stuck and one.messages == ()


def test_without_a_current_record_the_last_checked_exercise_counts_from_its_last_check(
    registry: Registry, ids: list[str]
) -> None:
    """Progress files written before `current` existed: the exercise checked last, timed from that check."""
    progress = {
        "passed": {},
        "hints": {},
        "checks": {
            ids[1]: {"passed": 0, "failed": 1, "last": at(40), "messages": []},
            ids[2]: {"passed": 0, "failed": 1, "last": at(12), "messages": ["no"]},
        },
    }
    one = row(registry, progress)
    assert one.current is not None
    assert (one.current.exercise, one.current.seconds) == (ids[2], 12 * 60)
    assert one.stuck_reason == "time"
    assert row(registry, {}).current is None


def test_pass_rate_per_exercise(registry: Registry, ids: list[str]) -> None:
    learners = [(f"l{n}", {"passed": {ids[0]: at(5)} if n < 3 else {}}) for n in range(4)]
    view = report.build(registry, learners, NOW)
    assert [(c.id, c.passed, c.pass_rate) for c in view.exercises[:2]] == [(ids[0], 3, 0.75), (ids[1], 0, 0.0)]
    empty = report.build(registry, [], NOW)
    assert {c.pass_rate for c in empty.exercises} == {0.0}
    assert [(c.number, c.exercises) for c in view.chapters] == [(0, (ids[0],)), (1, tuple(ids[1:]))]


def test_csv_has_one_row_per_learner_and_exercise(registry: Registry, ids: list[str]) -> None:
    progress = working(ids[1], failed=2, messages=['=HYPERLINK("http://x")', "port 8080 is closed"])
    progress["passed"] = {ids[0]: at(9)}
    progress["hints"] = {ids[1]: 1}
    view = report.build(registry, [("ada", progress), ("bo", {})], NOW)
    rows = list(csv.DictReader(io.StringIO(view.to_csv())))
    assert tuple(rows[0]) == report.CSV_COLUMNS
    assert [(r["learner"], r["exercise"]) for r in rows] == [(who, ex) for who in ("ada", "bo") for ex in ids]
    first, second = rows[0], rows[1]
    assert (first["passed"], first["passed_at"], first["chapter"]) == ("True", at_iso(9), "0")
    assert first["title"] == registry.exercises[0].title
    assert (second["passed"], second["failed_checks"], second["hints"]) == ("False", "2", "1")
    assert second["last_check"] == at_iso(0.5)
    # a cell that would start like a formula is shown by a spreadsheet, never run
    assert second["last_messages"] == '\'=HYPERLINK("http://x") | port 8080 is closed'


def test_json_is_the_whole_view(registry: Registry, ids: list[str]) -> None:
    view = report.build(registry, [("ada", working(ids[1], failed=STUCK_FAILURES))], NOW)
    data = json.loads(view.to_json())
    assert set(data) == {"generated", "rules", "summary", "chapters", "exercises", "learners"}
    assert data["rules"] == {"stuck_failures": STUCK_FAILURES, "stuck_minutes": STUCK_MINUTES}
    assert data["summary"] == {"learners": 1, "exercises": 4, "stuck": 1, "passed": 0}
    learner = data["learners"][0]
    assert list(learner["cells"]) == ids
    assert learner["cells"][ids[1]]["status"] == FAILED
    assert (learner["stuck"], learner["stuck_reason"], learner["current"]["exercise"]) == (True, "failures", ids[1])
    assert data["generated"] == NOW.isoformat()


HOSTILE = [
    {"passed": 5, "checks": {"x": "<script>"}},
    "not a dict",
    None,
    [1, 2],
    {"passed": [], "hints": "many", "checks": [], "current": "now"},
    {"checks": {"first-look": {"failed": "<script>", "passed": None, "last": 12, "messages": "<b>"}}},
    {"checks": {"first-look": {"failed": True, "last": "x" * 10_000, "messages": [1, None, {"a": 1}]}}},
    {"checks": {"first-look": {"failed": float("nan")}}, "hints": {"first-look": float("inf")}},
    {"current": {"exercise": ["first-look"], "since": {"t": 1}}},
    {"current": {"exercise": "no-such-exercise", "since": "yesterday"}},
    {"passed": {"no-such-exercise": "<img src=x>"}, "hints": {"no-such-exercise": 3}},
    {"checks": {"first-look": {"last": "0001-01-01T00:00:00+14:00"}}, "current": {"since": "9999-12-31T23:59:59"}},
]


@pytest.mark.parametrize("progress", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_progress_never_breaks_the_view(registry: Registry, progress: object) -> None:
    view = report.build(registry, [("mallory", progress)], NOW)
    one = view.learners[0]
    assert one.passed == 0 and not one.stuck and one.current is None
    assert {cell.status for cell in one.cells} <= {UNTOUCHED, HINTED}
    assert all(isinstance(cell.failed, int) and isinstance(cell.hints, int) for cell in one.cells)
    json.loads(view.to_json())
    view.to_csv()


def test_hostile_values_are_clamped_and_cut(registry: Registry, ids: list[str]) -> None:
    progress = working(ids[1], failed=10**30, messages=["x" * 100_000, 7, "ok", "three", "four"])  # type: ignore[list-item]
    progress["hints"] = {ids[1]: 10**9, ids[2]: -4}
    progress["current"]["since"] = (NOW + timedelta(hours=3)).isoformat()  # a learner clock ahead of ours
    one = row(registry, progress)
    cell = one.cell(ids[1])
    assert cell.failed == report.COUNT_MAX
    assert cell.hints == len(registry.exercises[1].hints)
    assert one.cell(ids[2]).hints == 0
    assert [len(m) for m in cell.messages] == [report.MESSAGE_CHARS, 2, 5]
    assert one.current is not None and one.current.seconds == 0


def test_a_pass_is_an_id_under_passed_whatever_its_time(registry: Registry, ids: list[str]) -> None:
    """What passed is the learner's word: the dashboard helps, the grader grades."""
    one = row(registry, {"passed": {ids[0]: None, ids[1]: "not a time"}})
    assert [(c.status, c.passed_at) for c in one.cells[:2]] == [(PASSED, None), (PASSED, None)]


def test_a_naive_time_is_this_machines_local_time(registry: Registry, ids: list[str]) -> None:
    naive = (NOW - timedelta(minutes=3)).astimezone().replace(tzinfo=None).isoformat()
    one = row(registry, {"current": {"exercise": ids[1], "since": naive}})
    assert one.current is not None and one.current.seconds == 180


def test_collect_reads_the_workshops_learners(
    registry: Registry, ids: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSE_WORKSHOP_DIR", str(tmp_path / "workshop"))
    for index, name in enumerate(("ada", "bo")):
        learner = state.Learner(name, f"dcsb-{name}", index, str(tmp_path / name), 0.0)
        learner.save()
        learner.progress_file.parent.mkdir(parents=True)
        if name == "ada":
            learner.progress_file.write_text(json.dumps(working(ids[1], failed=STUCK_FAILURES)), encoding="utf-8")
    view = report.collect(registry, NOW)
    assert [(one.name, one.stuck) for one in view.learners] == [("ada", True), ("bo", False)]
