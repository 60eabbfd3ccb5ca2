"""Korean messages of the Compose, registry, volume, backup, ownership, production-image and debugging kinds,
of the errors a learner sees when Docker itself is the problem, and of the result headline.

The catalogue is read as the learner's process reads it (checker.i18n), from a
temporary locale folder: these tests prove that templates are translated before
they are filled, that every Korean template fills without error, and that
English stays byte for byte the source text when no language is chosen.
"""

from __future__ import annotations

import threading

import docker.errors
import pytest
import requests

from checker import i18n, settings
from checker.deadline import run_within
from checker.engine import _not_checked
from checker.errors import CheckTimeout, DaemonUnavailable, explain
from checker.facts.archives import first_difference
from checker.facts.events import signal_name
from checker.facts.production import Stage
from checker.kinds import get_kind
from checker.kinds.compose_services import not_up
from checker.kinds.registries import unreachable
from checker.results import CheckResult, ExerciseResult

CATALOGUE = i18n.catalogue_path("ko")  # the course's own: these tests read what learners get


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.LANG.name, "en")


def _result(passed: bool) -> ExerciseResult:
    check = CheckResult("check 0", passed, "fine" if passed else "broken")
    return ExerciseResult("demo", (check,), 1.0 if passed else 0.0, 1.0, "Demo")


def test_a_daemon_that_is_down_is_explained_in_korean(korean: None) -> None:
    error = explain(requests.exceptions.ConnectionError("refused"))
    assert isinstance(error, DaemonUnavailable)
    assert error.problem == "Docker 데몬이 실행 중이 아니거나 연결할 수 없습니다."
    assert error.fix.startswith("Docker를 시작한 뒤(예: `sudo systemctl start docker`")
    assert str(error) == f"{error.problem} → {error.fix}"


def test_a_typo_in_an_image_name_is_explained_in_korean(korean: None) -> None:
    error = explain(docker.errors.ImageNotFound("No such image: busybx:1.35"))
    assert error.problem == "이미지를 찾을 수 없습니다: No such image: busybx:1.35."
    assert "오타" in error.fix and "`docker images`" in error.fix


def test_the_headline_keeps_its_marks(korean: None) -> None:
    assert _result(True).headline() == "✔ demo: 통과 (1/1점)"
    assert _result(False).headline() == "✘ demo: 아직 통과하지 못함 (0/1점)"
    failed = ExerciseResult("demo", (), 0.0, 1.0, error="x")
    assert failed.headline() == "✘ demo: 검사할 수 없음"
    assert _not_checked("b", "a").message == "검사하지 않았습니다: 먼저 “a” 항목을 해결하세요."


def test_a_timeout_says_what_hung_in_korean(korean: None) -> None:
    release = threading.Event()
    with pytest.raises(CheckTimeout) as raised:
        run_within(0.05, lambda: release.wait(5), "demo 검사")
    release.set()
    assert raised.value.problem == "demo 검사: 0.05초 안에 끝나지 않았습니다."
    assert raised.value.fix.startswith("무언가가 멈춰 있습니다")


def test_kinds_and_their_facts_speak_korean(korean: None) -> None:
    assert get_kind("volume_exists").title({"volume": "data"}) == "data 볼륨이 있음"
    missing = not_up("shop")
    assert missing.message == "Compose 프로젝트 'shop'에 컨테이너가 없습니다."
    assert "`-p shop`" in missing.hint
    down = unreachable(5000, "nothing")
    assert down.message == "포트 5000번의 레지스트리가 응답하지 않았습니다: nothing."
    assert signal_name(None) == "시그널 없음" and signal_name(15) == "SIGTERM (15)"
    assert first_difference(b"a\nb\n", b"a\nc\n") == "2번째 줄: 복사본은 'c', 컨테이너의 파일은 'b'"
    assert Stage(0, "debian:bookworm-slim", "build", None).label == "0번 스테이지(`FROM debian:bookworm-slim AS build`)"


def test_english_is_unchanged(english: None) -> None:
    assert _result(True).headline() == "✔ demo: passed (1/1 points)"
    assert _result(False).headline() == "✘ demo: not yet (0/1 points)"
    assert _not_checked("b", "a").message == "not checked: first fix “a”."
    assert not_up("shop").message == "Compose project 'shop' has no containers."
    assert first_difference(b"a\n", b"a\nb\n") == "it has 2 line(s), the container's file 1"
    assert Stage(1, "scratch", "", None).label == "stage 1 (`FROM scratch`)"
    error = explain(requests.exceptions.ConnectionError("refused"))
    assert error.fix == (
        "start Docker (e.g. `sudo systemctl start docker` or `sudo dockerd &`), then run `python -m course doctor`"
    )
