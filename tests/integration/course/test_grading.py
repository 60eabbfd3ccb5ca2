"""`python -m course grade`: grades come from the grader's own checks, never from the notebook.

Every submission is built from the real notebooks/00-start-here.ipynb and
graded by the real CLI, with real kernels, against the real daemon. The
gradebook's contents are asserted per learner: points, status, checks and
messages. One grading run covers all the learners, so their order also proves
that one learner's state never reaches the next.
"""

from __future__ import annotations

import copy
import csv
import html
import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from checker import settings
from checker.registry import default_registry
from course.grading.gradebook import ExerciseGrade, SubmissionGrade
from course.grading.headless import ExercisePlan, plan_exercises, solved_copy
from course.grading.run import learner_names
from course.notebook.cells import ROLE_ANSWER, ROLE_CHECK, cell_role

from support import run_course, verify_with_a_wrong_solution

EXERCISE = "warmup-hello"
NOTEBOOK = settings.NOTEBOOKS_DIR / "00-start-here.ipynb"
CELL_TIMEOUT = "8"
FAKE_PASS = "✔ warmup-hello: passed (1/1 points)"


def _starter() -> Any:
    return nbformat.read(str(NOTEBOOK), as_version=4)


def _cells(nb: Any, role: str) -> list[int]:
    return [i for i, cell in enumerate(nb.cells) if cell_role(cell) == (EXERCISE, role)]


def _with_answer(source: str) -> Any:
    nb = _starter()
    nb.cells[_cells(nb, ROLE_ANSWER)[0]].source = source
    return nb


def _solution() -> str:
    return default_registry().get(EXERCISE).solution[0].cell_source


def _wrong_answer() -> str:
    wrong = next(w for w in default_registry().get(EXERCISE).wrong if "misspelt" in w.title)
    return wrong.steps[0].cell_source


def build_submissions(folder: Path) -> dict[str, Path]:
    """The learners, in grading order: the endless loop first, so the next learner proves it left nothing."""
    notebooks: dict[str, Any] = {}
    notebooks["looper"] = _with_answer("while True:\n    pass\n")
    notebooks["solved"] = solved_copy(_starter(), [default_registry().get(EXERCISE)])
    notebooks["blank"] = _starter()

    deleted = _with_answer(_solution())
    del deleted.cells[_cells(deleted, ROLE_CHECK)[0]]
    notebooks["nocheck"] = deleted

    faker = _with_answer(_wrong_answer())
    check_cell = faker.cells[_cells(faker, ROLE_CHECK)[0]]
    check_cell.source = f'print("{FAKE_PASS}")'
    check_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=FAKE_PASS + "\n")]
    check_cell.execution_count = 3
    faker.cells.insert(_cells(faker, ROLE_ANSWER)[0] + 1, nbformat.v4.new_code_cell(f'print("{FAKE_PASS}")'))
    notebooks["faker"] = faker

    # An endless loop in a demo cell before the exercise: the kernel is replaced and grading goes on.
    loop_first = _with_answer(_solution())
    loop_first.cells.insert(_cells(loop_first, ROLE_ANSWER)[0] - 1, nbformat.v4.new_code_cell("while True:\n    pass"))
    notebooks["loopfirst"] = loop_first

    # A Korean learner's notebook (the .ko.ipynb, renamed as a submission is): the same exercise cells.
    korean = nbformat.read(str(NOTEBOOK.with_name(NOTEBOOK.stem + ".ko.ipynb")), as_version=4)
    korean.cells[_cells(korean, ROLE_ANSWER)[0]].source = _wrong_answer()
    notebooks["hangeul"] = korean

    notebooks["crasher"] = _with_answer("import os\nos._exit(1)\n")
    notebooks["raiser"] = _with_answer(_solution().rstrip() + "\nexit 3\n")

    paths = {}
    for name, nb in notebooks.items():
        paths[name] = folder / f"{name}.ipynb"
        nbformat.write(nb, str(paths[name]))
    paths["garbage"] = folder / "garbage.ipynb"
    paths["garbage"].write_text("{ this is not a notebook", encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("grades")
    paths = build_submissions(folder)
    proc = run_course("grade", *map(str, paths.values()), "--out", str(out), "--timeout", CELL_TIMEOUT, timeout=1200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    book = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        "out": out,
        "proc": proc,
        "book": book,
        "rows": rows,
        "learners": {entry["learner"]: entry for entry in book["learners"]},
    }


def _exercise(graded: dict[str, Any], learner: str) -> dict[str, Any]:
    (entry,) = graded["learners"][learner]["exercises"]
    assert entry["exercise"] == EXERCISE
    return entry


def _row(graded: dict[str, Any], learner: str) -> dict[str, str]:
    (row,) = [r for r in graded["rows"] if r["learner"] == learner]
    return row


@pytest.mark.docker
@pytest.mark.slow
def test_a_solved_notebook_gets_full_points(graded) -> None:
    entry = _exercise(graded, "solved")
    assert (entry["status"], entry["points"], entry["max_points"]) == ("passed", 1.0, 1.0)
    assert entry["checks_passed"] == entry["checks_total"] == 4
    assert all(check["passed"] for check in entry["checks"])
    learner = graded["learners"]["solved"]
    assert (learner["total"], learner["max"], learner["error"], learner["grading_failed"]) == (1.0, 1.0, None, False)
    assert _row(graded, "solved") == {
        "learner": "solved",
        "exercise": EXERCISE,
        "points": "1",
        "max_points": "1",
        "checks_passed": "4",
        "checks_total": "4",
        "status": "passed",
        "messages": "",
    }


@pytest.mark.docker
@pytest.mark.slow
def test_a_blank_notebook_scores_zero_with_the_reason(graded) -> None:
    entry = _exercise(graded, "blank")
    assert (entry["status"], entry["points"], entry["checks_passed"]) == ("failed", 0.0, 0)
    assert "There is no container named 'hello-course'" in entry["messages"][0]
    row = _row(graded, "blank")
    assert (row["points"], row["status"]) == ("0", "failed")
    assert "There is no container named 'hello-course'" in row["messages"]


@pytest.mark.docker
@pytest.mark.slow
def test_deleting_the_check_cell_changes_nothing(graded) -> None:
    entry = _exercise(graded, "nocheck")
    assert (entry["status"], entry["points"], entry["checks_passed"]) == ("passed", 1.0, 4)


@pytest.mark.docker
@pytest.mark.slow
def test_faked_outputs_gain_nothing(graded) -> None:
    entry = _exercise(graded, "faker")
    assert (entry["status"], entry["points"]) == ("failed", 0.0)
    assert entry["checks_passed"] == 3 and entry["checks_total"] == 4
    assert any("do not contain 'Hello, Docker!'" in m for m in entry["messages"])
    assert not any(FAKE_PASS in m for m in entry["messages"])
    assert "do not contain 'Hello, Docker!'" in _row(graded, "faker")["messages"]


@pytest.mark.docker
@pytest.mark.slow
def test_an_endless_loop_scores_zero_and_grading_continues(graded) -> None:
    entry = _exercise(graded, "looper")
    assert (entry["status"], entry["points"]) == ("timeout", 0.0)
    assert any(f"did not finish within {CELL_TIMEOUT} s" in m for m in entry["messages"])
    assert _row(graded, "looper")["status"] == "timeout"
    # The kernel was replaced, with the notebook's imports replayed: later cells still ran.
    assert not any("NameError" in note for note in graded["learners"]["looper"]["notes"])
    # The next learner was graded normally.
    assert _exercise(graded, "solved")["status"] == "passed"


@pytest.mark.docker
@pytest.mark.slow
def test_an_endless_loop_outside_the_exercise_blocks_nothing(graded) -> None:
    entry = _exercise(graded, "loopfirst")
    assert (entry["status"], entry["points"]) == ("passed", 1.0)
    notes = graded["learners"]["loopfirst"]["notes"]
    assert any(f"did not finish within {CELL_TIMEOUT} s" in n and "not part of an exercise" in n for n in notes)


@pytest.mark.docker
@pytest.mark.slow
def test_a_dead_kernel_scores_zero(graded) -> None:
    entry = _exercise(graded, "crasher")
    assert (entry["status"], entry["points"]) == ("kernel-died", 0.0)
    assert any("kernel died" in m for m in entry["messages"])


@pytest.mark.docker
@pytest.mark.slow
def test_an_answer_cell_that_raises_is_never_a_pass(graded) -> None:
    """The container is right, but the cell failed: the daemon's state does not rescue it."""
    entry = _exercise(graded, "raiser")
    assert (entry["status"], entry["points"]) == ("error", 0.0)
    assert entry["checks_passed"] == 4
    assert any("CalledProcessError" in m for m in entry["messages"])


@pytest.mark.docker
@pytest.mark.slow
def test_an_unreadable_notebook_is_a_grade_not_a_crash(graded) -> None:
    learner = graded["learners"]["garbage"]
    assert learner["error"].startswith("the notebook cannot be read")
    assert learner["exercises"] == [] and learner["total"] == 0
    assert _row(graded, "garbage")["status"] == "invalid-submission"
    assert graded["book"]["grading_failed"] is False


@pytest.mark.docker
@pytest.mark.slow
def test_one_feedback_page_per_learner(graded) -> None:
    pages = {path.stem for path in graded["out"].glob("*.html")}
    assert pages == set(graded["learners"])
    looper = (graded["out"] / "looper.html").read_text(encoding="utf-8")
    assert "a cell timed out, 0/1 points" in looper and "course-check" in looper
    solved = (graded["out"] / "solved.html").read_text(encoding="utf-8")
    assert "passed, 1/1 points" in solved and "Total: <b>1</b> of 1 points" in solved


@pytest.mark.docker
@pytest.mark.slow
def test_a_korean_learner_gets_korean_feedback(graded) -> None:
    from checker import i18n

    wrong = next(w for w in default_registry().get(EXERCISE).wrong if "misspelt" in w.title)
    entry = _exercise(graded, "hangeul")
    assert entry["points"] == 0
    page = (graded["out"] / "hangeul.html").read_text(encoding="utf-8")
    expected = i18n.translations("ko").gettext(wrong.expect)
    assert re.search("[\uac00-\ud7a3]", expected) and html.escape(expected) in page
    english = (graded["out"] / "faker.html").read_text(encoding="utf-8")
    assert not re.search("[\uac00-\ud7a3]", english), "an English learner's feedback has Korean in it"


@pytest.mark.docker
def test_a_daemon_that_is_down_is_a_grading_failure(tmp_path: Path) -> None:
    submission = tmp_path / "alice.ipynb"
    nbformat.write(_starter(), str(submission))
    proc = run_course(
        "grade", str(submission), "--out", str(tmp_path / "out"), env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    )
    assert proc.returncode == 2
    assert "Docker daemon is not running or cannot be reached" in proc.stderr


@pytest.mark.docker
@pytest.mark.slow
def test_verify_runs_every_notebook_headless() -> None:
    proc = run_course("verify", "--chapter", "0", "--json", timeout=600)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (notebook,) = report["notebooks"]
    assert notebook["notebook"] == "00-start-here" and notebook["ok"]
    assert notebook["exercises"] == {EXERCISE: "passed"}


@pytest.mark.docker
@pytest.mark.slow
def test_verify_headless_fails_when_a_solution_is_wrong(tmp_path: Path) -> None:
    proc = verify_with_a_wrong_solution(tmp_path)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1
    (notebook,) = report["notebooks"]
    assert not notebook["ok"] and notebook["exercises"] == {EXERCISE: "failed"}
    assert any("do not contain 'Hello, Docker!'" in p for p in notebook["problems"])


# Pure logic: no daemon needed.


def test_exercises_are_found_by_metadata_and_anchored_when_deleted() -> None:
    nb = _starter()
    (plan,) = plan_exercises(nb, [default_registry().get(EXERCISE)])
    assert plan.cells == (_cells(nb, ROLE_ANSWER)[0], _cells(nb, ROLE_CHECK)[0])
    assert plan.check_after == _cells(nb, ROLE_CHECK)[0]
    stripped = copy.deepcopy(nb)
    for cell in stripped.cells:
        cell.metadata.pop("course", None)
    (missing,) = plan_exercises(stripped, [default_registry().get(EXERCISE)])
    assert isinstance(missing, ExercisePlan) and not missing.present and missing.anchor is None


def test_learner_names_are_unique_file_names() -> None:
    paths = [Path("a/alice.ipynb"), Path("b/alice.ipynb"), Path("bob smith.ipynb"), Path("gradebook.ipynb")]
    assert learner_names(paths) == ["alice", "alice-2", "bob_smith", "gradebook-learner"]


def test_a_grade_survives_its_json_round_trip() -> None:
    from checker.results import CheckResult

    grade = SubmissionGrade(
        "alice",
        "alice.ipynb",
        [ExerciseGrade(EXERCISE, "t", "timeout", 0.0, 1.0, (CheckResult("c", False, "m", "h"),), ["cell 8 …"])],
    )
    again = SubmissionGrade.from_dict(json.loads(json.dumps(grade.to_dict())))
    assert again.to_dict() == grade.to_dict()
