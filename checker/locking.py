"""One check of an exercise at a time: a second click waits briefly, then says why it cannot run."""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator

from checker.errors import CheckBusy


def _lock_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"docker-course-locks-{os.getuid()}"
    path.mkdir(exist_ok=True)
    return path


@contextlib.contextmanager
def exercise_lock(exercise_id: str, wait: float = 5.0) -> Iterator[None]:
    """Hold the exercise's lock; raise CheckBusy if another process keeps it longer than `wait`."""
    with open(_lock_dir() / f"{exercise_id}.lock", "w") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CheckBusy(
                        f"Another check or reset of {exercise_id} is still running.",
                        "wait for it to finish, then click Check again",
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
