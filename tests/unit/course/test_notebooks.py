"""Notebooks are committed without outputs, and every exercise has its answer and check cells."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from checker import settings
from checker.registry import default_registry
from course.notebook.cells import exercise_cells

NOTEBOOKS = sorted(settings.NOTEBOOKS_DIR.glob("*.ipynb"))


def test_the_course_starts_with_00_start_here() -> None:
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00-start-here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has outputs"
            assert cell.execution_count is None, f"{path.name} cell {index} has an execution count"


@pytest.mark.parametrize("exercise", default_registry().exercises, ids=lambda e: e.id)
def test_each_exercise_has_answer_and_check_cells(exercise) -> None:
    path = settings.NOTEBOOKS_DIR / f"{exercise.notebook}.ipynb"
    cells = exercise_cells(path, exercise.id)
    assert len(cells.answers) == len(exercise.solution), "one answer cell per solution step"
    assert cells.checks, "a check cell"
    nb = nbformat.read(str(path), as_version=4)
    for index in cells.checks:
        assert f'check("{exercise.id}")' in nb.cells[index].source
    if exercise.setup:
        assert cells.setups and min(cells.setups) < min(cells.answers), "setup runs before the answer"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_what_the_notebooks_import_from_the_course_exists(path: Path) -> None:
    """The committed notebooks import from `course`: moving a module must not break them."""
    nb = nbformat.read(str(path), as_version=4)
    imports = [
        line
        for cell in nb.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if line.startswith(("from course", "import course"))
    ]
    for line in imports:
        exec(line, {})  # the notebook's own import line
