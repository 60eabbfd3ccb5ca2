"""JupyterLab's notebook UI as a learner uses it, for the browser tests (Playwright, real Chromium).

Everything a test asserts is read inside a cell's output area, never from the
whole page: the notebook's own text contains the same words.
"""

from __future__ import annotations

from pathlib import Path

CELL_TIMEOUT = 120_000  # ms; a cell that runs a check waits for the daemon


def code_cell(path: Path, text: str) -> int:
    """The index of the first code cell whose source contains `text`."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and text in c.source)


def shown(text: str) -> str:
    """A hint as the panel shows it: its `backticked` parts become code, without the backticks."""
    return text.replace("`", "")


class NotebookPage:
    """Just enough of JupyterLab's notebook UI to run cells and edit one, as a learner does."""

    def __init__(self, page) -> None:
        self.page = page

    def cell(self, index: int):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)

    def output(self, index: int):
        return self.cell(index).locator(".jp-OutputArea-output")

    def open(self, url: str, attempts: int = 3) -> None:
        """Load the notebook until JupyterLab's theme and the kernel are ready.

        On a loaded machine JupyterLab may give up on its theme stylesheet
        ("Error Loading Theme") and leave an unstyled page: load it again.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in range(1, attempts + 1):
            self.page.goto(url)
            try:
                self.page.locator("body[data-jp-theme-name]").wait_for(state="attached", timeout=CELL_TIMEOUT)
                self.cell(0).wait_for(timeout=CELL_TIMEOUT)
                self.wait_for_idle_kernel()
                return
            except PlaywrightTimeout:
                if attempt == attempts:
                    raise

    def wait_for_idle_kernel(self) -> None:
        """The toolbar's indicator can say idle before the kernel is connected; the status bar's
        "Python 3 (ipykernel) | Idle" ("대기" in Korean) comes only once it is: a cell run before may be lost."""
        import re

        self.page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
            timeout=CELL_TIMEOUT
        )
        self.page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\|\s*(Idle|대기)")).first.wait_for(
            timeout=CELL_TIMEOUT
        )

    def set_source(self, index: int, text: str) -> None:
        editor = self.cell(index).locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        self.page.keyboard.press("ControlOrMeta+A")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def run(self, index: int) -> None:
        """Select the cell, Shift+Enter, and wait until its prompt shows an execution count."""
        cell = self.cell(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Shift+Enter")
        prompt = cell.locator(".jp-InputArea-prompt")
        self.page.wait_for_function(
            "el => /\\[\\d+\\]/.test(el.textContent)", arg=prompt.element_handle(), timeout=CELL_TIMEOUT
        )
        self.wait_for_idle_kernel()
