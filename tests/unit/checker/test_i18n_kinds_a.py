"""Korean messages of the container, image, build, layer, mount, workspace and network kinds (and their facts).

The catalogue is read as the learner's process reads it (checker.i18n), from a
temporary locale folder: these tests prove that the templates are translated
before they are filled, that every Korean template fills without error, and
that English stays the source text when no language is chosen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docker.errors
import pytest

from checker import i18n, settings
from checker.context import CheckContext
from checker.facts.containers import status_line
from checker.facts.dockerfile import dockerfile_mistakes
from checker.facts.networks import Attempt, classify
from checker.kinds import get_kind

CATALOGUE = i18n.catalogue_path("ko")  # the course's own: these tests read what learners get


class FakeApi:
    def __init__(self, containers: dict[str, dict[str, Any]]) -> None:
        self.containers = containers

    def inspect_container(self, name: str) -> dict[str, Any]:
        if name not in self.containers:
            raise docker.errors.NotFound(f"No such container: {name}")
        return self.containers[name]


class FakeClient:
    def __init__(self, api: FakeApi) -> None:
        self.api = api


@pytest.fixture
def ctx(tmp_path: Path) -> CheckContext:
    exited = {"Id": "1", "Name": "/job", "State": {"Status": "exited", "Running": False, "ExitCode": 1}}
    web = {"Id": "2", "Name": "/web", "State": {"Status": "running", "Running": True}, "HostConfig": {}}
    return CheckContext("unit", tmp_path, _client=FakeClient(FakeApi({"job": exited, "web": web})))


def test_a_check_name_is_translated_before_it_is_filled(korean: None) -> None:
    assert get_kind("container_running").title({"container": "web"}) == "web 컨테이너가 실행 중임"
    assert get_kind("dockerfile_builds").title({"context": "app", "tag": "app:v1"}) == (
        "app의 Dockerfile이 빌드되어 app:v1 태그가 붙음"
    )


def test_a_kind_says_why_in_korean(korean: None, ctx: CheckContext) -> None:
    state = get_kind("container_state").func(ctx, container="job", status="running")
    assert state.message == "상태가 종료됨(종료 코드 1)입니다(기대한 상태: running)."
    removed = get_kind("auto_remove").func(ctx, container="web")
    assert (removed.message, removed.hint) == ("멈춘 뒤에도 삭제되지 않고 남습니다.", "`--rm`을 추가하세요")


def test_a_plural_and_the_dockerfile_lines_in_korean(korean: None, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY app.py\nRUN pip install -r packages.txt\n")
    outcome = get_kind("dockerfile_avoids_mistakes").func(CheckContext("unit", tmp_path), path="Dockerfile")
    assert outcome.message.startswith("실수가 3개 남아 있습니다:\n  1. 2번째 줄 `COPY app.py`에 대상 경로가 없습니다")
    assert "3번째 줄 `RUN pip install -r packages.txt`에서 이미지에 아직 없는 packages.txt 파일을 읽습니다" in (
        outcome.message
    )
    assert outcome.hint == "파일 위쪽부터 하나씩 고치세요"


def test_facts_speak_korean_too(korean: None) -> None:
    assert status_line({"Status": "restarting", "ExitCode": 2}) == "재시작 중(계속 비정상 종료됨, 종료 코드 2)"
    reason = classify(Attempt(1, "ping: bad address 'db'"), "db", 5432).reason
    assert reason == "'db' 이름을 해석할 수 없음(이 이름을 DNS로 알려 주는 공유 네트워크가 없음)"
    assert dockerfile_mistakes("FROM x\nWORKDIR /app\n", "packages.txt") == []


def test_english_stays_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.LANG.name, "en")
    assert get_kind("container_running").title({"container": "web"}) == "container web is running"
    assert status_line({"Status": "exited", "ExitCode": 3}) == "exited with code 3"
