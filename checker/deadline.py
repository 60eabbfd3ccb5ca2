"""Work with a deadline: the one time-limited run behind a check and a panel's reset.

Python cannot stop a thread, so work that overruns is abandoned, not killed: it
goes on in its own daemon thread, whose `cleanup` still runs when the work
really ends. A check hands its exercise lock to that cleanup, so a second check
of the same exercise is refused until the first has stopped touching the daemon.

Threads are reused while they keep up: starting one per check cost about a
millisecond, a fifth of a state-only check. A thread whose work overran is never
handed out again, and it cannot hold up the interpreter's exit.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, TypeVar

from checker.errors import CheckTimeout
from checker.i18n import N_, _

T = TypeVar("T")

HANGING_FIX = N_("something is hanging (a container that never answers?); `docker ps` and `docker logs` show its state")


class _Runner:
    """A daemon thread that runs one job at a time."""

    _idle: list[_Runner] = []
    _idle_lock = threading.Lock()

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="course-deadline", daemon=True).start()

    def _serve(self) -> None:
        while True:
            self.jobs.get()()

    @classmethod
    def take(cls) -> _Runner:
        with cls._idle_lock:
            return cls._idle.pop() if cls._idle else cls()

    def give_back(self) -> None:
        with self._idle_lock:
            self._idle.append(self)


def run_within(
    seconds: float,
    work: Callable[[], T],
    what: str,
    *,
    fix: str | None = None,
    cleanup: Callable[[], None] | None = None,
) -> T:
    """`work()` in a daemon thread; a CheckTimeout (never a result) after `seconds`.

    `what` names the work in the message: "The check of warmup-hello" (in the learner's language);
    `fix` defaults to HANGING_FIX.

    `cleanup` runs in that thread once `work` has returned or raised, whether or
    not the caller is still waiting: what it releases stays held while work runs.
    """
    box: dict[str, object] = {}
    done = threading.Event()

    def job() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            box["error"] = exc
        finally:
            try:
                if cleanup is not None:
                    cleanup()
            finally:
                done.set()

    runner = _Runner.take()
    runner.jobs.put(job)
    if not done.wait(seconds):
        raise CheckTimeout(
            _("{what} did not finish within {seconds:g} s.").format(what=what, seconds=seconds),
            _(HANGING_FIX) if fix is None else fix,
        )
    runner.give_back()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]
