"""`lab --lang ko`: the language is set for the server and remembered, JupyterLab's own interface is set to
Korean in a settings folder of the course's own, and the Korean first notebook opens. No server is started."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from checker import i18n, progress, settings
from course.setup import lab

pytestmark = pytest.mark.usefixtures("progress_file")


@pytest.fixture(autouse=True)
def no_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (settings.LANG.name, *i18n.LOCALE_VARIABLES):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.fixture
def notebooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notebooks folder with the first notebook in English and in Korean."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("00-start-here.ipynb", "00-start-here.ko.ipynb"):
        (folder / name).write_text("{}")
    monkeypatch.setattr(settings, "NOTEBOOKS_DIR", folder)
    return folder


def overrides(folder: Path) -> dict:
    return json.loads((folder / "overrides.json").read_text(encoding="utf-8"))


def test_korean_sets_jupyterlab_s_locale(tmp_path: Path) -> None:
    folder = lab.write_lab_settings("ko", tmp_path / "settings", inherited=tmp_path / "none")
    assert overrides(folder) == {"@jupyterlab/translation-extension:plugin": {"locale": "ko_KR"}}
    lab.write_lab_settings("en", folder, inherited=tmp_path / "none")
    assert overrides(folder)[lab.TRANSLATION_PLUGIN]["locale"] == "en"


def test_jupyterlab_s_own_settings_are_carried_over(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "overrides.json").write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "Dark"}}))
    (own / "page_config.json").write_text(json.dumps({"disabledExtensions": ["x"]}))
    folder = lab.write_lab_settings("ko", tmp_path / "settings", inherited=own)
    assert overrides(folder) == {
        "@jupyterlab/apputils-extension:themes": {"theme": "Dark"},
        lab.TRANSLATION_PLUGIN: {"locale": "ko_KR"},
    }
    assert json.loads((folder / "page_config.json").read_text()) == {"disabledExtensions": ["x"]}


def test_the_settings_folder_is_in_the_hidden_workspace(notebooks: Path) -> None:
    assert lab.lab_settings_dir() == notebooks / settings.WORKSPACE / ".jupyterlab" / "settings"


def test_lab_lang_ko_is_remembered_and_given_to_the_server(notebooks: Path) -> None:
    assert lab.choose_language("ko") == "ko"
    assert os.environ[settings.LANG.name] == "ko"
    assert progress.load()["lang"] == "ko"


def test_without_lang_the_locale_decides_and_nothing_is_remembered(
    notebooks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert lab.choose_language(None) == "ko"
    assert os.environ[settings.LANG.name] == "ko"  # the kernels speak it, whatever the progress file says later
    assert "lang" not in progress.load()


def test_the_korean_server_command(notebooks: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab, "jupyterlab_settings_dir", lambda: tmp_path / "none")
    argv = lab.server_command(9999, open_browser=False, lang="ko")
    assert "--ServerApp.default_url=/lab/tree/00-start-here.ko.ipynb" in argv
    folder = lab.lab_settings_dir()
    assert f"--LabApp.app_settings_dir={folder}" in argv
    assert overrides(folder)[lab.TRANSLATION_PLUGIN]["locale"] == "ko_KR"
    assert "--port=9999" in argv and "--no-browser" in argv


def test_english_opens_the_english_notebook(notebooks: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab, "jupyterlab_settings_dir", lambda: tmp_path / "none")
    argv = lab.server_command(8888, open_browser=True, lang="en")
    assert "--ServerApp.default_url=/lab/tree/00-start-here.ipynb" in argv
    assert overrides(lab.lab_settings_dir())[lab.TRANSLATION_PLUGIN]["locale"] == "en"


def test_korean_falls_back_to_english_while_untranslated(
    notebooks: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (notebooks / "00-start-here.ko.ipynb").unlink()
    monkeypatch.setattr(lab, "jupyterlab_settings_dir", lambda: tmp_path / "none")
    assert "--ServerApp.default_url=/lab/tree/00-start-here.ipynb" in lab.server_command(8888, False, "ko")


def test_the_korean_language_pack_is_installed() -> None:
    """JupyterLab finds a ko_KR language pack (requirements.txt installs it)."""
    from jupyterlab_server.translation_utils import get_language_pack

    data, _message = get_language_pack(lab.LAB_LOCALES["ko"])
    assert data, "jupyterlab-language-pack-ko-kr is not installed"
