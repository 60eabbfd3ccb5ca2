"""A cgroup v1 group per sandbox (memory, pids, freezer): limits the whole tree and kills it reliably.

Rootless Docker ignores `--memory` and `--pids-limit` under cgroup v1
(`Cgroup Driver: none`), so root places the daemon's first process in the
sandbox's groups before it starts anything: rootlesskit, dockerd,
containerd, every container and every command `enter()` runs inherit them. A
memory hog or a fork bomb then hits the sandbox's own limit, not the host's.
The freezer lets `kill_all` stop a fork bomb between listing and killing.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from course.sandbox.model import CGROUP_PARENT, CGROUP_ROOT, CONTROLLERS, Limits
from course.sandbox.shell import SandboxError


def paths(name: str) -> list[Path]:
    return [CGROUP_ROOT / controller / CGROUP_PARENT / name for controller in CONTROLLERS]


def _path(controller: str, name: str) -> Path:
    return CGROUP_ROOT / controller / CGROUP_PARENT / name


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def create(name: str, limits: Limits) -> list[str]:
    """Make the groups and set the limits; swap (memsw) gets the same cap, so a hog cannot escape to swap."""
    made = []
    for path in paths(name):
        path.mkdir(parents=True, exist_ok=True)
        made.append(str(path))
    memory = _path("memory", name)
    limit = str(limits.memory_mb * 1024 * 1024)
    try:
        _write(memory / "memory.limit_in_bytes", limit)
        if (memory / "memory.memsw.limit_in_bytes").exists():
            _write(memory / "memory.memsw.limit_in_bytes", limit)
        _write(_path("pids", name) / "pids.max", str(limits.pids))
    except OSError as exc:
        raise SandboxError(
            f"Could not set the limits of cgroup {name}: {exc}.",
            "check that /sys/fs/cgroup is writable by root (cgroup v1)",
        ) from None
    return made


def wrap(name: str, argv: Sequence[str]) -> list[str]:
    """argv, started inside the sandbox's groups: a shell joins them, then execs argv (so every child is in)."""
    joins = " && ".join(f"echo $$ > {shlex.quote(str(path / 'cgroup.procs'))}" for path in paths(name))
    return ["sh", "-c", f'{joins} || exit 125; exec "$@"', "sh", *argv]


def pids(name: str) -> set[int]:
    """Every process in any of the sandbox's groups."""
    found: set[int] = set()
    for path in paths(name):
        with contextlib.suppress(OSError):
            found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
    return found


@contextlib.contextmanager
def frozen(name: str):
    """Nothing in the sandbox runs (or forks) inside this block."""
    state = _path("freezer", name) / "freezer.state"
    try:
        _write(state, "FROZEN")
        deadline = time.monotonic() + 5
        while state.read_text().strip() != "FROZEN" and time.monotonic() < deadline:
            time.sleep(0.01)
    except OSError:
        pass  # no freezer group (a half-made sandbox): kill without it
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            _write(state, "THAWED")


def kill(name: str, select: Callable[[int], bool] = lambda _pid: True, timeout: float = 10) -> int:
    """SIGKILL the selected processes of the sandbox, frozen so a fork bomb cannot outrun it; repeat until none
    is left. Returns how many were signalled."""
    signalled = 0
    deadline = time.monotonic() + timeout
    while True:
        with frozen(name):
            targets = [pid for pid in pids(name) if select(pid)]
            for pid in targets:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        signalled += len(targets)
        if not targets or time.monotonic() > deadline:
            return signalled
        time.sleep(0.05)  # let the killed ones exit before looking again


def wait_empty(name: str, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while pids(name):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def remove(name: str) -> list[str]:
    """Remove the (empty) groups; returns those that could not be removed."""
    left = []
    for path in paths(name):
        for child in sorted((p for p in path.glob("**/") if p.is_dir()), key=lambda p: len(str(p)), reverse=True):
            with contextlib.suppress(OSError):
                child.rmdir()
        if path.exists():
            left.append(str(path))
    return left


def names() -> set[str]:
    """Sandbox groups present under any controller (the reaper's view)."""
    found: set[str] = set()
    for controller in CONTROLLERS:
        parent = CGROUP_ROOT / controller / CGROUP_PARENT
        with contextlib.suppress(OSError):
            found.update(p.name for p in parent.iterdir() if p.is_dir())
    return found


def memory(name: str) -> dict[str, int]:
    """Bytes charged to the sandbox: usage (with page cache), rss, cache, the peak and how often it hit the limit."""
    path = _path("memory", name)
    stats: dict[str, int] = {}
    with contextlib.suppress(OSError, ValueError):
        for line in (path / "memory.stat").read_text().splitlines():
            key, value = line.split()
            if key in ("total_rss", "total_cache", "total_shmem", "total_mapped_file"):
                stats[key.removeprefix("total_")] = int(value)
        stats["usage"] = int((path / "memory.usage_in_bytes").read_text())
        stats["max_usage"] = int((path / "memory.max_usage_in_bytes").read_text())
        stats["failcnt"] = int((path / "memory.failcnt").read_text())
    return stats


def pids_state(name: str) -> dict[str, int]:
    """Current task count, the cap, and how many forks the cap refused (pids.events `max`)."""
    path = _path("pids", name)
    state: dict[str, int] = {}
    with contextlib.suppress(OSError, ValueError):
        state["current"] = int((path / "pids.current").read_text())
        limit = (path / "pids.max").read_text().strip()
        state["max"] = -1 if limit == "max" else int(limit)
        for line in (path / "pids.events").read_text().splitlines():
            key, value = line.split()
            state[f"events_{key}"] = int(value)
    return state


def oom_kills(name: str) -> int:
    """How many processes the kernel's OOM killer took in this group (memory.oom_control `oom_kill`)."""
    with contextlib.suppress(OSError, ValueError):
        for line in (_path("memory", name) / "memory.oom_control").read_text().splitlines():
            key, value = line.split()
            if key == "oom_kill":
                return int(value)
    return 0
