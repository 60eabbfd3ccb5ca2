"""`python -m course verify --mutations`: near-misses derived mechanically from each reference solution must fail.

Listed wrong answers are the mistakes an author thought of. Mutants are the ones nobody wrote down: each is
the reference solution with ONE small change a learner could make by accident:

- drop one option of a `docker …` command (with its value: `-p 8301:8000`, `--rm`, `-d`);
- swap the two sides of a published port (`-p 8000:8301` for `-p 8301:8000`);
- drop one line of a file the solution writes (a Dockerfile, a compose file, a page), or one command of a
  shell step that has several.

A mutant that still passes every check is a survivor. Either the checks miss something (make it a listed wrong
answer, and fix the check until it fails), or the change truly makes no difference (`-it` on a command that
reads nothing): then record it in the exercise's `[[exercise.equivalent]]` with the reason, and it is reported
as equivalent, not as a survivor.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from checker import api
from checker.docker_client import get_client
from checker.errors import StepFailed, explain
from checker.labels import EXERCISE
from checker.registry import Exercise, Registry, Step

# Options of docker commands that take a value: dropping one drops its value too.
VALUE_OPTIONS = frozenset(
    "-p --publish -v --volume --mount --name -e --env --env-file --network --net --network-alias --alias -f --file "
    "--restart -w --workdir --entrypoint -u --user --label -l --tmpfs --memory -m --cpus --hostname -h --add-host "
    "--build-arg --target --format --filter --health-cmd --health-interval --health-timeout --health-retries "
    "--health-start-period --ip --subnet --gateway --driver -d:create --signal -s --time --project-name "
    "--log-driver --log-opt --pids-limit --stop-signal --stop-timeout --cidfile --platform --pull --tag -t:build "
    "--output -o --input -i:load --since --until --tail -n:logs --detach-keys --link --dns --expose --ulimit".split()
)
MUTANT_STEP_TIMEOUT = 20.0  # a mutant without `-d` blocks: what it started by then is what gets checked
TOKEN = re.compile(r"""(?:"[^"]*"|'[^']*'|[^\s"'])+""")
MANAGEMENT = frozenset("container image network volume compose system builder context plugin".split())
SHELL_BREAKS = ("|", "&", ";", ">", "<", "$(", "`")
PORT = re.compile(r"""(?<=\s)(-p|--publish)(\s+|=)(?:(\d+\.\d+\.\d+\.\d+):)?(\d+):(\d+)\b""")


@dataclass(frozen=True)
class Mutant:
    """The reference solution with one change; `name` is how the report and `[[exercise.equivalent]]` call it."""

    name: str
    steps: tuple[Step, ...]


def _takes_value(option: str, subcommand: str) -> bool:
    return option in VALUE_OPTIONS or f"{option}:{subcommand}" in VALUE_OPTIONS


def docker_options(line: str) -> list[tuple[int, int]]:
    """The spans of the options of a `docker …` command line, each with its value: those before the first
    positional word after the subcommand (the image, the container, the build context), never the options of
    the command run in the container."""
    tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(line)]
    if not tokens or tokens[0][2] != "docker":
        return []
    spans: list[tuple[int, int]] = []
    words: list[str] = []
    index = 1
    while index < len(tokens):
        start, end, text = tokens[index]
        if text.startswith(SHELL_BREAKS):
            break
        if text.startswith("-") and text != "-":
            if "=" not in text and _takes_value(text, words[-1] if words else "") and index + 1 < len(tokens):
                index += 1
                end = tokens[index][1]
            spans.append((start, end))
        elif not words or (len(words) < 2 and words[0] in MANAGEMENT):
            words.append(text)
        else:
            break
        index += 1
    return spans


def option_drops(line: str) -> Iterator[tuple[str, str]]:
    """(what was dropped, the line without it) for every option of a `docker …` command line."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    for start, end in docker_options(stripped):
        rest = (stripped[:start] + stripped[end:].lstrip(" ")).rstrip()
        yield stripped[start:end], line[:indent] + rest


def port_swaps(line: str) -> Iterator[tuple[str, str]]:
    """(the publish flag, the line with host and container ports swapped) for each `-p HOST:CONTAINER`."""
    for match in PORT.finditer(line):
        host_port, container_port = match.group(4), match.group(5)
        if host_port == container_port:
            continue
        address = f"{match.group(3)}:" if match.group(3) else ""
        swapped = f"{match.group(1)}{match.group(2)}{address}{container_port}:{host_port}"
        yield match.group(0), line[: match.start()] + swapped + line[match.end() :]


def _meaningful(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#") and text not in ("{", "}", "EOF", "fi", "done", "then", "do")


def mutants(ex: Exercise) -> list[Mutant]:
    """Every one-change mutant of the exercise's reference solution, each named once."""
    found: dict[str, Mutant] = {}

    def add(number: int, what: str, step: Step, text: str) -> None:
        changed = dataclasses.replace(step, **({"content": text} if step.file is not None else {"shell": text}))
        steps = list(ex.solution)
        steps[number - 1] = changed
        name = f"step {number}: {what}"
        found.setdefault(name, Mutant(name, tuple(steps)))

    for number, step in enumerate(ex.solution, 1):
        lines = step.text.splitlines()
        for index, line in enumerate(lines):
            for dropped, rest in option_drops(line):
                add(number, f"drop `{dropped}`", step, "\n".join([*lines[:index], rest, *lines[index + 1 :]]))
            for flag, swapped in port_swaps(line):
                text = "\n".join([*lines[:index], swapped, *lines[index + 1 :]])
                add(number, f"swap the ports of `{flag}`", step, text)
        droppable = [i for i, line in enumerate(lines) if _meaningful(line)]
        if step.file is not None or len(droppable) > 1:
            for index in droppable:
                add(number, f"drop line `{lines[index].strip()}`", step, "\n".join(lines[:index] + lines[index + 1 :]))
    return list(found.values())


# Prepended to a mutant's shell steps: every container it runs or creates carries the exercise's labels, even one
# whose mutation dropped `--name`, so the course can find it and remove it, and nothing else.
LABELLED_DOCKER = r"""docker() {
  if [ "$1" = run ] || [ "$1" = create ]; then set -- "$1" $COURSE_LABELS "${@:2}"
  elif [ "$1" = container ] && { [ "$2" = run ] || [ "$2" = create ]; }; then set -- "$1" "$2" $COURSE_LABELS "${@:3}"
  fi
  command docker "$@"
}
"""


def labelled(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """The steps with LABELLED_DOCKER in front of each shell step."""
    return tuple(
        dataclasses.replace(step, shell=LABELLED_DOCKER + (step.shell or "")) if step.file is None else step
        for step in steps
    )


def _remove_containers_of(exercise_id: str) -> None:
    """The mutant's containers, named or not (all carry the exercise's label): an unnamed one left attached to an
    owned network would stop reset from removing that network."""
    api_client = get_client().api
    for container in api_client.containers(all=True, filters={"label": f"{EXERCISE}={exercise_id}"}):
        api_client.remove_container(container["Id"], force=True, v=True)


@dataclass
class MutationReport:
    exercise: str
    tried: int = 0
    survivors: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.survivors and not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "ok": self.ok, "seconds": round(self.seconds, 1)}

    def __str__(self) -> str:
        head = (
            f"{'✔' if self.ok else '✘'} {self.exercise}: {self.tried} mutant(s), {len(self.survivors)} survive, "
            f"{len(self.equivalent)} equivalent ({self.seconds:.1f} s)"
        )
        return "\n".join([head, *(f"    survives: {s}" for s in self.survivors), *(f"    {p}" for p in self.problems)])


def run_mutants(ex: Exercise, *, workdir: Path, registry: Registry | None = None) -> MutationReport:
    """Apply each mutant from a clean start and check it; reset at the end."""
    started = time.monotonic()
    report = MutationReport(ex.id)
    recorded = {item.mutation: item.reason for item in ex.equivalent}
    try:
        for mutant in mutants(ex):
            report.tried += 1
            limit = min(ex.timeout, MUTANT_STEP_TIMEOUT)
            steps = labelled(mutant.steps)
            try:
                api.apply_steps(
                    ex.id, lambda _ex, s=steps: s, strict=False, timeout=limit, workdir=workdir, registry=registry
                )
            except StepFailed:
                pass  # a step that blocks (no `-d`) is cut off: what it started by then is what gets checked
            result = api.check(ex.id, workdir=workdir, registry=registry)
            _remove_containers_of(ex.id)
            if result.passed:
                (report.equivalent if mutant.name in recorded else report.survivors).append(mutant.name)
        stale = sorted(set(recorded) - {m.name for m in mutants(ex)})
        report.problems += [f"`[[exercise.equivalent]]` names no mutant of the solution: {name!r}" for name in stale]
    except Exception as exc:  # noqa: BLE001 - one exercise's failure is a finding, never the end of the run
        report.problems.append(str(explain(exc)))
    finally:
        try:
            api.reset(ex.id, workdir=workdir, registry=registry)
        except Exception as exc:  # noqa: BLE001 - as above
            report.problems.append(f"reset failed: {explain(exc)}")
    report.seconds = time.monotonic() - started
    return report


def run_all(
    registry: Registry,
    *,
    chapter: int | None,
    workdir: Path,
    on_report: Callable[[MutationReport], None] | None = None,
) -> list[MutationReport]:
    exercises = registry.chapter(chapter) if chapter is not None else registry.exercises
    reports = []
    for ex in exercises:
        report = run_mutants(ex, workdir=workdir, registry=registry)
        reports.append(report)
        if on_report:
            on_report(report)
    return reports
