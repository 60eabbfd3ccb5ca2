"""Find sandboxes that nobody will remove any more, by their marks, and remove them.

Modelled on Testcontainers' reaper: whatever a run creates is marked, and
whatever is marked but no longer owned is removed later. A sandbox is
abandoned when its state file names an owner process that is gone (pid and
start time), or when objects named `dcsb-…` (a user, a home, a disk image, a
netns, a cgroup) exist with no state file at all: the state file is written
before anything is created and removed last, so such objects are leftovers of
a removal that failed. Call `clean_up_leftovers()` at the start of a run, or
`python -m course.sandbox clean`.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator

from course.sandbox import cgroups, netns, pin, uplink, users
from course.sandbox.model import STATE_DIR, SandboxState, all_states, ensure_state_dir, is_sandbox_name
from course.sandbox.sandbox import Sandbox
from course.sandbox.shell import SandboxError

Log = Callable[[str], None]


def marked_names() -> set[str]:
    """Every sandbox name that some host object still carries."""
    found = users.names() | netns.names() | cgroups.names() | uplink.names() | pin.names()
    return {name for name in found if is_sandbox_name(name)}


def abandoned(*, everything: bool = False) -> list[SandboxState]:
    """Sandboxes whose owner is gone (all of them with everything=True), including orphaned marks."""
    marks = marked_names()  # before the state files: a sandbox being created has its state file first
    states = all_states()
    known = {state.name for state in states}
    chosen = [state for state in states if everything or not state.owner_alive()]
    for name in sorted(marks - known):
        chosen.append(SandboxState(name=name, owner_pid=0, owner_start=None, netns=name))
    return chosen


def clean_up_leftovers(*, everything: bool = False, log: Log = lambda _line: None) -> list[str]:
    """Remove abandoned sandboxes; returns their names. Raises if one of them could not be fully removed."""
    removed, failed = [], []
    with _exclusive():  # two runs starting together must not remove the same sandbox twice
        for state in abandoned(everything=everything):
            try:
                Sandbox(state).destroy()
            except SandboxError as exc:
                failed.append(str(exc))
                continue
            removed.append(state.name)
            log(f"removed abandoned sandbox {state.name}")
    if failed:
        raise SandboxError(
            "Some abandoned sandboxes could not be removed: " + " ".join(failed),
            "check `mount`, `ip netns` and the processes listed, then run the clean-up again",
        )
    return removed


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    ensure_state_dir()
    with open(STATE_DIR / ".reaper.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
