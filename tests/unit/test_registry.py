"""The registry is data: it loads, its ids are unique, and malformed entries are named clearly."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import ExerciseNotFound, RegistryError
from checker.kinds import get_kind
from checker.registry import chapter_number, default_registry, load_registry

GOOD = '''
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
'''


def test_real_registry_loads_with_unique_ids_and_known_kinds() -> None:
    registry = default_registry()
    ids = [e.id for e in registry.exercises]
    assert ids and len(ids) == len(set(ids))
    for exercise in registry.exercises:
        assert exercise.hints, exercise.id
        assert exercise.wrong, exercise.id
        for spec in exercise.checks:
            get_kind(spec.kind).validate(spec.params)


def test_chapter_files_parse_into_steps(tmp_path: Path) -> None:
    (tmp_path / "09-demo.toml").write_text(GOOD)
    registry = load_registry(tmp_path)
    exercise = registry.get("demo")
    assert exercise.chapter == 9
    assert exercise.owns.containers == ("demo-box",)
    assert exercise.solution[0].cell_source == "%%bash\ntrue\n"
    assert exercise.solution[1].cell_source == "%%writefile workspace/demo/answer.txt\n42"


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
