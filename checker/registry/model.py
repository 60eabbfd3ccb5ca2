"""What an exercise is, once its chapter file is read: frozen dataclasses the engine and front ends share.

The loader fills these with everything expanded (exercise-level check defaults
merged into each check, wrong answers written as a change to the solution turned
into full steps), so nothing downstream needs to know how the file was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

    @property
    def text(self) -> str:
        """What the step does: the script of a shell step, the content of a file step."""
        return self.content if self.file is not None else (self.shell or "")


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
    repeat: int = 1  # verify applies it this many times: a mistake a race could let pass must fail every time


@dataclass(frozen=True)
class Equivalent:
    """A mutant of the reference solution that passes because it is right too, and why."""

    mutation: str
    reason: str


@dataclass(frozen=True)
class Alternative:
    """A right answer written differently from the reference solution: it must pass."""

    title: str
    steps: tuple[Step, ...]


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
    alternatives: tuple[Alternative, ...] = ()
    equivalent: tuple[Equivalent, ...] = ()
    owns: Owned = field(default_factory=Owned)
    partial_credit: bool = False
    timeout: float = 120.0
    ports: tuple[int, ...] = ()
    outside_network: bool = False

    @property
    def chapter(self) -> int:
        return chapter_number(self.notebook)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "chapter": self.chapter,
            "title": self.title,
            "points": self.points,
            "notebook": self.notebook,
        }


def chapter_number(notebook: str) -> int:
    prefix = notebook.split("-", 1)[0]
    if not prefix.isdigit():
        raise RegistryError(f"Notebook name {notebook!r} does not start with its chapter number.", "name it NN-topic")
    return int(prefix)


@dataclass(frozen=True)
class Registry:
    exercises: tuple[Exercise, ...]

    def get(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        known = ", ".join(e.id for e in self.exercises)
        raise ExerciseNotFound(
            f"No exercise called {exercise_id!r}.", f"`python -m course list` shows them all ({known})"
        )

    def chapter(self, number: int) -> tuple[Exercise, ...]:
        return tuple(e for e in self.exercises if e.chapter == number)

    def notebooks(self) -> list[str]:
        return sorted({e.notebook for e in self.exercises})

    def host_ports(self) -> dict[int, str]:
        """Host ports the exercises publish, mapped to the exercise that uses each."""
        return {port: e.id for e in self.exercises for port in e.ports}
