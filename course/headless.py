"""Execute a course notebook headless with nbclient, and grade it with the grader's own checks.

The learner's cells run in order in a real kernel, one at a time. At each
exercise's point (right after its last cell) the grader runs the exercise's
checks itself, in this process, against the daemon: a grade never comes from
the notebook's outputs or its check cells, which are not even executed. Setup
cells are replaced by the grader's own `prepare`, since a learner may delete
or edit them. A cell that raises, times out or kills the kernel scores 0 for
the exercise it belongs to and is never a pass; execution goes on with a new
kernel if needed, so the other exercises are still graded.
"""
from __future__ import annotations

import copy
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from checker import api
from checker.errors import CourseError, RegistryError
from checker.registry import Exercise, Registry, default_registry
from course.gradebook import CELL_ERROR, FAILED, KERNEL_DIED, NOT_CHECKED, PASSED, TIMEOUT, ExerciseGrade
from course.notebook_cells import ROLE_CHECK, ROLE_SETUP, cell_role, exercise_cells

DEFAULT_CELL_TIMEOUT = 120.0
STARTUP_TIMEOUT = 60.0
KERNEL_NAME = "python3"  # always: a submission cannot choose its own kernel
SKIPPED_ROLES = (ROLE_CHECK, ROLE_SETUP)  # the grader checks and prepares by itself


class KernelUnavailable(CourseError):
    """The notebook kernel could not be started: a grading failure, not the learner's."""


@dataclass(frozen=True)
class CellFailure:
    """A learner cell that did not complete: what happened, and whether the kernel must be replaced."""

    status: str  # CELL_ERROR | TIMEOUT | KERNEL_DIED
    cell: int  # 0-based index in the notebook
    message: str
    restart_kernel: bool


def classify_cell_failure(exc: BaseException, cell_index: int, timeout: float) -> CellFailure:
    """The one place that decides raise-or-continue for a learner's cell.

    A timeout or a dead kernel replaces the kernel and blocks the exercise; an
    exception blocks the exercise and execution continues. Anything else is
    the grader's own failure and is raised.
    """
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    number = cell_index + 1
    if isinstance(exc, CellTimeoutError):
        return CellFailure(
            TIMEOUT, cell_index,
            f"cell {number} did not finish within {timeout:g} s and was stopped "
            "(an endless loop, or a command that waits forever such as `docker run` without `-d`?)",
            restart_kernel=True,
        )
    if isinstance(exc, DeadKernelError):
        return CellFailure(KERNEL_DIED, cell_index, f"the Python kernel died while running cell {number}", restart_kernel=True)
    if isinstance(exc, CellExecutionError):
        detail = f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
        if len(detail) > 300:
            detail = detail[:297] + "…"
        return CellFailure(CELL_ERROR, cell_index, f"cell {number} raised an error: {detail}", restart_kernel=False)
    raise exc


def kernel_env(workdir: Path) -> dict[str, str]:
    """The kernel's environment: the submission's own work folder; no learner progress is written."""
    env = dict(os.environ)
    env["COURSE_WORKDIR"] = str(workdir)
    env["COURSE_NO_PROGRESS"] = "1"
    env["COURSE_PROGRESS"] = str(workdir / ".progress.json")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


class KernelRunner:
    """One kernel at a time, started on demand and replaced after a timeout or a death.

    A replacement kernel first replays the notebook's preamble (the cells that
    ran fine before the first exercise, such as `from course.notebook import …`)
    so that the cells after the failure run as they would for the learner.
    """

    def __init__(self, nb: Any, *, workdir: Path, timeout: float, startup_timeout: float, preamble_end: int = 0,
                 honour_raises_exception: bool = False) -> None:
        self.nb = nb
        self.honour_raises_exception = honour_raises_exception
        self.workdir = workdir
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.preamble_end = preamble_end
        self._preamble: list[int] = []
        self._replacing = False
        self._client: Any = None
        self._context: Any = None

    def __enter__(self) -> "KernelRunner":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _start(self) -> None:
        from nbclient import NotebookClient

        client = NotebookClient(
            self.nb,
            kernel_name=KERNEL_NAME,
            timeout=int(max(1, round(self.timeout))),
            startup_timeout=int(self.startup_timeout),
            allow_errors=False,
            # A learner could tag a cell `raises-exception` to hide its error; only the course's own notebooks may.
            force_raise_errors=not self.honour_raises_exception,
            interrupt_on_timeout=False,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(self.workdir)}},
        )
        # The kernel's own stderr (ipykernel's start-up warnings) is not the learner's output.
        context = client.setup_kernel(env=kernel_env(self.workdir), stderr=subprocess.DEVNULL)
        try:
            context.__enter__()
        except Exception as exc:  # noqa: BLE001 - any start failure is the grader's, said once
            raise KernelUnavailable(
                f"The notebook kernel ({KERNEL_NAME}) did not start within {self.startup_timeout:g} s: {type(exc).__name__}: {exc}",
                "check that ipykernel is installed in this environment (`python -m ipykernel --version`)",
            ) from None
        self._client, self._context = client, context
        if self._replacing:
            self._replacing = False
            for index in self._preamble:
                try:
                    client.execute_cell(self.nb.cells[index], index)
                except Exception:  # noqa: BLE001 - it ran fine once; a replay is best effort
                    pass

    def stop(self) -> None:
        if self._context is not None:
            context, self._context, self._client = self._context, None, None
            try:
                context.__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - a dead kernel may fail to shut down; it is gone either way
                pass

    def run(self, index: int) -> CellFailure | None:
        """Execute one cell; a learner's failure comes back as a CellFailure, never as an exception."""
        if self._client is None:
            self._start()
        try:
            self._client.execute_cell(self.nb.cells[index], index)
        except Exception as exc:  # noqa: BLE001 - classified in one place, re-raised if it is ours
            failure = classify_cell_failure(exc, index, self.timeout)
            if failure.restart_kernel:
                self.stop()
                self._replacing = True
            return failure
        if index < self.preamble_end:
            self._preamble.append(index)
        return None


def is_runnable(cell: Any) -> bool:
    """Learner cells that run: code cells, except check and setup cells (the grader does those itself)."""
    if cell.get("cell_type") != "code" or not str(cell.get("source", "")).strip():
        return False
    return cell_role(cell)[1] not in SKIPPED_ROLES


@dataclass
class ExercisePlan:
    """Where an exercise lives in one notebook: its cells, where to prepare it and where to check it."""

    exercise: Exercise
    cells: tuple[int, ...]
    setups: tuple[int, ...]
    anchor: int | None = None  # for an exercise with no cells left: check before this cell (None: at the end)

    @property
    def present(self) -> bool:
        return bool(self.cells)

    @property
    def prepare_before(self) -> int | None:
        if self.setups:
            return self.setups[0]
        return self.cells[0] if self.cells else self.anchor

    @property
    def check_after(self) -> int | None:
        return self.cells[-1] if self.cells else None

    def covers(self, index: int) -> bool:
        return bool(self.cells) and self.cells[0] <= index <= self.cells[-1]


def plan_exercises(nb: Any, exercises: Sequence[Exercise]) -> list[ExercisePlan]:
    """Locate every exercise's cells by metadata; an exercise whose cells were deleted is anchored
    before the next exercise (in course order) that is still there, or at the end."""
    plans = []
    for ex in exercises:
        owned = tuple(i for i, cell in enumerate(nb.cells) if cell_role(cell)[0] == ex.id)
        setups = tuple(i for i in owned if cell_role(nb.cells[i])[1] == ROLE_SETUP)
        plans.append(ExercisePlan(ex, owned, setups))
    for position, plan in enumerate(plans):
        if not plan.present:
            plan.anchor = next((p.cells[0] for p in plans[position + 1:] if p.present), None)
    return plans


@dataclass
class NotebookRun:
    """What a headless run produced: a grade per exercise, notes for the learner, grader failures."""

    grades: list[ExerciseGrade]
    notes: list[str] = field(default_factory=list)
    grading_failed: bool = False


class _Grader:
    """The state of one headless run: blocked exercises, failed setups, grades so far."""

    def __init__(self, plans: list[ExercisePlan], workdir: Path, registry: Registry) -> None:
        self.plans = plans
        self.workdir = workdir
        self.registry = registry
        self.blocked: dict[str, CellFailure] = {}
        self.setup_failed: dict[str, str] = {}
        self.grades: dict[str, ExerciseGrade] = {}
        self.notes: list[str] = []
        self.grading_failed = False

    def prepare(self, plan: ExercisePlan) -> None:
        if not plan.exercise.setup:
            return
        try:
            api.prepare(plan.exercise.id, workdir=self.workdir, registry=self.registry)
        except CourseError as exc:
            self.setup_failed[plan.exercise.id] = str(exc)

    def cell_failed(self, failure: CellFailure) -> None:
        owners = [p for p in self.plans if p.covers(failure.cell) and p.exercise.id not in self.grades]
        for plan in owners:
            self.blocked.setdefault(plan.exercise.id, failure)
        if not owners:
            self.notes.append(f"{failure.message} (not part of an exercise; no points depend on it)")

    def check(self, plan: ExercisePlan) -> None:
        ex = plan.exercise
        notes = [] if plan.present else ["its cells are missing from the submission; it was checked where it belongs in the notebook"]
        if ex.id in self.setup_failed:
            self.grading_failed = True
            self.grades[ex.id] = ExerciseGrade(ex.id, ex.title, NOT_CHECKED, 0.0, ex.points, (), [f"the grader could not set it up: {self.setup_failed[ex.id]}"])
            return
        result = api.check(ex.id, workdir=self.workdir, record=False, registry=self.registry)
        if result.could_not_check:
            self.grading_failed = True
            self.grades[ex.id] = ExerciseGrade(ex.id, ex.title, NOT_CHECKED, 0.0, ex.points, result.checks, [*notes, f"the grader could not check it: {result.error}"])
            return
        failure = self.blocked.get(ex.id)
        if failure is not None:
            notes.append(f"{failure.message}; it scores 0 whatever the daemon shows")
            self.grades[ex.id] = ExerciseGrade(ex.id, ex.title, failure.status, 0.0, ex.points, result.checks, notes)
            return
        status = PASSED if result.passed else FAILED
        self.grades[ex.id] = ExerciseGrade(ex.id, ex.title, status, float(result.score), ex.points, result.checks, notes)


def reset_all(exercises: Sequence[Exercise], workdir: Path, registry: Registry) -> None:
    """A clean state: remove what each exercise owns (its labelled and named resources, its files)."""
    for ex in exercises:
        api.reset(ex.id, workdir=workdir, registry=registry)


def grade_notebook(
    nb: Any,
    exercises: Sequence[Exercise],
    *,
    workdir: Path,
    timeout: float = DEFAULT_CELL_TIMEOUT,
    startup_timeout: float = STARTUP_TIMEOUT,
    registry: Registry | None = None,
    honour_raises_exception: bool = False,
) -> NotebookRun:
    """Reset, run the learner's cells in order with a check at each exercise's point, reset again.

    `honour_raises_exception` lets cells tagged `raises-exception` fail without it counting: for the
    course's own notebooks (verify), never for a submission.
    """
    registry = registry or default_registry()
    nb = copy.deepcopy(nb)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "workspace").mkdir(exist_ok=True)
    plans = plan_exercises(nb, exercises)
    grader = _Grader(plans, workdir, registry)
    reset_all(exercises, workdir, registry)
    completed = False
    try:
        preamble_end = min((p.cells[0] for p in plans if p.present), default=0)
        with KernelRunner(nb, workdir=workdir, timeout=timeout, startup_timeout=startup_timeout, preamble_end=preamble_end,
                          honour_raises_exception=honour_raises_exception) as kernel:
            for index, cell in enumerate(nb.cells):
                for plan in plans:
                    if plan.prepare_before == index:
                        grader.prepare(plan)
                    if not plan.present and plan.anchor == index:
                        grader.check(plan)
                if is_runnable(cell) and not _skipped(plans, grader, index):
                    failure = kernel.run(index)
                    if failure is not None:
                        grader.cell_failed(failure)
                for plan in plans:
                    if plan.check_after == index:
                        grader.check(plan)
            for plan in plans:
                if not plan.present and plan.anchor is None:
                    grader.prepare(plan)
                    grader.check(plan)
        completed = True
    finally:
        try:
            reset_all(exercises, workdir, registry)
        except CourseError:
            if completed:
                raise
    grades = [grader.grades[ex.id] for ex in exercises]
    return NotebookRun(grades, grader.notes, grader.grading_failed)


def _skipped(plans: list[ExercisePlan], grader: _Grader, index: int) -> bool:
    """After a timeout or a dead kernel, the rest of that exercise's cells are skipped: it scores 0 anyway."""
    for plan in plans:
        failure = grader.blocked.get(plan.exercise.id)
        if failure is not None and failure.restart_kernel and plan.covers(index):
            return True
    return False


def solved_copy(nb: Any, exercises: Sequence[Exercise]) -> Any:
    """The notebook with each exercise's answer cells replaced by its reference solution steps, in order."""
    solved = copy.deepcopy(nb)
    for ex in exercises:
        answers = exercise_cells(solved, ex.id).answers
        if len(answers) != len(ex.solution):
            raise RegistryError(
                f"{ex.id} has {len(answers)} answer cell(s) but {len(ex.solution)} solution step(s).",
                "give the notebook one answer cell per solution step",
            )
        for index, step in zip(answers, ex.solution):
            solved.cells[index].source = step.cell_source
    return solved


def notebook_exercises(nb: Any, registry: Registry, path: Path | None = None) -> tuple[list[Exercise], list[str]]:
    """Every exercise of the course notebook(s) this one is a copy of, found from cell metadata
    (or, if a learner stripped it all, from the file's name). Returns (exercises, notes)."""
    notes: list[str] = []
    notebooks: set[str] = set()
    known = {e.id: e for e in registry.exercises}
    for cell in nb.cells:
        owner, _ = cell_role(cell)
        if owner is None:
            continue
        if owner in known:
            notebooks.add(known[owner].notebook)
        elif f"unknown exercise {owner!r}" not in " ".join(notes):
            notes.append(f"a cell names an unknown exercise {owner!r}; it was ignored")
    if not notebooks and path is not None:
        names = [path.stem, *(parent.name for parent in path.parents)]
        notebooks = {nbname for nbname in registry.notebooks() if any(nbname in name for name in names)}
    return [e for e in registry.exercises if e.notebook in notebooks], notes
