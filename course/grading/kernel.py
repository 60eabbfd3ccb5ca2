"""A notebook kernel for headless runs: one cell at a time, replaced after a timeout or a death.

A learner's cell that raises, times out or kills the kernel comes back as a
CellFailure (classify_cell_failure is the one place that decides), never as
an exception; anything else is the grader's own failure and is raised.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker import settings
from checker.errors import CourseError
from checker.i18n import _
from course.grading.gradebook import CELL_ERROR, KERNEL_DIED, TIMEOUT
from course.grading.placement import Placement

DEFAULT_CELL_TIMEOUT = 120.0
STARTUP_TIMEOUT = 60.0
REPLACEMENT_RETRY_S = 3.0
KERNEL_NAME = "python3"  # always: a submission cannot choose its own kernel


class KernelUnavailable(CourseError):
    """The notebook kernel could not be started: a grading failure, not the learner's."""


@dataclass(frozen=True)
class CellFailure:
    """A learner cell that did not complete: what happened, and whether the kernel must be replaced."""

    status: str  # CELL_ERROR | TIMEOUT | KERNEL_DIED
    cell: int  # 0-based index in the notebook
    message: str
    restart_kernel: bool


def classify_cell_failure(exc: BaseException, cell_index: int, timeout: float) -> CellFailure:
    """The one place that decides raise-or-continue for a learner's cell.

    A timeout or a dead kernel replaces the kernel and blocks the exercise; an
    exception blocks the exercise and execution continues. Anything else is
    the grader's own failure and is raised.
    """
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    number = cell_index + 1
    if isinstance(exc, CellTimeoutError):
        message = _(
            "cell {number} did not finish within {seconds} s and was stopped "
            "(an endless loop, or a command that waits forever such as `docker run` without `-d`?)"
        )
        return CellFailure(
            TIMEOUT, cell_index, message.format(number=number, seconds=f"{timeout:g}"), restart_kernel=True
        )
    if isinstance(exc, DeadKernelError):
        message = _("the Python kernel died while running cell {number}").format(number=number)
        return CellFailure(KERNEL_DIED, cell_index, message, restart_kernel=True)
    if isinstance(exc, CellExecutionError):
        detail = f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
        if len(detail) > 300:
            detail = detail[:297] + "…"
        message = _("cell {number} raised an error: {detail}").format(number=number, detail=detail)
        return CellFailure(CELL_ERROR, cell_index, message, restart_kernel=False)
    raise exc


def kernel_env(workdir: Path) -> dict[str, str]:
    """The kernel's environment: the submission's own work folder and a throwaway progress file.

    COURSE_NO_PROGRESS is inherited from the grader (grading and verify set it).
    """
    env = dict(os.environ)
    env[settings.WORKDIR.name] = str(workdir)
    env[settings.PROGRESS.name] = str(workdir / ".progress.json")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


class KernelRunner:
    """One kernel at a time, started on demand and replaced after a timeout or a death.

    A replacement kernel first replays the notebook's preamble (the cells that
    ran fine before the first exercise, such as `from course.notebook import …`)
    so that the cells after the failure run as they would for the learner.
    """

    def __init__(
        self,
        nb: Any,
        *,
        workdir: Path,
        timeout: float,
        startup_timeout: float,
        preamble_end: int = 0,
        honour_raises_exception: bool = False,
        placement: Placement | None = None,
    ) -> None:
        self.nb = nb
        self.placement = placement or Placement()
        self.honour_raises_exception = honour_raises_exception
        self.workdir = workdir
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.preamble_end = preamble_end
        self._preamble: list[int] = []
        self._replacing = False
        self._client: Any = None
        self._context: Any = None
        self._manager: Any = None  # a kernel manager the placement made (nbclient does not stop those)

    def __enter__(self) -> "KernelRunner":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _start(self) -> None:
        from nbclient import NotebookClient

        self._manager = self.placement.kernel_manager(self.workdir)
        client = NotebookClient(
            self.nb,
            km=self._manager,
            kernel_name=KERNEL_NAME,
            timeout=int(max(1, round(self.timeout))),
            startup_timeout=int(self.startup_timeout),
            allow_errors=False,
            # A learner could tag a cell `raises-exception` to hide its error; only the course's own notebooks may.
            force_raise_errors=not self.honour_raises_exception,
            interrupt_on_timeout=False,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(self.workdir)}},
        )
        # The kernel's own stderr (ipykernel's start-up warnings) is not the learner's output.
        context = client.setup_kernel(env=kernel_env(self.workdir), stderr=subprocess.DEVNULL)
        try:
            context.__enter__()
        except Exception as exc:  # noqa: BLE001 - any start failure is the grader's, said once
            self._stop_manager()
            raise KernelUnavailable(
                f"The notebook kernel ({KERNEL_NAME}) did not start within {self.startup_timeout:g} s: "
                f"{type(exc).__name__}: {exc}",
                "check that ipykernel is installed in this environment (`python -m ipykernel --version`)",
            ) from None
        self._client, self._context = client, context
        if self._replacing:
            self._replacing = False
            for index in self._preamble:
                try:
                    client.execute_cell(self.nb.cells[index], index)
                except Exception:  # noqa: BLE001 - it ran fine once; a replay is best effort
                    pass

    def stop(self) -> None:
        if self._context is not None:
            context, self._context, self._client = self._context, None, None
            try:
                context.__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - a dead kernel may fail to shut down; it is gone either way
                pass
        self._stop_manager()

    def _stop_manager(self) -> None:
        manager, self._manager = self._manager, None
        if manager is not None:
            try:
                self.placement.stop(manager)
            except Exception:  # noqa: BLE001 - same: a kernel that will not stop is killed with its namespace
                pass

    def run(self, index: int) -> CellFailure | None:
        """Execute one cell; a learner's failure comes back as a CellFailure, never as an exception."""
        if self._client is None:
            try:
                self._start()
            except KernelUnavailable:
                if not self._replacing:
                    raise
                # The learner's last cell may have exhausted the sandbox (a fork bomb's processes still dying):
                # one more try after a pause, then it is the grader's failure.
                time.sleep(REPLACEMENT_RETRY_S)
                self._start()
        try:
            self._client.execute_cell(self.nb.cells[index], index)
        except Exception as exc:  # noqa: BLE001 - classified in one place, re-raised if it is ours
            failure = classify_cell_failure(exc, index, self.timeout)
            if failure.restart_kernel:
                self.stop()
                self._replacing = True
            return failure
        if index < self.preamble_end:
            self._preamble.append(index)
        return None
