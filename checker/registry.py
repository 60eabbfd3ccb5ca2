"""The exercise registry: declarative per-chapter TOML files, loaded into frozen dataclasses.

The engine never names an exercise; everything an exercise is (its checks,
hints, owned resources, reference solution and known wrong answers) lives in
`course/exercises/NN-chapter.toml`.
"""
from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.errors import ExerciseNotFound, RegistryError


@dataclass(frozen=True)
class Step:
    """One action: a bash script run in the work folder, or a file written there."""

    shell: str | None = None
    file: str | None = None
    content: str = ""

    @property
    def cell_source(self) -> str:
        """How the step looks in a notebook answer cell."""
        if self.file is not None:
            return f"%%writefile {self.file}\n{self.content}"
        return f"%%bash\n{(self.shell or '').strip()}\n"


@dataclass(frozen=True)
class CheckSpec:
    kind: str
    params: dict[str, Any]
    name: str | None = None
    always: bool = False  # run even after an earlier check failed: its result is the lesson (see engine)


@dataclass(frozen=True)
class WrongAnswer:
    """A plausible mistake; `expect` is text the failing check's message must contain."""

    title: str
    steps: tuple[Step, ...]
    expect: str


@dataclass(frozen=True)
class Owned:
    """Resources an exercise declares by name; reset may remove exactly these (and labelled ones)."""

    containers: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    notebook: str
    points: float
    hints: tuple[str, ...]
    checks: tuple[CheckSpec, ...]
    solution: tuple[Step, ...]
    wrong: tuple[WrongAnswer, ...]
    setup: tuple[Step, ...] = ()
    owns: Owned = field(default_factory=Owned)
    partial_credit: bool = False
    timeout: float = 120.0
    ports: tuple[int, ...] = ()

    @property
    def chapter(self) -> int:
        return chapter_number(self.notebook)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "chapter": self.chapter, "title": self.title, "points": self.points, "notebook": self.notebook}


def chapter_number(notebook: str) -> int:
    prefix = notebook.split("-", 1)[0]
    if not prefix.isdigit():
        raise RegistryError(f"Notebook name {notebook!r} does not start with its chapter number.", "name it NN-topic")
    return int(prefix)


def _steps(raw: Any, where: str) -> tuple[Step, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RegistryError(f"{where}: steps must be a list of tables.", "use [[...]] tables with `shell` or `file`")
    steps = []
    for item in raw:
        if ("shell" in item) == ("file" in item):
            raise RegistryError(f"{where}: each step needs exactly one of `shell` or `file`.", "fix the step")
        steps.append(Step(shell=item.get("shell"), file=item.get("file"), content=item.get("content", "")))
    return tuple(steps)


def _exercise(raw: dict[str, Any], notebook: str) -> Exercise:
    ex_id = raw.get("id", "?")
    where = f"exercise {ex_id!r}"
    try:
        checks = tuple(
            CheckSpec(kind=c["kind"], name=c.get("name"), always=bool(c.get("always", False)),
                      params={k: v for k, v in c.items() if k not in ("kind", "name", "always")})
            for c in raw.get("check", [])
        )
        wrong = tuple(
            WrongAnswer(title=w["title"], steps=_steps(w.get("steps"), f"{where} wrong answer"), expect=w["expect"])
            for w in raw.get("wrong", [])
        )
        owns_raw = raw.get("owns", {})
        owns = Owned(**{key: tuple(value) for key, value in owns_raw.items()})
        return Exercise(
            id=raw["id"],
            title=raw["title"],
            notebook=notebook,
            points=float(raw.get("points", 1)),
            hints=tuple(raw.get("hints", ())),
            checks=checks,
            solution=_steps(raw.get("solution"), f"{where} solution"),
            wrong=wrong,
            setup=_steps(raw.get("setup"), f"{where} setup"),
            owns=owns,
            partial_credit=bool(raw.get("partial_credit", False)),
            timeout=float(raw.get("timeout", 120)),
            ports=tuple(int(p) for p in raw.get("ports", ())),
        )
    except (KeyError, TypeError) as exc:
        raise RegistryError(f"{where} in {notebook}: missing or malformed field {exc}.", "compare it with another exercise") from None


@dataclass(frozen=True)
class Registry:
    exercises: tuple[Exercise, ...]

    def get(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        known = ", ".join(e.id for e in self.exercises)
        raise ExerciseNotFound(f"No exercise called {exercise_id!r}.", f"`python -m course list` shows them all ({known})")

    def chapter(self, number: int) -> tuple[Exercise, ...]:
        return tuple(e for e in self.exercises if e.chapter == number)

    def notebooks(self) -> list[str]:
        return sorted({e.notebook for e in self.exercises})

    def host_ports(self) -> dict[int, str]:
        """Host ports the exercises publish, mapped to the exercise that uses each."""
        return {port: e.id for e in self.exercises for port in e.ports}


def exercises_dir() -> Path:
    override = os.environ.get("COURSE_EXERCISES_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "course" / "exercises"


def load_registry(directory: Path | None = None) -> Registry:
    """Read every chapter file, in chapter order."""
    directory = directory or exercises_dir()
    exercises: list[Exercise] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(f"{path.name} is not valid TOML: {exc}.", "fix the chapter file") from None
        notebook = data.get("notebook", path.stem)
        exercises.extend(_exercise(raw, notebook) for raw in data.get("exercise", []))
    return Registry(tuple(exercises))


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    return load_registry()
