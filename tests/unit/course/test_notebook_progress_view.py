"""course/notebook/progress_view.py: progress per chapter, as the CLI and IPython print it."""

from __future__ import annotations

from course.notebook.progress_view import compute


def test_progress_pretty_prints_as_text() -> None:
    from IPython.lib.pretty import pretty

    from checker.registry import default_registry

    state = compute(default_registry())
    assert pretty(state) == str(state)
