"""The one place the rules of an exercise live: ids, hints, checks that fit their kinds, owned names, cells.

The loader stops at the first broken check with its file and line (`check_problems`);
`problems` lists everything wrong with a whole registry, exercise by exercise, for
`python -m course verify` and the tests. What the file format itself allows (keys,
types, defaults) is declared in `checker.registry.schema`.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import RegistryError
from checker.registry.model import CheckSpec, Exercise, Registry

if TYPE_CHECKING:
    from checker.kinds import Kind

CellReader = Callable[[Path, str], Any]  # (notebook, exercise id) → an object with `.answers` and `.checks`
OWNED_BY_NAME = ("containers", "networks", "volumes", "images", "projects")  # what reset removes by name


@dataclass(frozen=True)
class Problem:
    """One thing wrong, what to do about it, and the check parameter it is about (if any)."""

    message: str
    fix: str = ""
    key: str | None = None

    def __str__(self) -> str:
        return f"{self.message} → {self.fix}" if self.fix else self.message


def find_kind(name: str) -> Kind | None:
    from checker.kinds import get_kind

    try:
        return get_kind(name)
    except RegistryError:
        return None


def parameters(kind: Kind) -> dict[str, inspect.Parameter]:
    """The parameters a chapter file may give a kind (everything after the check context)."""
    return dict(list(kind.signature.parameters.items())[1:])


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
    "None": lambda _: False,  # TOML has no null: leave the parameter out instead
}


def annotation_text(parameter: inspect.Parameter) -> str:
    annotation = parameter.annotation
    if annotation is inspect.Parameter.empty:
        return "any"
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def fits(value: Any, annotation: str) -> bool:
    """Whether a TOML value fits a parameter's annotation (outer types only; unknown types always fit)."""
    tests = [_TYPE_TESTS.get(alternative.split("[", 1)[0].strip()) for alternative in annotation.split("|")]
    return any(test is None or test(value) for test in tests)


def check_problems(spec: CheckSpec) -> list[Problem]:
    """A check's kind exists, and its parameters are the kind's, all required ones given, of fitting types."""
    kind = find_kind(spec.kind)
    if kind is None:
        from checker.kinds import KINDS

        close = difflib.get_close_matches(spec.kind, list(KINDS), n=1)
        guess = f"did you mean {close[0]!r}? " if close else ""
        return [Problem(f"Unknown check kind {spec.kind!r}.", f"{guess}`python -m course kinds` lists them", "kind")]
    accepted = parameters(kind)
    found = []
    for key, value in spec.params.items():
        parameter = accepted.get(key)
        if parameter is None:
            close = difflib.get_close_matches(key, list(accepted), n=1)
            guess = f"did you mean `{close[0]}`? " if close else ""
            found.append(
                Problem(
                    f"check kind {kind.name!r} has no parameter `{key}`.",
                    f"{guess}its parameters: {', '.join(accepted) or 'none'}",
                    key,
                )
            )
        elif not fits(value, annotation_text(parameter)):
            found.append(
                Problem(
                    f"check kind {kind.name!r}: `{key}` must be {annotation_text(parameter)}, not {value!r}.",
                    "fix the value in the chapter file",
                    key,
                )
            )
    missing = [name for name, p in accepted.items() if p.default is inspect.Parameter.empty and name not in spec.params]
    if missing:
        found.append(
            Problem(
                f"check kind {kind.name!r} needs {', '.join(f'`{m}`' for m in missing)}.",
                "add it to the check, or to the exercise's `check_defaults`",
            )
        )
    return found


def problems(
    registry: Registry,
    exercises: Iterable[Exercise] | None = None,
    *,
    notebooks_dir: Path | None = None,
    read_cells: CellReader | None = None,
) -> dict[str, list[str]]:
    """Everything statically wrong, per exercise id (of `exercises`, all by default; the whole registry is
    consulted for duplicates). The notebook's cells are checked when `notebooks_dir` and `read_cells` are given."""
    chosen = tuple(registry.exercises if exercises is None else exercises)
    found: dict[str, list[str]] = {e.id: [] for e in chosen}
    _across_exercises(registry, found)
    for ex in chosen:
        found[ex.id].extend(exercise_problems(ex))
        if notebooks_dir is not None and read_cells is not None:
            found[ex.id].extend(notebook_problems(ex, notebooks_dir, read_cells))
    return found


def _across_exercises(registry: Registry, found: dict[str, list[str]]) -> None:
    """Ids are unique, and a name reset removes belongs to one exercise only."""
    seen: set[str] = set()
    owners: dict[tuple[str, str], str] = {}
    for ex in registry.exercises:
        mine = found.get(ex.id)
        if ex.id in seen and mine is not None:
            mine.append("duplicate exercise id")
        seen.add(ex.id)
        for what in OWNED_BY_NAME:
            for name in getattr(ex.owns, what):
                owner = owners.setdefault((what, name), ex.id)
                if owner != ex.id and mine is not None:
                    mine.append(f"{what[:-1]} {name!r} is also owned by {owner}: resetting one would break the other")


MIN_ALTERNATIVES = 2  # right answers written differently: a check that wants the reference's text fails them
PACKAGE_ARCHIVE = re.compile(r"\b(apt-get|apt|apk)\s+(update|install|add)\b")


def exercise_problems(ex: Exercise) -> list[str]:
    """What one exercise needs to be checkable, teachable and verifiable."""
    found = [
        message
        for missing, message in (
            (not ex.hints, "no hints"),
            (not ex.checks, "no checks"),
            (not ex.solution, "no reference solution"),
            (not ex.wrong, "no known wrong answer"),
            (len(ex.alternatives) < MIN_ALTERNATIVES, f"fewer than {MIN_ALTERNATIVES} alternative right answers"),
        )
        if missing
    ]
    found += [f"hint {number} is empty" for number, hint in enumerate(ex.hints, 1) if not hint.strip()]
    found += [f"wrong answer {wrong.title!r} has no `expect`" for wrong in ex.wrong if not wrong.expect.strip()]
    for spec in ex.checks:
        found += [str(problem) for problem in check_problems(spec)]
    steps = [*ex.setup, *ex.solution, *(step for wrong in ex.wrong for step in wrong.steps)]
    if not ex.outside_network and any(PACKAGE_ARCHIVE.search(step.text) for step in steps):
        found.append(
            "a step installs packages (`apt-get install`) but `outside_network` is not set: a sandbox fails it"
        )
    return found


def notebook_problems(ex: Exercise, notebooks_dir: Path, read_cells: CellReader) -> list[str]:
    """The notebook exists, with one answer cell per solution step and a check cell."""
    notebook = notebooks_dir / f"{ex.notebook}.ipynb"
    if not notebook.is_file():
        return [f"notebook {notebook.name} is missing"]
    cells = read_cells(notebook, ex.id)
    found = []
    if len(cells.answers) != len(ex.solution):
        found.append(
            f"{notebook.name} has {len(cells.answers)} answer cell(s); the solution has {len(ex.solution)} step(s)"
        )
    if not cells.checks:
        found.append(f"{notebook.name} has no check cell for it")
    return found
