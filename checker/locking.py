"""One check of an exercise at a time: a second click waits briefly, then says why it cannot run.

The lock is an flock on a file per exercise, so it also keeps apart two
processes (a notebook and the command line). It can be released by another
thread than the one that took it: a check that overruns its deadline hands
its lock to the thread still doing the work, which releases it when the work
has really stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Iterator

from checker.errors import CheckBusy
from checker.i18n import _


def _lock_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"docker-course-locks-{os.getuid()}"
    path.mkdir(exist_ok=True)
    return path


class HeldLock:
    """An exercise's lock, held until `release()` (from any thread; a second call does nothing)."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle: IO[str] | None = handle
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        with self._guard:
            handle, self._handle = self._handle, None
        if handle is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                handle.close()


def acquire(exercise_id: str, wait: float = 5.0) -> HeldLock:
    """Take the exercise's lock; raise CheckBusy if another holder keeps it longer than `wait`."""
    handle = open(_lock_dir() / f"{exercise_id}.lock", "w")  # closed by HeldLock.release
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return HeldLock(handle)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                raise CheckBusy(
                    _("Another check or reset of {exercise} is still running.").format(exercise=exercise_id),
                    _("wait for it to finish, then click Check again"),
                ) from None
            time.sleep(0.1)


@contextlib.contextmanager
def exercise_lock(exercise_id: str, wait: float = 5.0) -> Iterator[None]:
    """Hold the exercise's lock for the block (reset, and tests that play a second check)."""
    held = acquire(exercise_id, wait)
    try:
        yield
    finally:
        held.release()
