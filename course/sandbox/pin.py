"""The daemon's socket as root sees it: pinned, so the learner cannot put an impostor in its place.

The rootless daemon listens on /run/user/UID/docker.sock, in a folder its user owns: the learner's kernel, or a
container started with `-v /run/user/UID:/r`, may delete that socket and listen on the same path with a fake
Docker API that answers every check the way the grader wants. So once the daemon answers, root bind-mounts
the socket's inode on a root-only path (STATE_DIR/NAME.sock). Connecting there reaches that inode, the real
daemon's, whatever later happens to the path in /run/user/UID; if the daemon itself is killed, the grader gets
"connection refused", never a stranger. Everything root asks (checks, probes, wipe) goes through the pin.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from course.sandbox.model import STATE_DIR, SandboxState, ensure_state_dir
from course.sandbox.shell import SandboxError, run


def path(state: SandboxState) -> Path:
    return STATE_DIR / f"{state.name}.sock"


def pin(state: SandboxState) -> Path:
    """Bind the live socket onto its root-only path; returns that path."""
    ensure_state_dir()
    target = path(state)
    target.touch(mode=0o600)
    made = run(["mount", "--bind", str(state.socket), str(target)], check=False)
    if made.returncode != 0:
        target.unlink(missing_ok=True)
        raise SandboxError(
            f"Could not pin the daemon socket of {state.name}: {made.stderr.strip()}",
            "run the grader as root on Linux",
        )
    return target


def release(state: SandboxState) -> list[str]:
    """Unmount and delete the pin; returns what is left."""
    target = path(state)
    for _attempt in range(3):
        if not _mounted(target):
            break
        run(["umount", "-l", str(target)], check=False)
    with contextlib.suppress(OSError):
        target.unlink(missing_ok=True)
    return [f"socket pin {target}"] if target.exists() or _mounted(target) else []


def _mounted(target: Path) -> bool:
    try:
        return any(line.split()[1] == str(target) for line in Path("/proc/mounts").read_text().splitlines())
    except OSError:
        return False


def names() -> set[str]:
    """Sandboxes that still have a pin (the reaper's view)."""
    return {entry.stem for entry in STATE_DIR.glob("*.sock")} if STATE_DIR.is_dir() else set()
