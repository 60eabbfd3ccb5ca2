"""A Korean submission gets Korean feedback; `verify --lang ko` holds the Korean notebooks to the English ones.

No daemon: the grades are made by hand, and the submissions graded here cannot be read or name no exercise.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from korean import speak_korean

from checker import settings
from checker.registry import default_registry
from checker.results import CheckResult
from course import verify
from course.grading import feedback
from course.grading.gradebook import PASSED, TIMEOUT, ExerciseGrade, SubmissionGrade
from course.grading.submission import failed_grade, grade_submission

TITLE = "Run your first named container"


@pytest.fixture
def korean(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    speak_korean(
        request,
        monkeypatch,
        tmp_path,
        {
            "passed": "통과",
            "a cell timed out": "셀이 시간 제한을 넘김",
            "{mark} {title} ({exercise}): {status}, {points}/{max_points} points": (
                "{mark} {title} ({exercise}): {status}, {points}/{max_points}점"
            ),
            "Feedback for {learner}": "{learner} 님의 피드백",
            "Total: {total} of {max_points} points": "합계: {max_points}점 만점에 {total}점",
            "not graded: {reason}": "채점하지 못했습니다: {reason}",
            "the notebook cannot be read ({kind}: {detail})": "노트북을 읽을 수 없습니다({kind}: {detail})",
            TITLE: "이름 붙인 첫 컨테이너 실행하기",
        },
    )
    monkeypatch.setenv(settings.LANG.name, "en")  # the grader speaks English; the submissions decide


def _grade(lang: str) -> SubmissionGrade:
    grade = SubmissionGrade("alice", "alice.ko.ipynb", lang=lang)
    grade.exercises = [
        ExerciseGrade("warmup-hello", TITLE, PASSED, 1.0, 1.0, (CheckResult("logs", True, "found", ""),)),
        ExerciseGrade("other", "", TIMEOUT, 0.0, 2.0, (), ["cell 3 …"]),
    ]
    return grade


def test_a_korean_submission_s_feedback_is_korean(korean) -> None:
    page = feedback.render(_grade("ko"))
    assert '<html lang="ko">' in page
    assert "alice 님의 피드백" in page
    assert "합계: 3점 만점에 <b>1</b>점" in page
    assert "✔ 이름 붙인 첫 컨테이너 실행하기 (warmup-hello): 통과, 1/1점" in page
    assert "셀이 시간 제한을 넘김" in page


def test_an_english_submission_s_feedback_stays_english(korean) -> None:
    page = feedback.render(_grade("en"))
    assert '<html lang="en">' in page and "Feedback for alice" in page
    assert f"✔ {TITLE} (warmup-hello): passed, 1/1 points" in page


def test_the_language_travels_with_the_grade() -> None:
    assert SubmissionGrade.from_dict(_grade("ko").to_dict()).lang == "ko"
    assert SubmissionGrade.from_dict({"learner": "a", "submission": "a.ipynb", "exercises": []}).lang == "en"


def test_an_unreadable_korean_submission_is_told_in_korean(korean, tmp_path: Path) -> None:
    path = tmp_path / "bob.ko.ipynb"
    path.write_text("not json")
    grade = grade_submission(path, "bob", timeout=10)
    assert grade.lang == "ko"
    assert grade.error is not None and grade.error.startswith("노트북을 읽을 수 없습니다")


def test_a_failed_grade_is_in_the_submission_s_language(korean, tmp_path: Path) -> None:
    english = nbformat.read(str(settings.NOTEBOOKS_DIR / "00-start-here.ipynb"), as_version=4)
    path = tmp_path / "carol.ko.ipynb"
    nbformat.write(english, str(path))
    grade = failed_grade(path, "carol", "the sandbox died", 0.0)
    assert grade.lang == "ko"
    assert grade.exercises and grade.exercises[0].notes == ["채점하지 못했습니다: the sandbox died"]


def _cells(*sources: tuple[str, str | None]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source in sources:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            cell = nbformat.v4.new_code_cell(source)
            if kind == "answer":
                cell.metadata["course"] = {"exercise": "warmup-hello", "role": "answer"}
            nb.cells.append(cell)
    return nb


def test_a_translation_keeps_the_exercise_cells() -> None:
    english = _cells(("md", "# Start"), ("code", "# show it\n!docker ps"), ("answer", "!docker run x"))
    korean = _cells(("md", "# 시작"), ("code", "# 확인해 봅니다\n!docker ps"), ("answer", "!docker run x"))
    assert verify.translation_problems(english, korean) == []
    changed = _cells(("md", "# 시작"), ("code", "!docker ps"), ("answer", "!docker run y"))
    assert verify.translation_problems(english, changed) == [
        "cell 3 (exercise warmup-hello, answer) differs from English"
    ]
    shorter = _cells(("md", "# 시작"), ("answer", "!docker run x"))
    assert verify.translation_problems(english, shorter) == ["it has 2 cells, the English notebook 3"]


def test_a_translation_is_verified_as_its_english_notebook(tmp_path: Path) -> None:
    for name in ("00-start-here.ipynb", "00-start-here.ko.ipynb"):
        (tmp_path / name).write_text("{}")
    names = verify._notebooks_to_run(default_registry(), 0, tmp_path)
    assert names == ["00-start-here"]
    report = verify.NotebookReport("00-start-here", lang="ko")
    assert report.file == "00-start-here.ko.ipynb" and report.to_dict()["file"] == "00-start-here.ko.ipynb"
