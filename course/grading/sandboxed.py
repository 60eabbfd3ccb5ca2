"""`grade` (the default): every submission in a fresh sandbox of its own (course.sandbox).

Per submission, on one of `--jobs` threads:

1. a sandbox: its own user, rootless daemon, netns and cgroups, loaded with the run's base images from one
   bundle made once; a way out only if one of the submission's exercises builds from a package archive;
2. a grading process (course.grading.resident): ROOT, in the sandbox daemon's netns, with DOCKER_HOST on that
   daemon, in a private root (course.sandbox.confine.as_root) that shows the checkout, the grader's Python,
   the runtime read-only, and writable only the sandbox's home and a root-only scratch folder that holds the
   copy of the submission and the result. It runs the grader's own checks, so probes and HTTP requests see
   what the learner's kernel sees (`localhost`, published ports, `--network host`);
3. the learner's kernel, which that process starts as the sandbox's user (course.grading.placement);
4. the sandbox destroyed, whatever happened. A hostile submission never meets a sandbox another used.

Nothing of another submission, the output folder or the grader's files is visible to the kernel; the
private root keeps the grader itself from following a link the kernel planted in the home.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from checker import settings
from checker.errors import CourseError
from checker.registry import default_registry
from course.grading import placement
from course.grading.gradebook import SubmissionGrade
from course.grading.options import GradeOptions, GradingRun
from course.grading.submission import failed_grade
from course.grading.workers import GradingProcess, worker_images

Log = Callable[[str], None]
SCRATCH_ROOT = Path("/var/lib/docker-course/grading")  # root-only: never inside a sandbox's reach


class SandboxSlot:
    """What GradingProcess needs of a place to grade in, for one sandbox: how to start the grading process
    there, its environment, and the root-only folder it exchanges files through."""

    def __init__(self, sandbox: Any, runtime: Any, scratch: Path) -> None:
        self.sandbox = sandbox
        self.runtime = runtime
        self.tmp = scratch
        self.residents: set[int] = set()

    @property
    def name(self) -> str:
        return str(self.sandbox.name)

    def command(self, argv: Sequence[str]) -> list[str]:
        from course.sandbox import confine

        return confine.as_root(
            self.sandbox.state, argv, cwd=self.tmp, read_only=grader_folders(self.runtime), read_write=[self.tmp]
        )

    def env(self) -> dict[str, str]:
        env = dict(os.environ)  # inherits COURSE_NO_PROGRESS from the grading run
        env.pop("DOCKER_CONTEXT", None)
        env["DOCKER_HOST"] = self.sandbox.root_docker_host  # the pinned socket: never an impostor's
        env["TMPDIR"] = "/tmp"  # a private tmpfs in the grading process's root
        env[settings.SANDBOX.name] = placement.describe(self.name, self.runtime)
        env["DOCKER_CONFIG"] = str(self.docker_config())
        return env

    def docker_config(self) -> Path:
        """A Docker CLI config folder for the grading process, root-only in its scratch folder, holding the
        Compose v2 plugin: root's own ~/.docker is not in the private root, and the sandbox user's ~/.docker is
        the learner's to write, so root must never run plugins from it."""
        from checker.compose import bundled_binary

        plugins = self.tmp / "docker-config" / "cli-plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        link = plugins / "docker-compose"
        binary = bundled_binary()
        if binary is not None and not link.is_symlink():
            link.symlink_to(binary.resolve())
        return plugins.parent

    def kill_strays(self) -> list[int]:
        """Nothing to do: the whole sandbox is destroyed after the submission."""
        return []


def grader_folders(runtime: Any) -> list[Path]:
    """What the grading process reads: the checkout (code, chapter files, apps), the venv and the Python it
    was made from, the exercise files if elsewhere, the kernel's runtime and the sandboxes' state files."""
    from course.sandbox.model import STATE_DIR

    folders = [
        settings.REPO_ROOT.resolve(),
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        settings.exercises_dir().resolve(),
        *runtime.folders,
        STATE_DIR,
    ]
    unique: list[Path] = []
    for folder in folders:
        if not any(folder.is_relative_to(other) for other in unique):
            unique = [other for other in unique if not other.is_relative_to(folder)] + [folder]
    return unique


def needs_outside_network(path: Path) -> bool:
    """Whether one of the submission's exercises builds from a package archive (and its sandbox needs a way out)."""
    import nbformat

    from course.grading.headless import notebook_exercises

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable submission is graded (and rejected) without one
        return False
    return any(ex.outside_network for ex in notebook_exercises(nb, default_registry(), path)[0])


@dataclass
class Place:
    """A submission's sandbox, ready: the daemon up with the images loaded, its grading process started and
    waiting for the request (Python's start-up and the imports paid while the previous submission grades)."""

    sandbox: Any
    scratch: Path
    copy: Path
    process: GradingProcess

    def remove(self) -> None:
        """Stop the grading process, destroy the sandbox, delete the scratch folder: whatever happened."""
        try:
            self.process.stop()
            self.sandbox.destroy()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)


class SandboxGrader:
    """Grades submissions, each in a fresh sandbox, with what one run shares made once: the runtime, the bundle.

    Sandboxes are made ahead of their turn, at most `ahead` of them, by one thread: while a submission grades,
    the next one's sandbox starts, so its ~2 s of start-up overlap the grading instead of adding to it."""

    def __init__(self, options: GradeOptions, log: Log, *, limits: Any = None) -> None:
        self.options = options
        self.log = log
        self.limits = limits
        self.runtime: Any = None
        self.bundle: Path | None = None
        self.timings: dict[str, float] = {}
        self.sandboxes: list[str] = []  # the names of the sandboxes made, for the gradebook and its readers
        self._active: set[GradingProcess] = set()
        self._stopping = False

    def interrupt(self) -> None:
        """Ctrl-C: every grading process stops now; each thread then destroys its sandbox."""
        self._stopping = True
        for process in list(self._active):
            process.interrupt()

    def prepare(self, paths: Sequence[Path], client: Any) -> None:
        from course.sandbox import bundles, clean_up_leftovers, host, runtime

        host.require()
        clean_up_leftovers()
        started = time.monotonic()
        self.runtime = runtime.ensure(log=self.log)
        self.timings["runtime_s"] = round(time.monotonic() - started, 2)
        names = [image.name for image in worker_images(paths)]
        started = time.monotonic()
        self.bundle = bundles.bundle(client, names) if names else None
        self.timings["bundle_s"] = round(time.monotonic() - started, 2)
        self.log(f"Grading in sandboxes, with {', '.join(names) or 'no base images'}.")

    def place(self, path: Path) -> Place:
        """A fresh sandbox for this submission, with its grading process started (see Place)."""
        from course.sandbox import Sandbox

        if self._stopping:
            raise CourseError("Grading was interrupted.", "run it again")
        SCRATCH_ROOT.mkdir(parents=True, exist_ok=True)
        os.chmod(SCRATCH_ROOT, 0o700)
        scratch = Path(tempfile.mkdtemp(prefix="g", dir=SCRATCH_ROOT))
        try:
            copy = scratch / "submission.ipynb"
            shutil.copyfile(path, copy)
            sandbox = Sandbox.create(
                bundle=self.bundle, limits=self.limits, outside_network=needs_outside_network(copy)
            )
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        self.sandboxes.append(sandbox.name)
        process = GradingProcess(SandboxSlot(sandbox, self.runtime, scratch), self.options)
        place = Place(sandbox, scratch, copy, process)
        try:
            process.start()
        except BaseException:
            place.remove()
            raise
        return place

    def grade(self, path: Path, learner: str, ready: "Future[Place]") -> SubmissionGrade:
        """One submission in the place made for it (`ready`), removed afterwards whatever happened."""
        started = time.monotonic()
        try:
            place = ready.result()
        except OSError as exc:
            return failed_grade(path, learner, f"it could not be copied: {exc}", started)
        except CourseError as exc:
            return failed_grade(path, learner, f"its sandbox could not be created: {exc}", started)
        self._active.add(place.process)
        try:
            grade = place.process.grade(place.copy, learner)
        finally:
            self._active.discard(place.process)
            place.remove()
        grade.submission = str(path)
        return grade


def grade_in_sandboxes(
    paths: list[Path],
    names: list[str],
    options: GradeOptions,
    client: Any,
    run: GradingRun,
    log: Log,
    describe: Callable[[SubmissionGrade], str],
) -> list[SubmissionGrade]:
    """Every submission in a sandbox of its own, `options.jobs` at a time, the next sandboxes made ahead."""
    grader = SandboxGrader(options, log)
    grader.prepare(paths, client)
    count = min(options.jobs, len(paths))
    run.workers = count
    run.isolation = {"mode": "sandbox", **grader.timings, "sandboxes": grader.sandboxes}
    ahead = threading.Semaphore(count)  # sandboxes made and not yet taken
    taken: set[int] = set()

    def make(index: int) -> Place:
        ahead.acquire()
        return grader.place(paths[index])

    def one(index: int) -> SubmissionGrade:
        ready = places[index]
        with contextlib.suppress(Exception):
            ready.exception()  # wait until it is made (or failed): then it is this thread's
        taken.add(index)
        ahead.release()
        grade = grader.grade(paths[index], names[index], ready)
        log(describe(grade))
        return grade

    maker = ThreadPoolExecutor(max_workers=1)
    places = [maker.submit(make, index) for index in range(len(paths))]
    executor = ThreadPoolExecutor(max_workers=count)
    try:
        futures = [executor.submit(one, index) for index in range(len(paths))]
        return [future.result() for future in futures]
    except BaseException:
        grader.interrupt()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        for _ in places:  # wake a maker waiting for a turn: after an interrupt it stops at once
            ahead.release()
        maker.shutdown(wait=True, cancel_futures=True)
        for index, ready in enumerate(places):  # made ahead and never taken: an interrupted run
            if index not in taken and ready.done() and not ready.cancelled() and ready.exception() is None:
                ready.result().remove()
