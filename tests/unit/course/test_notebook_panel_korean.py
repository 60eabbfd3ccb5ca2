"""The check panel, hints and progress in Korean (COURSE_LANG=ko, with a catalogue the test writes).

The buttons, the title, the hints and the chapter titles come out of the catalogue; the exercise's id and the
check structure do not change; and with English the panel says exactly what it always said.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from korean import speak_korean

from checker import api, settings
from course.notebook import messages
from course.notebook import panel as ui
from course.notebook.progress_view import compute

pytestmark = pytest.mark.usefixtures("progress_file")


@pytest.fixture
def korean(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warmup) -> None:
    speak_korean(
        request,
        monkeypatch,
        tmp_path,
        {
            "Check": "확인",
            "Hint": "힌트",
            "Reset": "초기화",
            "Run the checks again": "검사를 다시 실행합니다",
            "{points} point(s)": "{points}점",
            "Hint {level} of {total}: {text}": "힌트 {level}/{total}: {text}",
            "Reference solution, to compare with yours:": "정답 예시 — 내 답과 비교해 보세요:",
            "{exercise}: not checked yet": "{exercise}: 아직 확인하지 않았습니다",
            "checking…": "확인하는 중…",
            "{count} containers": "컨테이너 {count}개",
            "removed {parts}": "{parts}를 제거했습니다",
            "Start here": "시작하기",
            warmup.title: "이름 붙인 첫 컨테이너 실행하기",
            warmup.hints[0]: "`docker run`을 떠올려 보세요.",
        },
    )


def test_buttons_in_korean(korean, warmup, warmup_result) -> None:
    panel = ui.CheckPanel(warmup, warmup_result(False), background=False)
    assert [b.description for b in (panel.check_button, panel.hint_button, panel.reset_button)] == [
        "확인",
        "힌트",
        "초기화",
    ]
    assert panel.check_button.tooltip == "검사를 다시 실행합니다"
    title = panel.children[0].value
    assert "이름 붙인 첫 컨테이너 실행하기" in title and "1점" in title and warmup.id in title


def test_the_busy_text_in_korean(korean, warmup) -> None:
    panel = ui.CheckPanel(warmup, None, background=False)
    panel._set_busy(True, ui.CHECKING)
    assert "확인하는 중…" in panel.status.value
    assert panel.text() == f"{warmup.id}: 아직 확인하지 않았습니다"


def test_hints_in_korean(korean, warmup, warmup_result) -> None:
    panel = ui.CheckPanel(warmup, warmup_result(False), background=False)
    panel.reveal_hint()
    assert "힌트 1/" in panel.hints_view.value
    assert "<code>docker run</code>을 떠올려 보세요." in panel.hints_view.value
    assert messages.hint_text(api.Hint(warmup.id, 1, 4, warmup.hints[0])) == "힌트 1/4: `docker run`을 떠올려 보세요."


def test_the_solution_heading_in_korean(korean, warmup, warmup_result) -> None:
    panel = ui.CheckPanel(warmup, warmup_result(True), background=False)
    assert "정답 예시 — 내 답과 비교해 보세요:" in panel.text()


def test_what_a_reset_removed_in_korean(korean) -> None:
    from checker.cleanup import Removed

    assert messages.removed_text(Removed(containers=["a", "b"])) == "컨테이너 2개를 제거했습니다"


def test_progress_in_korean(korean) -> None:
    from checker.registry import default_registry

    text = str(compute(default_registry()))
    assert text.startswith("00 시작하기")
    assert compute(default_registry()).to_dict()["chapters"][0]["title"] == "Start here"  # JSON stays English


def test_english_is_unchanged(monkeypatch: pytest.MonkeyPatch, warmup, warmup_result) -> None:
    from checker.cleanup import Removed

    monkeypatch.setenv(settings.LANG.name, "en")
    panel = ui.CheckPanel(warmup, warmup_result(False), background=False)
    assert [b.description for b in (panel.check_button, panel.hint_button, panel.reset_button)] == [
        "Check",
        "Hint",
        "Reset",
    ]
    assert f"<b>{warmup.title}</b>" in panel.children[0].value and "1 point(s)" in panel.children[0].value
    assert messages.removed_text(Removed(containers=["a"], files=["f", "g"])) == "removed 1 containers, 2 files"
    assert messages.removed_text(Removed()) == "nothing to remove"
    assert messages.hint_text(api.Hint(warmup.id, 1, 4, "use `x`")) == "Hint 1 of 4: use `x`"
