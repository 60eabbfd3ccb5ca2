"""The check panel in Korean, in real JupyterLab and real Chromium: a Korean learner's wrong attempt and hint.

The expected words come from the Korean catalogue (checker.i18n), never typed
here, so the test follows the translation as it changes; it asserts that they
are Korean (Hangul) and that JupyterLab's own menus are Korean too.
"""

from __future__ import annotations

import re

import pytest
from lab_page import CELL_TIMEOUT, NotebookPage, code_cell, shown

from checker import api, i18n, settings
from course.notebook.cells import exercise_cells

pytestmark = [pytest.mark.e2e, pytest.mark.docker]

NOTEBOOK = "00-start-here.ko.ipynb"
EXERCISE = "warmup-hello"
HANGUL = re.compile("[\uac00-\ud7a3]")


def korean(text: str) -> str:
    translated = i18n.translations("ko").gettext(text)
    assert HANGUL.search(translated), f"no Korean for {text!r}"
    return translated


def test_a_korean_learner_sees_the_check_panel_in_korean(korean_lab_server, browser, docker_client) -> None:
    from playwright.sync_api import expect

    ex = api.exercise(EXERCISE)
    path = settings.NOTEBOOKS_DIR / NOTEBOOK
    cells = exercise_cells(path, ex.id)
    wrong = ex.wrong[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    notebook = NotebookPage(page)
    try:
        notebook.open(korean_lab_server.open_url(NOTEBOOK))
        expect(page.locator(".lm-MenuBar").first).to_contain_text("파일")  # JupyterLab's menus: its language pack
        notebook.run(code_cell(path, "from course.notebook import"))
        notebook.set_source(cells.answers[0], "\n".join(step.cell_source.rstrip() for step in wrong.steps))
        notebook.run(cells.answers[0])
        notebook.run(cells.checks[0])
        panel = notebook.output(cells.checks[0]).locator(".course-panel")
        verdict = panel.locator(".course-result")
        expect(verdict).to_have_attribute("data-passed", "false", timeout=CELL_TIMEOUT)
        expect(verdict).to_contain_text(korean(wrong.expect))
        panel.get_by_role("button", name=korean("Hint")).click()
        expect(panel.locator(".course-hint").first).to_contain_text(shown(korean(ex.hints[0])))
        expect(panel.get_by_role("button", name=korean("Check"))).to_be_visible()
    finally:
        context.close()
        import docker.errors

        for name in ex.owns.containers:
            try:
                docker_client.api.remove_container(name, force=True)
            except docker.errors.NotFound:
                pass
