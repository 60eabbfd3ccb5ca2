"""`python -m course grade SUBMISSION.ipynb… --out DIR [--timeout S] [--jobs N]`: automated grading.

Each submission runs headless (course.headless) from a clean state in its own
work folder, and is graded by the grader's own checks. `--jobs 1` grades one
submission at a time on the main daemon, in this process. `--jobs N` grades N
at a time, each in an isolated worker daemon (course.isolation), in a child
process under `nsenter`; without isolation it refuses. The result is
DIR/gradebook.csv, DIR/gradebook.json and DIR/<learner>.html.

A learner's broken notebook is a grade (recorded in the gradebook); only a
grader that cannot grade (daemon down, no isolation, a check that cannot run)
makes the command fail.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from checker.errors import CourseError
from checker.registry import Registry, default_registry
from course import feedback, gradebook
from course.gradebook import NOT_CHECKED, ExerciseGrade, SubmissionGrade
from course.headless import DEFAULT_CELL_TIMEOUT, STARTUP_TIMEOUT, grade_notebook, notebook_exercises

Log = Callable[[str], None]

CHILD_MARGIN = 300.0  # seconds a worker's child may take on top of its cells' and checks' own limits


@dataclass(frozen=True)
class GradeOptions:
    out: Path
    timeout: float = DEFAULT_CELL_TIMEOUT
    jobs: int = 1
    startup_timeout: float = STARTUP_TIMEOUT


@dataclass
class GradingRun:
    grades: list[SubmissionGrade]
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0
    isolation: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(g.grading_failed for g in self.grades)


def learner_names(paths: Sequence[Path]) -> list[str]:
    """A learner per file, named after it (`alice.ipynb` → alice); duplicates get -2, -3…"""
    names: list[str] = []
    for path in paths:
        base = feedback.safe_name(path.stem)
        if base in ("gradebook",):
            base = f"{base}-learner"
        name, count = base, 1
        while name in names:
            count += 1
            name = f"{base}-{count}"
        names.append(name)
    return names


def grade_submission(path: Path, learner: str, *, timeout: float, startup_timeout: float = STARTUP_TIMEOUT,
                     registry: Registry | None = None, work_root: Path | None = None) -> SubmissionGrade:
    """Grade one notebook in this process, against the daemon DOCKER_HOST names, in a fresh work folder."""
    import nbformat

    registry = registry or default_registry()
    started = time.monotonic()
    grade = SubmissionGrade(learner, str(path))
    try:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:  # a structure the grader can walk, or it is unreadable
            cell["cell_type"], cell.get("source", "")
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the learner's, recorded, never a crash
        grade.error = f"the notebook cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
        grade.seconds = time.monotonic() - started
        return grade
    exercises, notes = notebook_exercises(nb, registry, path)
    grade.notes.extend(notes)
    if not exercises:
        grade.error = "no course exercise cells were found (their metadata names the exercise), and the file name names no course notebook"
        grade.seconds = time.monotonic() - started
        return grade
    workdir = Path(tempfile.mkdtemp(prefix=f"grade-{learner[:20]}-", dir=work_root))
    try:
        run = grade_notebook(nb, exercises, workdir=workdir, timeout=timeout, startup_timeout=startup_timeout, registry=registry)
        grade.exercises = run.grades
        grade.notes.extend(run.notes)
        grade.grading_failed = run.grading_failed
    except CourseError as exc:
        grade.grading_failed = True
        grade.notes.append(f"grading stopped: {exc}")
        grade.exercises = [ExerciseGrade(e.id, e.title, NOT_CHECKED, 0.0, e.points, (), [f"not graded: {exc.problem}"]) for e in exercises]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    grade.seconds = time.monotonic() - started
    return grade


def _child_budget(path: Path, timeout: float, startup_timeout: float) -> float:
    """A finite limit for a worker's child: every cell timing out, the kernel restarting, plus a margin."""
    try:
        cells = len(json.loads(path.read_text(encoding="utf-8")).get("cells", []))
    except Exception:  # noqa: BLE001 - an unreadable file is rejected quickly by the child
        cells = 0
    return CHILD_MARGIN + cells * (timeout + 30) + 2 * startup_timeout


class _Children:
    """The grading processes running now, so Ctrl-C can stop them all at once (not one after the other)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()

    def add(self, child: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.add(child)

    def discard(self, child: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.discard(child)

    def stop_all(self) -> None:
        with self._lock:
            children = list(self._running)
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            _stop_child(child)


def _grade_in_worker(worker: Any, path: Path, learner: str, options: GradeOptions, children: _Children) -> SubmissionGrade:
    """Grade one submission in a child process inside the worker's namespace, against its daemon."""
    result_file = worker.tmp / f"result-{uuid.uuid4().hex[:8]}.json"
    argv = worker.command([
        sys.executable, "-m", "course.grade", "--child", str(path.resolve()),
        "--learner", learner, "--result", str(result_file),
        "--timeout", str(options.timeout), "--startup-timeout", str(options.startup_timeout),
    ])
    env = worker.env()
    env["COURSE_SESSION"] = f"grade-{uuid.uuid4().hex[:8]}"
    env["COURSE_NO_PROGRESS"] = "1"
    started = time.monotonic()
    child = subprocess.Popen(argv, env=env, cwd=str(worker.tmp), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    children.add(child)
    budget = _child_budget(path, options.timeout, options.startup_timeout)
    try:
        output, _ = child.communicate(timeout=budget)
    except BaseException as exc:
        _stop_child(child)
        worker.kill_strays()
        if isinstance(exc, subprocess.TimeoutExpired):
            return _failed_grade(path, learner, f"grading this submission took longer than {budget:g} s and was stopped", started)
        raise
    finally:
        children.discard(child)
    try:
        data = json.loads(result_file.read_text(encoding="utf-8"))
        return SubmissionGrade.from_dict(data)
    except (OSError, ValueError, KeyError) as exc:
        tail = "\n".join(output.decode(errors="replace").splitlines()[-8:])
        return _failed_grade(path, learner, f"the grading process exited with {child.returncode} and no result ({exc}): {tail}", started)
    finally:
        result_file.unlink(missing_ok=True)


def _stop_child(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the child stop its kernel and reset; SIGKILL if it does not within 20 s."""
    if child.poll() is not None:
        return
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait(10)


def _failed_grade(path: Path, learner: str, reason: str, started: float) -> SubmissionGrade:
    """A grade the grader could not produce: recorded with 0 points, and the run fails."""
    grade = SubmissionGrade(learner, str(path), grading_failed=True, seconds=time.monotonic() - started)
    try:
        import nbformat

        exercises, _ = notebook_exercises(nbformat.read(str(path), as_version=4), default_registry(), path)
    except Exception:  # noqa: BLE001 - the child would have said the file is unreadable
        exercises = []
    grade.exercises = [ExerciseGrade(e.id, e.title, NOT_CHECKED, 0.0, e.points, (), [f"not graded: {reason}"]) for e in exercises]
    grade.notes.append(reason)
    if not exercises:
        grade.error = reason
    return grade


def _describe(grade: SubmissionGrade) -> str:
    if grade.error is not None:
        return f"✘ {grade.learner}: not graded ({grade.error})"
    mark = "!" if grade.grading_failed else "✔"
    statuses = ", ".join(f"{e.exercise} {e.status}" for e in grade.exercises)
    return f"{mark} {grade.learner}: {grade.total:g}/{grade.max_points:g} ({statuses}) in {grade.seconds:.1f} s"


def run_grading(submissions: Sequence[Path], options: GradeOptions, *, log: Log = print) -> GradingRun:
    """Grade every submission, write the gradebook and the feedback pages, and say whether grading worked."""
    from checker.docker_client import get_client

    if options.jobs < 1:
        raise CourseError(f"--jobs {options.jobs} is not a number of workers.", "pass --jobs 1 or more")
    if options.timeout <= 0:
        raise CourseError(f"--timeout {options.timeout:g} is not a time limit.", "pass the seconds a cell may run, e.g. --timeout 60")
    if not submissions:
        raise CourseError("No submissions to grade.", "pass one or more .ipynb files")
    if options.jobs > 1:
        from course import isolation

        isolation.require_isolation(options.jobs)  # refuse before touching anything
    paths = [Path(p) for p in submissions]
    names = learner_names(paths)
    client = get_client()
    client.ping()
    options.out.mkdir(parents=True, exist_ok=True)
    os.environ["COURSE_NO_PROGRESS"] = "1"
    started = time.monotonic()
    run = GradingRun([])
    with _sigterm_as_interrupt():
        if options.jobs == 1:
            for path, name in zip(paths, names):
                grade = grade_submission(path, name, timeout=options.timeout, startup_timeout=options.startup_timeout)
                log(_describe(grade))
                run.grades.append(grade)
            run.workers = 1
        else:
            run.grades = _grade_in_parallel(paths, names, options, client, run, log)
    run.seconds = time.monotonic() - started
    write_outputs(options, run)
    return run


def _grade_in_parallel(paths: list[Path], names: list[str], options: GradeOptions, client: Any, run: GradingRun, log: Log) -> list[SubmissionGrade]:
    from course import images, isolation

    isolation.require_isolation(options.jobs)
    count = min(options.jobs, len(paths))
    log(f"Starting {count} isolated Docker daemon(s) and loading the base images into each…")
    with isolation.WorkerPool(count, main_client=client, images=images.CATALOG, log=log) as pool:
        run.isolation = pool.describe()
        run.workers = count
        log(f"Workers ready in {pool.timings.get('ready_s', 0):g} s "
            f"(daemons {pool.timings.get('daemons_s', 0):g} s, images {pool.timings.get('save_s', 0):g} s save + "
            f"{pool.timings.get('load_s', 0):g} s load, {pool.timings.get('bundle_mb', 0):g} MB).")

        children = _Children()

        def one(index: int) -> SubmissionGrade:
            with pool.acquire() as worker:
                grade = _grade_in_worker(worker, paths[index], names[index], options, children)
            log(_describe(grade))
            return grade

        executor = ThreadPoolExecutor(max_workers=count)
        try:
            futures = [executor.submit(one, index) for index in range(len(paths))]
            return [future.result() for future in futures]
        except BaseException:
            children.stop_all()  # Ctrl-C: stop every running submission now, then tear the workers down
            raise
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


class _sigterm_as_interrupt:
    """SIGTERM behaves like Ctrl-C while grading, so kernels, workers and namespaces are torn down."""

    def __enter__(self) -> None:
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, _raise_interrupt)

    def __exit__(self, *exc_info: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def write_outputs(options: GradeOptions, run: GradingRun) -> None:
    gradebook.write_csv(options.out / "gradebook.csv", run.grades)
    problems = [*run.problems, *(f"{g.learner}: grading failed" for g in run.grades if g.grading_failed)]
    meta = {
        "grading_failed": run.failed,
        "problems": problems,
        "jobs": options.jobs,
        "workers": run.workers,
        "timeout": options.timeout,
        "seconds": round(run.seconds, 2),
        "isolation": run.isolation,
    }
    gradebook.write_json(options.out / "gradebook.json", run.grades, meta=meta)
    for grade in run.grades:
        feedback.write(options.out, grade)


def child_main(argv: Sequence[str]) -> int:
    """Inside a worker: grade one submission and write its SubmissionGrade as JSON."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course.grade --child")
    parser.add_argument("--child", required=True, metavar="SUBMISSION")
    parser.add_argument("--learner", required=True)
    parser.add_argument("--result", required=True)
    parser.add_argument("--timeout", type=float, default=DEFAULT_CELL_TIMEOUT)
    parser.add_argument("--startup-timeout", type=float, default=STARTUP_TIMEOUT)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    path = Path(args.child)
    try:
        grade = grade_submission(path, args.learner, timeout=args.timeout, startup_timeout=args.startup_timeout,
                                 work_root=Path(tempfile.gettempdir()))
    except CourseError as exc:
        grade = _failed_grade(path, args.learner, str(exc), time.monotonic())
    Path(args.result).write_text(json.dumps(grade.to_dict(), ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
