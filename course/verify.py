"""`python -m course verify`: the course checks itself, exercise by exercise, against the daemon.

For every exercise: the registry entry is well formed; reset; the starting
state fails; the reference solution passes; every known wrong answer fails
with the expected message; reset. A course author runs it after every change.

`verify --lang ko` does it all in Korean: the check messages are Korean, a
wrong answer's `expect` must appear as its Korean translation, and the Korean
notebooks (`NN-name.ko.ipynb`) run headless, their exercise cells held
identical to the English ones. The report itself stays English (it is for
course authors).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from checker import api, i18n, settings
from checker.errors import CourseError, explain
from checker.i18n import _
from checker.registry import Exercise, Registry, validate
from checker.results import ExerciseResult


@dataclass
class ExerciseReport:
    exercise: str
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "ok": self.ok, "problems": self.problems, "seconds": round(self.seconds, 2)}

    def __str__(self) -> str:
        head = f"{'✔' if self.ok else '✘'} {self.exercise} ({self.seconds:.1f} s)"
        return "\n".join([head, *(f"    {p}" for p in self.problems)])


def lint(
    registry: Registry, exercises: tuple[Exercise, ...], notebooks_dir: Path = settings.NOTEBOOKS_DIR
) -> dict[str, list[str]]:
    """Static problems per exercise id, from the registry's one validation, notebook cells included."""
    from course.notebook.cells import exercise_cells

    return validate.problems(registry, exercises, notebooks_dir=notebooks_dir, read_cells=exercise_cells)


def _failing_messages(result: ExerciseResult) -> str:
    return "\n".join(f"{c.name}: {c.message}" for c in result.checks if not c.passed) + (result.error or "")


def verify_exercise(ex: Exercise, *, workdir: Path, problems: list[str]) -> None:
    """reset → starter fails → solve → passes → each alternative passes → each wrong answer fails as expected
    (`repeat` times) → reset."""
    try:
        api.prepare(ex.id, workdir=workdir)
        starter = api.check(ex.id, workdir=workdir)
        if starter.passed or starter.could_not_check:
            problems.append(
                "the unsolved state should fail but "
                f"{'passed' if starter.passed else 'could not be checked: ' + str(starter.error)}"
            )
        api.solve(ex.id, workdir=workdir)
        solved = api.check(ex.id, workdir=workdir)
        if not solved.passed:
            problems.append(
                "the reference solution fails:\n      " + _failing_messages(solved).replace("\n", "\n      ")
            )
        for index, alternative in enumerate(ex.alternatives):
            api.apply_alternative(ex.id, index, workdir=workdir)
            result = api.check(ex.id, workdir=workdir)
            if not result.passed:
                problems.append(
                    f"alternative right answer {alternative.title!r} fails:\n      "
                    + _failing_messages(result).replace("\n", "\n      ")
                )
        for index, wrong in enumerate(ex.wrong):
            for _round in range(wrong.repeat):
                found = _wrong_answer_problem(ex, index, workdir)
                if found:
                    problems.append(found)
                    break
    except Exception as exc:  # noqa: BLE001 - one exercise's failure is a finding, never the end of verify
        problems.append(str(explain(exc)))
    finally:
        try:
            api.reset(ex.id, workdir=workdir)
        except Exception as exc:  # noqa: BLE001 - as above
            problems.append(f"reset failed: {explain(exc)}")


def _wrong_answer_problem(ex: Exercise, index: int, workdir: Path) -> str | None:
    """What is wrong with how known wrong answer `index` fails (None: it fails with its expected message)."""
    wrong = ex.wrong[index]
    api.apply_wrong(ex.id, index, workdir=workdir)
    result = api.check(ex.id, workdir=workdir)
    if result.passed:
        return f"wrong answer {wrong.title!r} passes"
    if result.could_not_check:
        return f"wrong answer {wrong.title!r} could not be checked: {result.error}"
    expect = _(wrong.expect)  # in Korean, the Korean piece of the Korean message
    if expect not in _failing_messages(result):
        return f"wrong answer {wrong.title!r} fails, but without {expect!r}: {_failing_messages(result)}"
    return None


@dataclass
class NotebookReport:
    """A notebook run headless with the reference solutions in its answer cells: every check must pass."""

    notebook: str
    problems: list[str] = field(default_factory=list)
    exercises: dict[str, str] = field(default_factory=dict)  # exercise id → status of the headless run
    seconds: float = 0.0
    lang: str = i18n.SOURCE_LANGUAGE

    @property
    def file(self) -> str:
        from course.notebook.languages import notebook_file

        return notebook_file(self.notebook, self.lang)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "file": self.file,
            "ok": self.ok,
            "problems": self.problems,
            "exercises": self.exercises,
            "seconds": round(self.seconds, 2),
        }

    def __str__(self) -> str:
        passed = sum(status == "passed" for status in self.exercises.values())
        head = (
            f"{'✔' if self.ok else '✘'} {self.file} headless: {passed}/{len(self.exercises)} exercise(s) "
            f"pass ({self.seconds:.1f} s)"
        )
        return "\n".join([head, *(f"    {p}" for p in self.problems)])


def _notebooks_to_run(registry: Registry, chapter: int | None, notebooks_dir: Path) -> list[str]:
    """Every notebook the registry names plus every notebook file present: none is skipped silently.
    A translation (`NN-name.ko.ipynb`) counts as its English notebook: `--lang` chooses which one runs."""
    from checker.registry import chapter_number
    from course.notebook.languages import split_name

    names = set(registry.notebooks()) | {split_name(path.stem)[0] for path in notebooks_dir.glob("*.ipynb")}

    def in_chapter(name: str) -> bool:
        if chapter is None:
            return True
        try:
            return chapter_number(name) == chapter
        except CourseError:
            return False

    return sorted(name for name in names if in_chapter(name))


def translation_problems(english: Any, translated: Any) -> list[str]:
    """How a translated notebook strays from the English one: the same cells in the same order, and every
    exercise cell (answer, check, setup) and code cell identical; only markdown and comments may differ, and a
    demo code cell's comments are translated, so code cells other than exercise cells are compared by kind only."""
    from course.notebook.cells import cell_role

    if len(english.cells) != len(translated.cells):
        return [f"it has {len(translated.cells)} cells, the English notebook {len(english.cells)}"]
    problems = []
    for index, (ours, theirs) in enumerate(zip(english.cells, translated.cells, strict=True), start=1):
        if ours.cell_type != theirs.cell_type:
            problems.append(f"cell {index} is {theirs.cell_type}, in English {ours.cell_type}")
        elif cell_role(ours) != cell_role(theirs):
            problems.append(f"cell {index} belongs to {cell_role(theirs)}, in English to {cell_role(ours)}")
        elif cell_role(ours)[0] is not None and ours.source != theirs.source:
            problems.append(f"cell {index} (exercise {cell_role(ours)[0]}, {cell_role(ours)[1]}) differs from English")
    return problems


def verify_notebook(
    registry: Registry,
    name: str,
    *,
    notebooks_dir: Path = settings.NOTEBOOKS_DIR,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> NotebookReport:
    """Run one notebook (in `lang`) headless with its reference solutions, through the grader's own path."""
    import shutil
    import tempfile

    import nbformat

    from course.grading import headless, kernel, placement
    from course.notebook.languages import notebook_file

    where = placement.current()  # in a sandbox (verify --sandbox), its user runs the kernel
    started = time.monotonic()
    report = NotebookReport(name, lang=lang)
    exercises = [e for e in registry.exercises if e.notebook == name]
    path = notebooks_dir / notebook_file(name, lang)
    if not path.is_file():
        report.problems.append(f"{path.name} is missing")
        return report
    notebook = nbformat.read(str(path), as_version=4)
    if lang != i18n.SOURCE_LANGUAGE:
        english = notebooks_dir / notebook_file(name, i18n.SOURCE_LANGUAGE)
        if english.is_file():
            report.problems.extend(translation_problems(nbformat.read(str(english), as_version=4), notebook))
    workdir = Path(tempfile.mkdtemp(prefix=f"verify-{name[:16]}-", dir=where.work_root))
    try:
        solved = headless.solved_copy(notebook, exercises)
        timeout = max([kernel.DEFAULT_CELL_TIMEOUT, *(e.timeout for e in exercises)])
        run = headless.grade_notebook(
            solved,
            exercises,
            workdir=workdir,
            timeout=timeout,
            registry=registry,
            honour_raises_exception=True,
            placement=where,
        )
        for grade in run.grades:
            report.exercises[grade.exercise] = grade.status
            if grade.status != "passed":
                why = "; ".join(grade.summary_messages()) or "no check passed"
                report.problems.append(
                    f"{grade.exercise} is {grade.status} with the reference solution in its answer cells: {why}"
                )
        report.problems.extend(f"a cell failed with the reference solutions: {note}" for note in run.notes)
    except CourseError as exc:
        report.problems.append(str(exc))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report


def verify_notebooks(
    registry: Registry,
    *,
    chapter: int | None = None,
    notebooks_dir: Path = settings.NOTEBOOKS_DIR,
    on_report: Callable[[NotebookReport], None] | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> list[NotebookReport]:
    """Each notebook of the chapter (or all), in `lang`, run headless with the reference solutions in its answer
    cells."""
    reports = []
    for name in _notebooks_to_run(registry, chapter, notebooks_dir):
        report = verify_notebook(registry, name, notebooks_dir=notebooks_dir, lang=lang)
        reports.append(report)
        if on_report:
            on_report(report)
    return reports


def verify(
    registry: Registry,
    *,
    chapter: int | None = None,
    workdir: Path,
    notebooks_dir: Path = settings.NOTEBOOKS_DIR,
    on_report: Callable[[ExerciseReport], None] | None = None,
) -> list[ExerciseReport]:
    exercises = registry.chapter(chapter) if chapter is not None else registry.exercises
    static = lint(registry, exercises, notebooks_dir)
    reports = []
    for ex in exercises:
        started = time.monotonic()
        report = ExerciseReport(ex.id, list(static[ex.id]))
        if not report.problems:
            verify_exercise(ex, workdir=workdir, problems=report.problems)
        report.seconds = time.monotonic() - started
        reports.append(report)
        if on_report:
            on_report(report)
    return reports
