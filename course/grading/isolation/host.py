"""The host side of isolation: can this machine run isolated workers, and the tools to tidy up after one."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

from checker.errors import CourseError

REQUIRED_TOOLS = ("ip", "nsenter", "dockerd", "containerd", "iptables")
STOP_TIMEOUT = 20.0
NETNS_DIR = Path("/var/run/netns")


class IsolationUnavailable(CourseError):
    """Isolated workers cannot be set up on this machine (not root, a tool missing, a daemon that fails)."""


def isolation_problem() -> str | None:
    """Why isolated workers cannot run here, or None when they can."""
    if os.name != "posix" or not hasattr(os, "geteuid"):
        return "it needs Linux network namespaces"
    if os.geteuid() != 0:
        return "it needs root (network namespaces and a second dockerd)"
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not found on PATH"
    return None


def require_isolation(jobs: int) -> None:
    problem = isolation_problem()
    if problem:
        raise IsolationUnavailable(
            f"--jobs {jobs} grades in parallel only with an isolated Docker daemon per worker, and isolation is "
            f"not available here: {problem}. Without it, two submissions would share one daemon and collide on "
            "container names and host ports.",
            "grade with --jobs 1 (one submission at a time on the main daemon), or run the grader as root on a "
            "Linux machine with iproute2 (`ip`), util-linux (`nsenter`), dockerd and containerd",
        )


def run_tool(argv: Sequence[str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def terminate(process: subprocess.Popen[bytes] | None, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM, wait, then SIGKILL: a daemon gets the chance to unmount before it goes."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def tail(path: Path, lines: int = 6) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def namespace_pids(name: str) -> list[int]:
    proc = run_tool(["ip", "netns", "pids", name])
    return [int(p) for p in proc.stdout.split() if p.isdigit()] if proc.returncode == 0 else []


def lineage(pid: int) -> list[tuple[int, str]]:
    """The process and its ancestors as (pid, comm), up to init; empty if it is already gone."""
    chain: list[tuple[int, str]] = []
    while pid > 1 and len(chain) < 64:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        chain.append((pid, comm))
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return chain


def unmount_under(root: Path) -> None:
    """Mounts a daemon left below its folders (the netns bind, overlay mounts): deepest first."""
    prefix = str(root) + "/"
    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    for target in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        run_tool(["umount", "-l", target])


def remove_cgroups(parent: str) -> None:
    """Empty cgroup folders named after the worker's --cgroup-parent (cgroup v1 and v2 layouts)."""
    base = Path("/sys/fs/cgroup")
    for candidate in [*base.glob(f"*/{parent}"), base / parent]:
        if candidate.is_dir():
            for child in sorted(candidate.glob("**/"), key=lambda p: len(str(p)), reverse=True):
                with contextlib.suppress(OSError):
                    child.rmdir()
