"""Which language the course speaks (checker.i18n, course.cli_language, course.notebook.languages).

The order: `--lang` / COURSE_LANG, then the language `lab --lang` remembered in the progress file, then the
locale, then English. And which notebook, in which language, a learner opens or a submission is written in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker import i18n, progress, settings
from course import cli, cli_language
from course.notebook import languages

pytestmark = pytest.mark.usefixtures("progress_file")


@pytest.fixture(autouse=True)
def no_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing chooses a language but what each test sets; whatever a test sets (even through `i18n.use`)
    is undone afterwards."""
    for name in (settings.LANG.name, *i18n.LOCALE_VARIABLES):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_english_when_nothing_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.language() == "en"


def test_a_korean_locale_gives_korean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert i18n.language() == "ko"


def test_lc_all_comes_before_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert i18n.language() == "en"


def test_the_remembered_language_comes_before_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    progress.remember_language("ko")
    assert i18n.language() == "ko"
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    progress.remember_language("en")
    assert i18n.language() == "en"


def test_course_lang_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    progress.remember_language("en")
    monkeypatch.setenv(settings.LANG.name, "ko")
    assert i18n.language() == "ko"


def test_an_unknown_course_lang_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.LANG.name, "xx")
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert i18n.language() == "ko"


def test_remembering_keeps_the_progress(progress_file: Path) -> None:
    progress.record_pass("warmup-hello")
    progress.remember_language("ko")
    data = progress.load()
    assert data["lang"] == "ko" and "warmup-hello" in data["passed"]
    progress.forget("warmup-hello")
    assert progress.load()["lang"] == "ko"


def test_nothing_is_remembered_without_progress(monkeypatch: pytest.MonkeyPatch, progress_file: Path) -> None:
    monkeypatch.setenv(settings.NO_PROGRESS.name, "1")
    progress.remember_language("ko")
    assert not progress_file.exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--lang", "ko", "verify"], "ko"),
        (["verify", "--lang", "ko"], "ko"),
        (["lab", "--lang=en"], "en"),
        (["progress"], None),
        (["check", "--", "--lang"], None),
    ],
)
def test_the_command_line_language_is_read_before_parsing(argv: list[str], expected: str | None) -> None:
    assert cli_language.asked(argv) == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--lang", "ko", "lab"], "ko"),
        (["lab", "--lang", "ko"], "ko"),
        (["lab"], None),
        (["--lang", "en", "list"], "en"),
    ],
)
def test_lang_goes_before_or_after_the_command(argv: list[str], expected: str | None) -> None:
    assert cli.build_parser().parse_args(argv).lang == expected


def test_the_command_line_language_reaches_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--lang` is this process's language, and so that of every kernel and grading process it starts."""
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.setattr(cli, "cmd_list", lambda args: 0)
    assert cli.main(["list", "--lang", "en"]) == 0
    assert os.environ[settings.LANG.name] == "en" and i18n.language() == "en"


def test_notebook_files_per_language() -> None:
    assert languages.notebook_file("01-containers", "en") == "01-containers.ipynb"
    assert languages.notebook_file("01-containers", "ko") == "01-containers.ko.ipynb"
    assert languages.split_name("01-containers.ko") == ("01-containers", "ko")
    assert languages.split_name("01-containers") == ("01-containers", "en")
    assert languages.split_name("alice.v2") == ("alice.v2", "en")


def test_the_learner_opens_the_translation_when_there_is_one(tmp_path: Path) -> None:
    (tmp_path / "00-start-here.ipynb").write_text("{}")
    assert languages.shown_notebook("00-start-here", "ko", tmp_path) == "00-start-here.ipynb"
    (tmp_path / "00-start-here.ko.ipynb").write_text("{}")
    assert languages.shown_notebook("00-start-here", "ko", tmp_path) == "00-start-here.ko.ipynb"
    assert languages.shown_notebook("00-start-here", "en", tmp_path) == "00-start-here.ipynb"


def _notebook(prose: list[str], lang: str | None = None) -> dict:
    meta = {"course": {"lang": lang}} if lang else {}
    return {"metadata": meta, "cells": [{"cell_type": "markdown", "source": text} for text in prose]}


def test_a_submission_s_language(monkeypatch: pytest.MonkeyPatch) -> None:
    korean, english = ["# 컨테이너", "컨테이너를 실행해 보세요."], ["# Containers", "Run a container."]
    assert languages.notebook_language(_notebook(english, lang="ko"), Path("alice.ipynb")) == "ko"  # metadata
    assert languages.notebook_language(_notebook(english, lang="en"), Path("alice.ko.ipynb")) == "en"
    assert languages.notebook_language(_notebook(english), Path("alice.ko.ipynb")) == "ko"  # file name
    assert languages.notebook_language(_notebook(korean), Path("alice.ipynb")) == "ko"  # its prose
    assert languages.notebook_language(_notebook(english), Path("alice.ipynb")) == "en"
    monkeypatch.setenv(settings.LANG.name, "ko")  # the grader's own language, when the notebook says nothing
    assert languages.notebook_language(_notebook(english), Path("alice.ipynb")) == "ko"


def test_speaking_restores_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.LANG.name, "en")
    with languages.speaking("ko"):
        assert i18n.language() == "ko"
    assert i18n.language() == "en"
    monkeypatch.delenv(settings.LANG.name)
    with languages.speaking("ko"):
        pass
    assert settings.LANG.name not in os.environ
