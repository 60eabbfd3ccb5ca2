"""Where a headless notebook's kernel runs, and where its work folder is.

Trusted (`grade --trusted`, plain `verify`): the kernel runs as this process's user and the work folder is a
temporary folder. In a sandbox (COURSE_SANDBOX set by `grade` or `verify --sandbox`, course.grading.sandboxed):
this process is root in the sandbox daemon's network namespace, with DOCKER_HOST on its daemon, and only the
kernel moves: it runs as the sandbox's user (course.sandbox.kernel), and the work folder is in the sandbox's home,
handed over to that user after the grader writes into it (a fresh folder, an exercise's starter files).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker import settings
from checker.errors import CourseError

WORK_FOLDER = "grading"  # in the sandbox's home


class Placement:
    """Kernels as this process's user, work folders in the temp folder: for trusted notebooks only."""

    sandboxed = False

    @property
    def work_root(self) -> Path | None:
        return None

    def kernel_manager(self, workdir: Path) -> Any:  # noqa: ARG002 - a sandbox's kernels need it
        """None: nbclient starts its own kernel (as this user)."""
        return None

    def hand_over(self, path: Path) -> None:
        """Nothing to do: the kernel runs as the user who wrote the files."""

    def stop(self, manager: Any) -> None:
        """Nothing to do: nbclient stops the kernels it started itself."""


@dataclass
class SandboxPlacement(Placement):
    """Kernels as the sandbox's user, in its namespaces; work folders in its home, owned by that user."""

    sandbox: Any
    runtime: Any
    sandboxed = True

    @property
    def work_root(self) -> Path:
        from course.sandbox.kernel import user_folder

        return user_folder(self.sandbox, WORK_FOLDER)

    def kernel_manager(self, workdir: Path) -> Any:
        from course.sandbox.kernel import SandboxKernelManager

        return SandboxKernelManager(sandbox=self.sandbox, runtime=self.runtime, workdir=workdir)

    def hand_over(self, path: Path) -> None:
        """Give `path` and everything under it to the sandbox's user. Links are changed, never followed:
        the kernel may have planted a link to a file of the grader's."""
        uid, gid = self.sandbox.state.uid, self.sandbox.state.gid
        os.lchown(path, uid, gid)
        for folder, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(folder, name), uid, gid)

    def stop(self, manager: Any) -> None:
        from course.sandbox.kernel import stop

        stop(manager)


def describe(sandbox_name: str, runtime: Any) -> str:
    """The COURSE_SANDBOX value for a grading process: name, runtime venv and code folder."""
    return ":".join((sandbox_name, str(runtime.venv), str(runtime.code)))


def current() -> Placement:
    """The placement this process was started with (COURSE_SANDBOX), or the trusted one."""
    value = settings.SANDBOX.get()
    if not value:
        return Placement()
    from course.sandbox.model import STATE_DIR, SandboxState
    from course.sandbox.runtime import Runtime
    from course.sandbox.sandbox import Sandbox

    name, venv, code = (value.split(":") + ["", ""])[:3]
    state = SandboxState.load(STATE_DIR / f"{name}.json")
    if state is None or not venv or not code:
        raise CourseError(
            f"{settings.SANDBOX.name}={value!r} names no live sandbox and runtime.",
            "it is set by `grade` and `verify --sandbox` for their own grading process; unset it",
        )
    return SandboxPlacement(Sandbox(state), Runtime(Path(venv), Path(code)))
