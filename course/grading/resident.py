"""The resident grading process of one isolated worker: `python -m course.grading.resident`.

It grades each submission requested on stdin (one JSON line each) with
course.grading.submission (kernels placed as COURSE_SANDBOX says), writes the SubmissionGrade as JSON to the file the
request names, then prints the DONE line; it exits at the end of input.
Python's start-up and the imports are paid once per worker, not per submission.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from checker import settings
from checker.errors import CourseError
from course.grading import placement
from course.grading.interrupts import raise_interrupt
from course.grading.submission import failed_grade, grade_submission

DONE = "course-grade-done"  # the line a grading process prints when a result file is complete


def serve(stdin: IO[str] = sys.stdin) -> int:
    """Inside a worker: grade each submission requested on stdin, write its SubmissionGrade as JSON,
    then print the DONE line; exit at the end of input."""
    signal.signal(signal.SIGTERM, raise_interrupt)
    _exit_with_parent()
    where = placement.current()  # in a sandbox, its user runs the kernels
    for line in stdin:
        request = json.loads(line)
        os.environ[settings.SESSION.name] = request["session"]  # labels of this submission's resources
        path = Path(request["path"])
        started = time.monotonic()
        try:
            grade = grade_submission(
                path,
                request["learner"],
                timeout=request["timeout"],
                startup_timeout=request["startup_timeout"],
                work_root=Path(tempfile.gettempdir()),
                placement=where,
            )
        except CourseError as exc:
            grade = failed_grade(path, request["learner"], str(exc), started)
        Path(request["result"]).write_text(json.dumps(grade.to_dict(), ensure_ascii=False), encoding="utf-8")
        print(f"{DONE} {request['id']}", flush=True)
    return 0


def _exit_with_parent(interval: float = 0.5) -> None:
    """End this process (and its kernel) when the grader that started it dies, even by SIGKILL: nothing else
    would, since it runs in its own session (and, in a sandbox, in the sandbox's namespaces)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


if __name__ == "__main__":
    sys.exit(serve())
