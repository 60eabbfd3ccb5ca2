"""The chapter-file format: unknown keys and wrong types are named with file and line; defaults and patches expand."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import RegistryError
from checker.registry import load_registry
from checker.registry.schema import FORMAT_VERSION

HEAD = f"""format_version = {FORMAT_VERSION}
notebook = "09-demo"
"""

EXERCISE = """[[exercise]]
id = "demo"
title = "Demo"
hints = ["a"]
{extra}
[[exercise.check]]
kind = "container_exists"
container = "demo-box"
[[exercise.solution]]
file = "workspace/demo/compose.yaml"
content = \'\'\'
services:
  web:
    image: busybox:1.35
    container_name: demo-web
\'\'\'
[[exercise.solution]]
shell = "docker compose up -d"
"""


def load(tmp_path: Path, text: str):
    (tmp_path / "09-demo.toml").write_text(text)
    return load_registry(tmp_path).get("demo")


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(RegistryError) as caught:
        load(tmp_path, text)
    return str(caught.value)


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    "misspelt",
    [
        'hint = ["a"]',  # the exercise
        'owns = { containers = ["demo-box"], contianers = ["x"] }',  # a table inside it
    ],
)
def test_an_unknown_key_is_named_with_its_file_and_line(tmp_path: Path, misspelt: str) -> None:
    text = HEAD + EXERCISE.format(extra=misspelt)
    message = error(tmp_path, text)
    assert f"09-demo.toml, line {line_of(text, misspelt)}: exercise 'demo': unknown key" in message
    assert "did you mean" in message


def test_an_unknown_key_in_a_step_or_a_wrong_answer_points_at_it(tmp_path: Path) -> None:
    text = HEAD + EXERCISE.format(extra="") + '[[exercise.wrong]]\ntitle = "t"\nexpect = "e"\nexpcet = "typo"\n'
    assert f"line {line_of(text, 'expcet')}: exercise 'demo', wrong answer 't': unknown key `expcet`" in error(
        tmp_path, text
    )
    text = HEAD + EXERCISE.format(extra="").replace('shell = "docker compose up -d"', 'shel = "x"\nshell = "y"')
    assert f"line {line_of(text, 'shel =')}: exercise 'demo', solution step 2: unknown key `shel`" in error(
        tmp_path, text
    )


def test_an_unknown_check_parameter_or_kind_is_named_with_its_line(tmp_path: Path) -> None:
    text = HEAD + EXERCISE.format(extra="").replace('container = "demo-box"', 'contianer = "demo-box"')
    message = error(tmp_path, text)
    assert (
        f"line {line_of(text, 'contianer')}: exercise 'demo', check 1: check kind 'container_exists' has no "
        "parameter `contianer`"
        in message
        and "did you mean `container`" in message
    )
    text = HEAD + EXERCISE.format(extra="").replace('"container_exists"', '"container_exist"')
    assert f"line {line_of(text, 'container_exist')}: exercise 'demo', check 1: Unknown check kind" in error(
        tmp_path, text
    )


def test_a_value_of_the_wrong_type_is_rejected(tmp_path: Path) -> None:
    text = HEAD + EXERCISE.format(extra='points = "two"')
    assert f"line {line_of(text, 'points')}: exercise 'demo': `points` must be a number, not \"two\"" in error(
        tmp_path, text
    )
    text = HEAD + EXERCISE.format(extra='ports = [8080, "8081"]')
    assert "`ports` must be a list of integers" in error(tmp_path, text)
    text = HEAD + EXERCISE.format(extra="").replace('container = "demo-box"', "container = 7")
    assert "`container` must be str, not 7" in error(tmp_path, text)


def test_a_missing_required_key_is_rejected(tmp_path: Path) -> None:
    assert "`title` is missing from [[exercise]]" in error(
        tmp_path, HEAD + EXERCISE.format(extra="").replace('title = "Demo"\n', "")
    )


def test_the_format_version_is_checked(tmp_path: Path) -> None:
    text = HEAD.replace(f"format_version = {FORMAT_VERSION}", "format_version = 99") + EXERCISE.format(extra="")
    assert "09-demo.toml, line 1: the file: format_version 99 is not one this course reads" in error(tmp_path, text)
    legacy = HEAD.replace(f"format_version = {FORMAT_VERSION}\n", "") + EXERCISE.format(extra="")
    assert load(tmp_path, legacy).id == "demo"  # absent means the current format


def test_check_defaults_reach_every_check_whose_kind_takes_them(tmp_path: Path) -> None:
    checks = '''check_defaults = { container = "demo-box" }
[[exercise.check]]
kind = "container_running"
[[exercise.check]]
kind = "container_image"
container = "other-box"
image = "busybox:1.35"
[[exercise.check]]
kind = "file_exists"
path = "workspace/demo/x"'''
    exercise = load(tmp_path, HEAD + EXERCISE.format(extra=checks))
    assert [spec.params for spec in exercise.checks] == [
        {"container": "demo-box"},  # the default
        {"container": "other-box", "image": "busybox:1.35"},  # its own value wins
        {"path": "workspace/demo/x"},  # file_exists takes no container
        {"container": "demo-box"},  # the check that set it already
    ]


def test_a_default_no_check_takes_is_rejected(tmp_path: Path) -> None:
    text = HEAD + EXERCISE.format(extra='check_defaults = { projcet = "demo" }')
    expected = f"line {line_of(text, 'projcet')}: exercise 'demo': `check_defaults` sets `projcet`, but no check"
    assert expected in error(tmp_path, text)


WRONG = """[[exercise.wrong]]
title = "no container_name"
expect = "is named"
[[exercise.wrong.replace]]
step = 1
old = "    container_name: demo-web\\n"
new = ""
[[exercise.wrong.replace]]
step = 2
old = "up -d"
new = "up"
"""


def test_a_wrong_answer_written_as_a_change_to_the_solution(tmp_path: Path) -> None:
    exercise = load(tmp_path, HEAD + EXERCISE.format(extra="") + WRONG)
    (wrong,) = exercise.wrong
    assert wrong.steps[0].file == "workspace/demo/compose.yaml"
    assert wrong.steps[0].content == "services:\n  web:\n    image: busybox:1.35\n"
    assert wrong.steps[1].shell == "docker compose up"
    assert exercise.solution[1].shell == "docker compose up -d"  # the solution itself is untouched


def test_a_change_that_does_not_apply_is_named_with_its_line(tmp_path: Path) -> None:
    text = HEAD + EXERCISE.format(extra="") + WRONG.replace('old = "up -d"', 'old = "down"')
    down = line_of(text, 'old = "down"')
    assert (
        f"line {down}: exercise 'demo', wrong answer 'no container_name', change 2: "
        "`old` does not occur in solution step 2" in error(tmp_path, text)
    )
    text = HEAD + EXERCISE.format(extra="") + WRONG.replace('old = "up -d"', 'old = " "')
    assert "occurs 3 times" in error(tmp_path, text)
    text = HEAD + EXERCISE.format(extra="") + WRONG.replace("step = 2", "step = 3")
    assert "the solution has no step 3 (it has 2)" in error(tmp_path, text)


def test_steps_and_replace_are_exclusive(tmp_path: Path) -> None:
    text = HEAD + EXERCISE.format(extra="") + WRONG + '[[exercise.wrong.steps]]\nshell = "true"\n'
    assert "both `steps` and `replace`" in error(tmp_path, text)
