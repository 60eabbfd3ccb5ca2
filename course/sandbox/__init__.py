"""Sandboxes: one Unix user, rootless Docker daemon, network namespace and cgroup per learner or submission.

    from course.sandbox import Sandbox, Limits, clean_up_leftovers
    clean_up_leftovers()                       # what a SIGKILLed run left behind
    with Sandbox.create(images=["busybox:1.35"]) as sandbox:
        sandbox.docker("run", "--rm", "busybox:1.35", "echo", "hi")
        sandbox.wipe()                         # fast reuse for the next submission
    # left the block (also on Ctrl-C): everything is gone

Root only. `python -m course.sandbox check|install|list|clean` from a shell.
"""

from __future__ import annotations

from course.sandbox.host import ensure_installed, problems, require
from course.sandbox.model import Limits, SandboxState
from course.sandbox.reaper import clean_up_leftovers
from course.sandbox.sandbox import Sandbox
from course.sandbox.shell import SandboxError

__all__ = [
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxState",
    "clean_up_leftovers",
    "ensure_installed",
    "problems",
    "require",
]
