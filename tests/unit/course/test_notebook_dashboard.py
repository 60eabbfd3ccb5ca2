"""course/notebook/dashboard.py: the progress dashboard shows the CLI's text and refreshes when a check passes."""

from __future__ import annotations

import pytest

from course.notebook.dashboard import ProgressBoard
from course.notebook.panel import CheckPanel
from course.notebook.progress_view import compute

EXERCISE = "warmup-hello"

pytestmark = pytest.mark.usefixtures("progress_file")


def test_dashboard_text_is_the_cli_text_and_refreshes_on_a_pass(warmup, warmup_result) -> None:
    from checker import progress
    from checker.registry import default_registry

    board = ProgressBoard()
    assert board._repr_mimebundle_()["text/plain"] == str(compute(default_registry()))
    assert "0/" in board.value.split("Start here")[1][:200]
    progress.record_pass(EXERCISE)
    CheckPanel(warmup, warmup_result(True), background=False)
    assert "1/" in board.value.split("Start here")[1][:200]
    assert "last pass" in str(board.state)
