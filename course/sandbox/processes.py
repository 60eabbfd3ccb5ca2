"""Telling a sandbox's processes apart from /proc: the daemon's, its containers', and strays.

`wipe()` kills containers' processes and strays (an orphaned kernel, a shell
left by `enter()`) but must spare the daemon tree. A container process is a
descendant of a containerd shim, wherever the shim was re-parented to; the
shim is recognised by its executable (/proc/PID/exe, which a process cannot
fake by renaming itself), the daemon tree by descending from rootlesskit.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from course.sandbox.shell import SandboxError

if TYPE_CHECKING:
    from course.sandbox.model import SandboxState

SHIM_PREFIX = "containerd-shim"
ROOTLESSKIT = "rootlesskit"


def _stat(pid: int) -> tuple[str, int] | None:
    """(comm, parent pid), or None when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = stat[stat.index("(") + 1 : stat.rindex(")")]
    return comm, int(stat.rsplit(")", 1)[1].split()[1])


def ancestors(pid: int) -> list[int]:
    """The parents of pid, nearest first, up to (not including) init."""
    chain: list[int] = []
    current = _stat(pid)
    while current is not None and current[1] > 1 and len(chain) < 128:
        chain.append(current[1])
        current = _stat(current[1])
    return chain


def parent(pid: int) -> int | None:
    found = _stat(pid)
    return found[1] if found else None


def children(pids: set[int]) -> list[int]:
    """The live children of any of these processes."""
    return sorted(
        int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit() and parent(int(entry.name)) in pids
    )


def _exe_name(pid: int) -> str | None:
    with contextlib.suppress(OSError):
        return os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    return None


def find_rootlesskit(launcher: int) -> int | None:
    """The outermost rootlesskit below the daemon's launcher (unshare, then tini as PID 1 of the daemon's own
    PID namespace): level by level, so rootlesskit is found before its child of the same executable."""
    level = {launcher}
    for _depth in range(4):
        level = set(children(level))
        found = sorted(pid for pid in level if _exe_name(pid) == ROOTLESSKIT)
        if found:
            return found[0]
    return None


def inner_netns(state: SandboxState) -> str:
    """The daemon's own network namespace (rootlesskit's child): the sandbox's "host" network.

    Published ports, `--network host` containers and container IPs all answer
    there, as on a machine with rootful Docker. The sandbox's outer netns only
    holds rootlesskit's port forwarder (so it never binds the real host's ports).
    """
    pid = state.inner_pid
    if pid is None or state.daemon_pid is None or state.daemon_pid not in ancestors(pid):
        raise SandboxError(
            f"The Docker daemon of sandbox {state.name} is not running any more.",
            "destroy the sandbox and create a new one",
        )
    return f"/proc/{pid}/ns/net"


def rootlesskit_child(rootlesskit: int) -> int | None:
    """rootlesskit's child process (the one in the new user, mount and network namespaces), not slirp4netns."""
    try:
        own = os.readlink(f"/proc/{rootlesskit}/exe")
    except OSError:
        return None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and parent(int(entry.name)) == rootlesskit:
            with contextlib.suppress(OSError):
                if os.readlink(entry / "exe") == own:
                    return int(entry.name)
    return None


def is_shim(pid: int) -> bool:
    return (_exe_name(pid) or "").startswith(SHIM_PREFIX)


def daemon_roots(daemon_pid: int | None) -> set[int]:
    return {daemon_pid} if daemon_pid else set()


def role(pid: int, roots: set[int]) -> str:
    """ "container" (below a shim), "daemon" (a shim, or below rootlesskit) or "stray" (anything else)."""
    chain = ancestors(pid)
    if any(is_shim(parent) for parent in chain):
        return "container"
    if pid in roots or roots & set(chain) or is_shim(pid):
        return "daemon"
    return "stray"


def _uid(pid: int) -> int | None:
    """The real uid of a live process; None for a zombie (already dead, only waiting for its parent to reap
    it: orphans of a killed sandbox are re-parented to init, which reaps them in its own time)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:") and line.split()[1] in ("Z", "X"):
                return None
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return None


def owned_by(uid: int | None, subuid: tuple[int, int] | None) -> set[int]:
    """Live processes whose real uid is the sandbox user's or in its subordinate range (its containers' users)."""
    if uid is None:
        return set()
    first, count = subuid or (0, 0)
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            owner = _uid(int(entry.name))
            if owner is not None and (owner == uid or (count and first <= owner < first + count)):
                found.add(int(entry.name))
    return found


def pss_total(pids: set[int]) -> int:
    """Proportional set size of these processes together, in bytes (shared pages counted once overall)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
    return total


def sharing_netns(pid: int | None) -> set[int]:
    """Every process in the same network namespace as `pid` (none if it is gone): the grader's own processes
    that entered the daemon's netns as root, which neither the cgroups nor the user's uid hold."""
    if pid is None:
        return set()
    try:
        namespace = os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return set()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(entry / "ns" / "net").st_ino == namespace:
                    found.add(int(entry.name))
    return found - {os.getpid()}
