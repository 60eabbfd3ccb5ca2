"""Find an exercise's cells in a notebook by their metadata, never by their text.

Answer cells carry `{"course": {"exercise": ID, "role": "answer"}}`; check and
setup cells use roles "check" and "setup". The grader and `verify` rely on this.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLE_ANSWER = "answer"
ROLE_CHECK = "check"
ROLE_SETUP = "setup"


@dataclass(frozen=True)
class ExerciseCells:
    answers: tuple[int, ...]
    checks: tuple[int, ...]
    setups: tuple[int, ...]


def cell_role(cell: Any) -> tuple[str | None, str | None]:
    meta = cell.get("metadata", {}).get("course", {})
    return meta.get("exercise"), meta.get("role")


def exercise_cells(notebook: Path | Any, exercise_id: str) -> ExerciseCells:
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, (str, Path)) else notebook
    found: dict[str, list[int]] = {ROLE_ANSWER: [], ROLE_CHECK: [], ROLE_SETUP: []}
    for index, cell in enumerate(nb.cells):
        owner, role = cell_role(cell)
        if owner == exercise_id and role in found:
            found[role].append(index)
    return ExerciseCells(tuple(found[ROLE_ANSWER]), tuple(found[ROLE_CHECK]), tuple(found[ROLE_SETUP]))
