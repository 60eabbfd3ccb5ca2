"""The check panel in real JupyterLab and real Chromium: wrong attempt, hint, fix, pass, reset.

Everything the test asserts is read inside the check cell's output area (the
widget), never from the whole page: the notebook's own text contains the same
words. Cell positions come from the cells' metadata, and the expected texts
from the exercise registry, so the test follows the content as it changes.
"""

from __future__ import annotations

import re

import pytest
from lab_page import CELL_TIMEOUT, NotebookPage, code_cell, shown

from checker import api, settings
from checker.registry import default_registry
from course.notebook.cells import exercise_cells
from course.notebook.progress_view import CHAPTER_TITLES

pytestmark = [pytest.mark.e2e, pytest.mark.docker]

NOTEBOOK = "00-start-here.ipynb"
EXERCISE = "warmup-hello"


def _container_exists(docker_client, name: str) -> bool:
    import docker.errors

    try:
        docker_client.api.inspect_container(name)
        return True
    except docker.errors.NotFound:
        return False


def test_check_panel_wrong_hint_fix_pass_reset(lab_server, page, screenshot, docker_client) -> None:
    from playwright.sync_api import expect

    ex = api.exercise(EXERCISE)
    cells = exercise_cells(settings.NOTEBOOKS_DIR / NOTEBOOK, ex.id)
    answer, check_cell = cells.answers[0], cells.checks[0]
    container = ex.owns.containers[0]
    wrong = ex.wrong[0]
    chapter_total = len(default_registry().chapter(ex.chapter))
    path = settings.NOTEBOOKS_DIR / NOTEBOOK
    notebook = NotebookPage(page)
    try:
        notebook.open(lab_server.open_url(NOTEBOOK))
        screenshot("opened")

        notebook.run(code_cell(path, "from course.notebook import"))
        dashboard_cell = code_cell(path, "progress()")
        notebook.run(dashboard_cell)
        chapter_row = (
            notebook.output(dashboard_cell).locator(".course-progress tr").filter(has_text=CHAPTER_TITLES[ex.chapter])
        )
        expect(chapter_row).to_contain_text(f"0/{chapter_total} exercises")
        notebook.set_source(answer, "\n".join(step.cell_source.rstrip() for step in wrong.steps))
        notebook.run(answer)
        notebook.run(check_cell)

        panel = notebook.output(check_cell).locator(".course-panel")
        verdict = panel.locator(".course-result")
        expect(verdict).to_have_attribute("data-passed", "false", timeout=CELL_TIMEOUT)
        expect(verdict).to_contain_text(wrong.expect)
        expect(panel.locator(".course-solution")).to_have_count(0)
        screenshot("wrong-attempt")

        panel.get_by_role("button", name="Hint").click()
        expect(panel.locator(".course-hint").first).to_contain_text(shown(ex.hints[0]))
        panel.get_by_role("button", name="Hint").click()
        expect(panel.locator(".course-hint")).to_have_count(2)
        expect(panel.locator(".course-hint").nth(1)).to_contain_text(shown(ex.hints[1]))
        screenshot("hints")

        panel.get_by_role("button", name="Reset").click()
        expect(panel.locator(".course-status")).to_contain_text(f"Reset {ex.id}", timeout=CELL_TIMEOUT)
        assert not _container_exists(docker_client, container)

        notebook.set_source(answer, "\n".join(step.cell_source.rstrip() for step in ex.solution))
        notebook.run(answer)
        panel.get_by_role("button", name="Check").click()
        expect(verdict).to_have_attribute("data-passed", "true", timeout=CELL_TIMEOUT)
        expect(verdict).to_contain_text(re.compile(r"passed"))
        solution = panel.locator(".course-solution")
        for step in ex.solution:
            expect(solution).to_contain_text((step.shell or step.file or "").strip())
        expect(chapter_row).to_contain_text(f"1/{chapter_total} exercises")  # the dashboard refreshed itself
        screenshot("passed")

        panel.get_by_role("button", name="Reset").click()
        expect(panel.locator(".course-status")).to_contain_text(f"Reset {ex.id}: removed", timeout=CELL_TIMEOUT)
        assert not _container_exists(docker_client, container)
        screenshot("reset")
    except Exception:
        screenshot("failure")
        raise
    finally:
        import docker.errors

        try:
            docker_client.api.remove_container(container, force=True)
        except docker.errors.NotFound:
            pass
