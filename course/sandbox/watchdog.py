"""A reaper process per sandbox that removes it the moment its owner dies, as Testcontainers' Ryuk does.

The owner keeps the write end of a pipe whose read end is the watchdog's
stdin. The kernel closes it when the owner exits for any reason, SIGKILL
included, and the watchdog's read returns: if the owner is gone and the
sandbox's state file is still there, it destroys the sandbox. A normal
`destroy()` closes the pipe while the owner lives, and the watchdog just exits.
It runs in its own session, so a Ctrl-C aimed at the grader does not reach it.
What survives even this (the machine went down, the watchdog was killed too)
is left to `clean_up_leftovers()` on the next run.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from course.sandbox.model import STATE_DIR, SandboxState


def spawn(state: SandboxState) -> int:
    """Start the watchdog of this sandbox; returns the pipe's write end, which the owner keeps open."""
    read_end, write_end = os.pipe()  # not inherited by the owner's other children (O_CLOEXEC)
    with open(log_path(state), "wb") as log:
        subprocess.Popen(
            [sys.executable, "-m", "course.sandbox", "watch", state.name],
            stdin=read_end,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    os.close(read_end)
    return write_end


def log_path(state: SandboxState) -> Path:
    return STATE_DIR / f"{state.name}.watchdog.log"


def release(write_end: int | None) -> None:
    if write_end is not None:
        with contextlib.suppress(OSError):
            os.close(write_end)


def watch(name: str, destroy: Callable[[SandboxState], None], grace: float = 10.0) -> int:
    """Block until the owner's pipe closes; then remove the sandbox if its owner died (not if it let go)."""
    while sys.stdin.buffer.read(4096):  # returns b"" only when every write end is closed
        pass
    deadline = time.monotonic() + grace  # the pipe closes while the owner is still exiting: let it finish
    while True:
        state = SandboxState.load(STATE_DIR / f"{name}.json")
        if state is None:
            return 0  # removed normally
        if not state.owner_alive():
            break
        if time.monotonic() > deadline:
            return 0  # the owner lives and let go deliberately (its destroy left something for the reaper)
        time.sleep(0.05)
    destroy(state)  # removes the log too; if it raises, the log keeps the reason
    return 0
