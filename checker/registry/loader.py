"""Chapter files → the model: keys checked against the schema, defaults merged, patches applied.

Everything is expanded here, once: a check gets the exercise's `check_defaults`
its kind takes, and a wrong answer written as `replace` becomes the solution's
steps with the change made. Any mistake stops loading with the file and the line.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from checker import settings
from checker.errors import RegistryError
from checker.registry import schema, validate
from checker.registry.model import (
    Alternative,
    CheckSpec,
    Equivalent,
    Exercise,
    Owned,
    Registry,
    Step,
    WrongAnswer,
)
from checker.registry.source import At, Source


def load_registry(directory: Path | None = None) -> Registry:
    """Read every chapter file, in chapter order."""
    directory = directory or settings.exercises_dir()
    exercises: list[Exercise] = []
    for path in sorted(directory.glob("*.toml")):
        exercises.extend(load_chapter(path))
    return Registry(tuple(exercises))


def load_chapter(path: Path) -> list[Exercise]:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path.name} is not valid TOML: {exc}.", "fix the chapter file") from None
    top = At(Source.of(path, text), "the file")
    values, _ = schema.read_table(data, schema.FILE, top)
    if values["format_version"] != schema.FORMAT_VERSION:
        raise top.error(
            f"format_version {values['format_version']} is not one this course reads "
            f"(it reads {schema.FORMAT_VERSION}).",
            f"write the file in format {schema.FORMAT_VERSION} (docs/authoring.md)",
            "format_version",
        )
    notebook = values["notebook"] or path.stem
    return [
        _exercise(raw, notebook, top.table("exercise", index, f"exercise {index + 1}"))
        for index, raw in enumerate(values["exercise"])
    ]


def _exercise(raw: dict[str, Any], notebook: str, at: At) -> Exercise:
    if isinstance(raw.get("id"), str):
        at = at.named(f"exercise {raw['id']!r}")
    values, _ = schema.read_table(raw, schema.EXERCISE, at)
    owns, _ = schema.read_table(values["owns"], schema.OWNS, at.keyed("owns"))
    solution = _steps(values["solution"], "exercise.solution", "solution step", at)
    return Exercise(
        id=values["id"],
        title=values["title"],
        notebook=notebook,
        points=float(values["points"]),
        hints=tuple(values["hints"]),
        checks=_checks(values["check"], values["check_defaults"], at),
        solution=solution,
        wrong=tuple(
            _wrong(item, solution, at.table("exercise.wrong", index, f"wrong answer {index + 1}"))
            for index, item in enumerate(values["wrong"])
        ),
        alternatives=tuple(
            _alternative(item, solution, at.table("exercise.alternative", index, f"alternative {index + 1}"))
            for index, item in enumerate(values["alternative"])
        ),
        equivalent=tuple(
            Equivalent(
                **schema.read_table(item, schema.EQUIVALENT, at.table("exercise.equivalent", index, "mutant"))[0]
            )
            for index, item in enumerate(values["equivalent"])
        ),
        setup=_steps(values["setup"], "exercise.setup", "setup step", at),
        owns=Owned(**{key: tuple(value) for key, value in owns.items()}),
        partial_credit=values["partial_credit"],
        timeout=float(values["timeout"]),
        ports=tuple(values["ports"]),
        outside_network=bool(values["outside_network"]),
    )


def _checks(raw: list[dict[str, Any]], defaults: dict[str, Any], at: At) -> tuple[CheckSpec, ...]:
    """Each check with the defaults its kind takes and it does not set; a default no check takes is a mistake."""
    checks, used = [], set()
    for index, item in enumerate(raw):
        check_at = at.table("exercise.check", index, f"check {index + 1}")
        values, params = schema.read_table(item, schema.CHECK, check_at)
        kind = validate.find_kind(values["kind"])
        if kind is not None:
            accepted = validate.parameters(kind)
            taken = {key: value for key, value in defaults.items() if key in accepted and key not in params}
            params = {**params, **taken}
            used.update(taken)
        spec = CheckSpec(kind=values["kind"], params=params, name=values["name"], always=values["always"])
        for problem in validate.check_problems(spec)[:1]:
            from_defaults = problem.key in defaults and problem.key not in item
            where = at.keyed("check_defaults") if from_defaults else check_at
            raise where.error(problem.message, problem.fix, problem.key)
        checks.append(spec)
    for key in defaults:
        if key not in used:
            raise at.keyed("check_defaults").error(
                f"`check_defaults` sets `{key}`, but no check takes it.",
                "remove it, or correct the parameter's name",
                key,
            )
    return tuple(checks)


def _steps(raw: list[dict[str, Any]] | None, header: str, what: str, at: At) -> tuple[Step, ...]:
    steps = []
    for index, item in enumerate(raw or ()):
        step_at = at.table(header, index, f"{what} {index + 1}")
        values, _ = schema.read_table(item, schema.STEP, step_at)
        if (values["shell"] is None) == (values["file"] is None):
            raise step_at.error("each step needs exactly one of `shell` or `file`.", "fix the step")
        if values["shell"] is not None and "content" in item:
            raise step_at.error(
                "`content` belongs to a `file` step.", "remove it, or make the step a `file`", "content"
            )
        steps.append(Step(shell=values["shell"], file=values["file"], content=values["content"]))
    return tuple(steps)


def _wrong(raw: dict[str, Any], solution: tuple[Step, ...], at: At) -> WrongAnswer:
    if isinstance(raw.get("title"), str):
        at = at.named(f"{at.what.rsplit(', ', 1)[0]}, wrong answer {raw['title']!r}")
    values, _ = schema.read_table(raw, schema.WRONG, at)
    if values["repeat"] < 1:
        raise at.error("`repeat` must be 1 or more.", "say how many times verify applies it", "repeat")
    steps = _answer_steps(values, solution, "exercise.wrong", at)
    return WrongAnswer(title=values["title"], steps=steps, expect=values["expect"], repeat=values["repeat"])


def _alternative(raw: dict[str, Any], solution: tuple[Step, ...], at: At) -> Alternative:
    if isinstance(raw.get("title"), str):
        at = at.named(f"{at.what.rsplit(', ', 1)[0]}, alternative {raw['title']!r}")
    values, _ = schema.read_table(raw, schema.ALTERNATIVE, at)
    if values["steps"] is None and values["replace"] is None:
        raise at.error("it has neither `steps` nor `replace`.", "give the whole answer, or its change to the solution")
    return Alternative(title=values["title"], steps=_answer_steps(values, solution, "exercise.alternative", at))


def _equivalent(raw: dict[str, Any], at: At) -> Equivalent:
    values, _ = schema.read_table(raw, schema.EQUIVALENT, at)
    return Equivalent(mutation=values["mutation"], reason=values["reason"])


def _answer_steps(values: dict[str, Any], solution: tuple[Step, ...], table: str, at: At) -> tuple[Step, ...]:
    """The steps of a wrong or alternative answer: given in full, or as changes to the solution."""
    if values["steps"] is not None and values["replace"] is not None:
        raise at.error(
            "it has both `steps` and `replace`.", "give the whole steps, or the change to the solution", "replace"
        )
    if values["replace"] is None:
        return _steps(values["steps"], f"{table}.steps", "step", at)
    return _patched(solution, values["replace"], at, f"{table}.replace")


def _patched(
    solution: tuple[Step, ...], changes: list[dict[str, Any]], at: At, table: str = "exercise.wrong.replace"
) -> tuple[Step, ...]:
    """The solution's steps with each change made in order: `old` must occur exactly once in its step."""
    steps = list(solution)
    for index, item in enumerate(changes):
        change_at = at.table(table, index, f"change {index + 1}")
        values, _ = schema.read_table(item, schema.REPLACE, change_at)
        number, old = values["step"], values["old"]
        if not 1 <= number <= len(steps):
            raise change_at.error(
                f"the solution has no step {number} (it has {len(steps)}).", "count the solution's steps from 1", "step"
            )
        step = steps[number - 1]
        count = step.text.count(old) if old else 0
        if count != 1:
            seen = "does not occur" if count == 0 else f"occurs {count} times"
            raise change_at.error(
                f"`old` {seen} in solution step {number}.",
                "copy the text from the solution, with enough around it to be unique",
                "old",
            )
        text = step.text.replace(old, values["new"])
        changed = {"content": text} if step.file is not None else {"shell": text}
        steps[number - 1] = dataclasses.replace(step, **changed)
    return tuple(steps)
