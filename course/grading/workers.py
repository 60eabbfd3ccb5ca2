"""`grade --jobs N`: grade N submissions at a time, each worker with its own Docker daemon.

The workers come from course.grading.isolation. Each holds ONE long-lived
grading process (`python -m course.grading.resident`) inside its network
namespace that grades the submissions it is sent one after another. Python's start-up, the
imports and the exercise registry are paid once per worker, not once per
submission: on 2 cores that was a third of a chapter-0 submission's time.

A worker's daemon is loaded with only the base images the run can use (those
the submissions, their exercises and the course apps those exercises copy
name), because a full load costs more than grading ten short notebooks.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Sequence

from checker import settings
from checker.probes import PROBE_IMAGE
from checker.registry import Registry, default_registry
from course.grading.gradebook import SubmissionGrade
from course.grading.options import GradeOptions, GradingRun
from course.grading.resident import DONE
from course.grading.submission import failed_grade

if TYPE_CHECKING:
    from course.grading.isolation import Worker
    from course.images import BaseImage

Log = Callable[[str], None]

CHILD_MARGIN = 300.0  # seconds a submission may take on top of its cells' and checks' own limits
STOP_GRACE = 20.0


def worker_images(paths: Sequence[Path], registry: Registry | None = None) -> list["BaseImage"]:
    """The catalog images grading these submissions can use: those a submission, one of its
    exercises, or a course app such an exercise copies names, and the checks' probe image."""
    import nbformat

    from course import images
    from course.grading.headless import notebook_exercises

    registry = registry or default_registry()
    texts = [PROBE_IMAGE]
    exercises: dict[str, Any] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
            nb = nbformat.reads(text, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable submission is graded (and rejected) later
            continue
        texts.append(text)
        exercises.update((ex.id, ex) for ex in notebook_exercises(nb, registry, path)[0])
    apps = sorted(p for p in settings.APPS_DIR.iterdir() if p.is_dir())
    for exercise in exercises.values():
        described = repr(exercise)
        texts.append(described)
        for app in apps:
            if re.search(rf"COURSE_APPS\W{{0,3}}{re.escape(app.name)}\b", described):
                texts.extend(
                    f.read_text(encoding="utf-8", errors="replace") for f in sorted(app.rglob("*")) if f.is_file()
                )
    return images.named_in(texts)


def submission_budget(path: Path, timeout: float, startup_timeout: float) -> float:
    """A finite limit for one submission: every cell timing out, the kernel restarting, plus a margin."""
    try:
        cells = len(json.loads(path.read_text(encoding="utf-8")).get("cells", []))
    except Exception:  # noqa: BLE001 - an unreadable file is rejected quickly by the grading process
        cells = 0
    return CHILD_MARGIN + cells * (timeout + 30) + 2 * startup_timeout


class GradingProcess:
    """The grading process of one worker: started on first use, fed one submission at a time,
    replaced if it dies or overruns a submission's budget."""

    def __init__(self, worker: "Worker", options: GradeOptions) -> None:
        self.worker = worker
        self.options = options
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._recent: collections.deque[str] = collections.deque(maxlen=12)

    def start(self) -> None:
        """Start the process now (it also starts on first use, and again after it died)."""
        if self._process is None or self._process.poll() is not None:
            self._spawn()

    def _spawn(self) -> subprocess.Popen[str]:
        argv = self.worker.command([sys.executable, "-m", "course.grading.resident"])
        env = self.worker.env()  # inherits COURSE_NO_PROGRESS from the grading run
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=str(self.worker.tmp),
            text=True,
            bufsize=1,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._lines = queue.Queue()
        threading.Thread(target=_pump, args=(process.stdout, self._lines), daemon=True).start()
        self._process = process
        self.worker.residents.add(process.pid)
        return process

    def grade(self, path: Path, learner: str) -> SubmissionGrade:
        started = time.monotonic()
        self.start()
        process = self._process
        assert process is not None
        request_id = uuid.uuid4().hex[:8]
        result_file = self.worker.tmp / f"result-{request_id}.json"
        request = {
            "id": request_id,
            "path": str(path.resolve()),
            "learner": learner,
            "result": str(result_file),
            "timeout": self.options.timeout,
            "startup_timeout": self.options.startup_timeout,
            "session": f"grade-{request_id}",
        }
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            budget = submission_budget(path, self.options.timeout, self.options.startup_timeout)
            outcome = self._wait_for(f"{DONE} {request_id}", started + budget)
            if outcome == "timeout":
                self.interrupt()
                self.stop()
                self.worker.kill_strays()
                return failed_grade(
                    path, learner, f"grading this submission took longer than {budget:g} s and was stopped", started
                )
            if outcome == "exited":
                self.stop()
                return failed_grade(
                    path,
                    learner,
                    f"the grading process exited with {process.poll()} and no result: {self.recent_output()}",
                    started,
                )
            return SubmissionGrade.from_dict(json.loads(result_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            return failed_grade(
                path, learner, f"the grading process gave no readable result ({exc}): {self.recent_output()}", started
            )
        finally:
            result_file.unlink(missing_ok=True)

    def _wait_for(self, marker: str, deadline: float) -> str:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                return "timeout"
            if line is None:
                return "exited"
            if line == marker:
                return "done"
            self._recent.append(line)

    def recent_output(self) -> str:
        return "\n".join(self._recent) or "(no output)"

    def stop(self) -> None:
        """End of input lets it finish and exit; SIGTERM (it stops its kernel and resets), then SIGKILL."""
        process, self._process = self._process, None
        if process is None:
            return
        self.worker.residents.discard(process.pid)
        if process.poll() is not None:
            return
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        for sig, grace in ((None, 5.0), (signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, 10.0)):
            if sig is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
            try:
                process.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def interrupt(self) -> None:
        """Ctrl-C: SIGTERM now, so all workers stop at once rather than one after the other."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)


def _pump(stream: IO[str] | None, lines: "queue.Queue[str | None]") -> None:
    """Every output line of a grading process, then None at its end."""
    if stream is not None:
        for line in stream:
            lines.put(line.rstrip("\n"))
    lines.put(None)


def grade_in_parallel(
    paths: list[Path],
    names: list[str],
    options: GradeOptions,
    client: Any,
    run: GradingRun,
    log: Log,
    describe: Callable[[SubmissionGrade], str],
) -> list[SubmissionGrade]:
    from course.grading import isolation

    isolation.require_isolation(options.jobs)
    count = min(options.jobs, len(paths))
    needed = worker_images(paths)
    log(f"Starting {count} isolated Docker daemon(s) with {', '.join(i.name for i in needed) or 'no base images'}…")
    processes: dict[str, GradingProcess] = {}

    def start_grading_process(worker: "Worker") -> None:
        """Python and the imports start while the images load."""
        processes[worker.name] = GradingProcess(worker, options)
        processes[worker.name].start()

    with isolation.WorkerPool(
        count, main_client=client, images=needed, log=log, on_daemon_ready=start_grading_process
    ) as pool:
        run.isolation = {**pool.describe(), "images": [image.name for image in needed]}
        run.workers = count
        log(
            f"Workers ready in {pool.timings.get('ready_s', 0):g} s "
            f"(daemons {pool.timings.get('daemons_s', 0):g} s, images {pool.timings.get('save_s', 0):g} s save + "
            f"{pool.timings.get('load_s', 0):g} s load, {pool.timings.get('bundle_mb', 0):g} MB)."
        )

        def one(index: int) -> SubmissionGrade:
            with pool.acquire() as worker:
                grade = processes[worker.name].grade(paths[index], names[index])
            log(describe(grade))
            return grade

        executor = ThreadPoolExecutor(max_workers=count)
        try:
            futures = [executor.submit(one, index) for index in range(len(paths))]
            return [future.result() for future in futures]
        except BaseException:
            for process in processes.values():
                process.interrupt()
            raise
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            for process in processes.values():
                process.stop()
