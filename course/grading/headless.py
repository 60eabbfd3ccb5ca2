"""Execute a course notebook headless with nbclient, and grade it with the grader's own checks.

The learner's cells run in order in a real kernel (course.grading.kernel), one
at a time. At each exercise's point (right after its last cell) the grader runs
the exercise's checks itself, in this process, against the daemon: a grade
never comes from the notebook's outputs or its check cells, which are not even
executed. Setup cells are replaced by the grader's own `prepare`, since a
learner may delete or edit them. A cell that raises, times out or kills the
kernel scores 0 for the exercise it belongs to and is never a pass; execution
goes on with a new kernel if needed, so the other exercises are still graded.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from checker import api, settings
from checker.errors import CourseError, RegistryError
from checker.i18n import _
from checker.registry import Exercise, Registry, default_registry
from checker.results import CheckResult
from course.grading.gradebook import FAILED, NOT_CHECKED, PASSED, ExerciseGrade
from course.grading.kernel import DEFAULT_CELL_TIMEOUT, STARTUP_TIMEOUT, CellFailure, KernelRunner
from course.grading.placement import Placement
from course.notebook.cells import ROLE_CHECK, ROLE_SETUP, cell_role, exercise_cells

SKIPPED_ROLES = (ROLE_CHECK, ROLE_SETUP)  # the grader checks and prepares by itself


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
            plan.anchor = next((p.cells[0] for p in plans[position + 1 :] if p.present), None)
    return plans


@dataclass
class NotebookRun:
    """What a headless run produced: a grade per exercise, notes for the learner, grader failures."""

    grades: list[ExerciseGrade]
    notes: list[str] = field(default_factory=list)
    grading_failed: bool = False


class _Grader:
    """The state of one headless run: blocked exercises, failed setups, grades so far."""

    def __init__(self, plans: list[ExercisePlan], workdir: Path, registry: Registry, placement: Placement) -> None:
        self.plans = plans
        self.placement = placement
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
        self.placement.hand_over(self.workdir)  # the starter files are the kernel's to edit

    def cell_failed(self, failure: CellFailure) -> None:
        owners = [p for p in self.plans if p.covers(failure.cell) and p.exercise.id not in self.grades]
        for plan in owners:
            self.blocked.setdefault(plan.exercise.id, failure)
        if not owners:
            self.notes.append(
                _("{failure} (not part of an exercise; no points depend on it)").format(failure=failure.message)
            )

    def _not_checked(self, ex: Exercise, checks: tuple[CheckResult, ...], notes: list[str]) -> None:
        """The grader, not the learner, failed: 0 points and a failed grading run."""
        self.grading_failed = True
        self.grades[ex.id] = ExerciseGrade(ex.id, ex.title, NOT_CHECKED, 0.0, ex.points, checks, notes)

    def check(self, plan: ExercisePlan) -> None:
        ex = plan.exercise
        notes = (
            []
            if plan.present
            else [_("its cells are missing from the submission; it was checked where it belongs in the notebook")]
        )
        if ex.id in self.setup_failed:
            why = _("the grader could not set it up: {error}").format(error=self.setup_failed[ex.id])
            self._not_checked(ex, (), [why])
            return
        result = api.check(ex.id, workdir=self.workdir, registry=self.registry)
        if result.could_not_check:
            why = _("the grader could not check it: {error}").format(error=result.error)
            self._not_checked(ex, result.checks, [*notes, why])
            return
        failure = self.blocked.get(ex.id)
        if failure is not None:
            notes.append(_("{failure}; it scores 0 whatever the daemon shows").format(failure=failure.message))
            self.grades[ex.id] = ExerciseGrade(ex.id, ex.title, failure.status, 0.0, ex.points, result.checks, notes)
            return
        status = PASSED if result.passed else FAILED
        self.grades[ex.id] = ExerciseGrade(
            ex.id, ex.title, status, float(result.score), ex.points, result.checks, notes
        )


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
    placement: Placement | None = None,
) -> NotebookRun:
    """Reset, run the learner's cells in order with a check at each exercise's point, reset again.

    `honour_raises_exception` lets cells tagged `raises-exception` fail without it counting: for the
    course's own notebooks (verify), never for a submission.
    """
    registry = registry or default_registry()
    placement = placement or Placement()
    nb = copy.deepcopy(nb)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / settings.WORKSPACE).mkdir(exist_ok=True)
    placement.hand_over(workdir)
    plans = plan_exercises(nb, exercises)
    grader = _Grader(plans, workdir, registry, placement)
    reset_all(exercises, workdir, registry)
    completed = False
    try:
        preamble_end = min((p.cells[0] for p in plans if p.present), default=0)
        with KernelRunner(
            nb,
            workdir=workdir,
            timeout=timeout,
            startup_timeout=startup_timeout,
            preamble_end=preamble_end,
            honour_raises_exception=honour_raises_exception,
            placement=placement,
        ) as kernel:
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
        for index, step in zip(answers, ex.solution, strict=True):
            solved.cells[index].source = step.cell_source
    return solved


def notebook_exercises(nb: Any, registry: Registry, path: Path | None = None) -> tuple[list[Exercise], list[str]]:
    """Every exercise of the course notebook(s) this one is a copy of, found from cell metadata
    (or, if a learner stripped it all, from the file's name). Returns (exercises, notes)."""
    notes: list[str] = []
    notebooks: set[str] = set()
    unknown: set[str] = set()
    known = {e.id: e for e in registry.exercises}
    for cell in nb.cells:
        owner = cell_role(cell)[0]
        if owner is None:
            continue
        if owner in known:
            notebooks.add(known[owner].notebook)
        elif owner not in unknown:
            unknown.add(owner)
            notes.append(_("a cell names an unknown exercise {exercise}; it was ignored").format(exercise=repr(owner)))
    if not notebooks and path is not None:
        names = [path.stem, *(parent.name for parent in path.parents)]
        notebooks = {nbname for nbname in registry.notebooks() if any(nbname in name for name in names)}
    return [e for e in registry.exercises if e.notebook in notebooks], notes
