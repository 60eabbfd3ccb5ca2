"""The registry is data: it loads, its ids are unique, and malformed entries are named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker import settings
from checker.errors import ExerciseNotFound, RegistryError
from checker.kinds import get_kind
from checker.registry import (
    chapter_number,
    default_registry,
    exercises_dir,
    load_registry,
)
from checker.registry.schema import FORMAT_VERSION
from checker.registry.validate import problems
from course.notebook.cells import exercise_cells

NOTEBOOKS = settings.NOTEBOOKS_DIR

GOOD = """
notebook = "09-demo"
[[exercise]]
id = "demo"
title = "Demo"
hints = ["a", "b"]
owns = { containers = ["demo-box"] }
[[exercise.check]]
kind = "container_exists"
container = "demo-box"
[[exercise.solution]]
shell = "true"
[[exercise.solution]]
file = "workspace/demo/answer.txt"
content = "42"
[[exercise.wrong]]
title = "nothing"
expect = "no container"
"""


def test_real_registry_has_no_problems() -> None:
    """Everything `verify` checks before it touches the daemon, for every exercise of the course."""
    registry = default_registry()
    assert registry.exercises
    found = problems(registry, notebooks_dir=NOTEBOOKS, read_cells=exercise_cells)
    assert {ex: found[ex] for ex in found if found[ex]} == {}


def test_every_chapter_file_states_its_format() -> None:
    for path in sorted(exercises_dir().glob("*.toml")):
        assert f"\nformat_version = {FORMAT_VERSION}\n" in path.read_text(encoding="utf-8"), path.name


def test_chapter_files_parse_into_steps(tmp_path: Path) -> None:
    (tmp_path / "09-demo.toml").write_text(GOOD)
    registry = load_registry(tmp_path)
    exercise = registry.get("demo")
    assert exercise.chapter == 9
    assert exercise.owns.containers == ("demo-box",)
    assert exercise.solution[0].cell_source == "%%bash\ntrue\n"
    assert exercise.solution[1].cell_source == "%%writefile workspace/demo/answer.txt\n42"
    assert exercise.wrong[0].steps == ()  # no steps: the unsolved starting state
    assert (exercise.points, exercise.timeout, exercise.partial_credit) == (1.0, 120.0, False)


def test_unknown_exercise_lists_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "09-demo.toml").write_text(GOOD)
    with pytest.raises(ExerciseNotFound, match="course list"):
        load_registry(tmp_path).get("nope")


def test_broken_toml_is_a_registry_error(tmp_path: Path) -> None:
    (tmp_path / "09-demo.toml").write_text("[[exercise]\nid=")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(tmp_path)


def test_a_step_needs_exactly_one_action(tmp_path: Path) -> None:
    (tmp_path / "09-demo.toml").write_text(GOOD.replace('shell = "true"', 'shell = "true"\nfile = "x"'))
    with pytest.raises(RegistryError, match="exactly one"):
        load_registry(tmp_path)


def test_kind_parameters_are_validated() -> None:
    with pytest.raises(RegistryError, match="container_exists"):
        get_kind("container_exists").validate({"contianer": "typo"})
    with pytest.raises(RegistryError, match="Unknown check kind"):
        get_kind("no_such_kind")


def test_chapter_number_comes_from_the_notebook_name() -> None:
    assert chapter_number("07-shipping") == 7
    with pytest.raises(RegistryError):
        chapter_number("shipping")
