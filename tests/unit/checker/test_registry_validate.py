"""The rules of an exercise live in one place: checker.registry.validate."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from checker.registry import Alternative, CheckSpec, Exercise, Owned, Registry, Step, WrongAnswer
from checker.registry.validate import check_problems, problems

EXERCISE = Exercise(
    id="demo",
    title="Demo",
    notebook="09-demo",
    points=1.0,
    hints=("a",),
    checks=(CheckSpec("container_exists", {"container": "demo-box"}),),
    solution=(Step(shell="true"),),
    wrong=(WrongAnswer("nothing", (), "no container"),),
    owns=Owned(containers=("demo-box",)),
    alternatives=(Alternative("long flag", (Step(shell="true"),)), Alternative("other order", (Step(shell=":"),))),
)


def test_a_complete_exercise_has_no_problems() -> None:
    assert problems(Registry((EXERCISE,))) == {"demo": []}


def test_what_an_exercise_needs() -> None:
    bare = replace(EXERCISE, hints=(" ",), checks=(), solution=(), wrong=(WrongAnswer("x", (), ""),))
    assert problems(Registry((bare,)))["demo"] == [
        "no checks",
        "no reference solution",
        "hint 1 is empty",
        "wrong answer 'x' has no `expect`",
    ]
    unhelpful = replace(EXERCISE, hints=(), wrong=(), alternatives=EXERCISE.alternatives[:1])
    assert problems(Registry((unhelpful,)))["demo"] == [
        "no hints",
        "no known wrong answer",
        "fewer than 2 alternative right answers",
    ]


def test_a_build_that_installs_packages_must_ask_for_a_way_out() -> None:
    dockerfile = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"
    installs = replace(EXERCISE, solution=(Step(file="Dockerfile", content=dockerfile),))
    assert problems(Registry((installs,)))["demo"] == [
        "a step installs packages (`apt-get install`) but `outside_network` is not set: a sandbox fails it"
    ]
    assert problems(Registry((replace(installs, outside_network=True),)))["demo"] == []


def test_ids_and_owned_names_belong_to_one_exercise() -> None:
    twin = replace(EXERCISE, title="Twin")
    assert problems(Registry((EXERCISE, twin)), [twin]) == {"demo": ["duplicate exercise id"]}
    thief = replace(EXERCISE, id="thief")
    assert problems(Registry((EXERCISE, thief))) == {
        "demo": [],
        "thief": ["container 'demo-box' is also owned by demo: resetting one would break the other"],
    }


def test_checks_fit_their_kind() -> None:
    assert [p.key for p in check_problems(CheckSpec("container_exists", {"contianer": "x"}))] == ["contianer", None]
    assert "needs `container`" in str(check_problems(CheckSpec("container_exists", {}))[0])
    wrong_type = CheckSpec("container_exited", {"container": "x", "exit_code": "0"})
    assert "must be int" in str(check_problems(wrong_type)[0])
    assert check_problems(CheckSpec("http_responds", {"port": 80, "timeout": 5})) == []  # an int is a fine float
    assert "Unknown check kind 'no_such'" in str(check_problems(CheckSpec("no_such", {}))[0])


def test_the_notebook_has_an_answer_cell_per_step_and_a_check_cell(tmp_path: Path) -> None:
    def cells(answers: int, checks: int):
        return lambda path, exercise_id: SimpleNamespace(answers=(0,) * answers, checks=(1,) * checks)

    registry = Registry((EXERCISE,))
    missing = problems(registry, notebooks_dir=tmp_path, read_cells=cells(1, 1))["demo"]
    assert missing == ["notebook 09-demo.ipynb is missing"]
    (tmp_path / "09-demo.ipynb").write_text("{}")
    assert problems(registry, notebooks_dir=tmp_path, read_cells=cells(1, 1))["demo"] == []
    assert problems(registry, notebooks_dir=tmp_path, read_cells=cells(2, 0))["demo"] == [
        "09-demo.ipynb has 2 answer cell(s); the solution has 1 step(s)",
        "09-demo.ipynb has no check cell for it",
    ]
