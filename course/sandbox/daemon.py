"""The sandbox's rootless Docker daemon: started by root inside the sandbox's netns and cgroups, run as the user.

rootlesskit's port forwarder then listens in the sandbox's own netns, never on
the host's 0.0.0.0: two sandboxes can both publish 8080, and no learner
reaches another's ports through the host's address.

Root must enter the namespace first (`nsenter --net=…`) and only then drop to
the user (`setpriv --reuid --regid --init-groups`): nsenter after a setuid
fails with EPERM. The environment is rebuilt from nothing (HOME, USER,
XDG_RUNTIME_DIR, PATH with Debian's contrib folder), so nothing of the
grader's environment (DOCKER_HOST, a venv, root's PATH) leaks in.

The daemon runs in a private root and PID namespace (confine.command), so a
learner's `docker run -v /tmp/x:/x` resolves /tmp/x among the sandbox's own
files, not the host's. PID 1 there is tini: rootlesskit does not reap the
containerd shims orphaned to it, and their zombies would count against the
sandbox's process limit. The process tree is
`unshare` (state.daemon_pid) → tini → rootlesskit → its child (state.inner_pid, in the daemon's netns) → dockerd.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from course.sandbox import cgroups, confine, host, processes
from course.sandbox.model import STATE_DIR, SandboxState
from course.sandbox.runtime import RUNTIME_ROOT
from course.sandbox.shell import SandboxError

START_TIMEOUT = 30.0
USER_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"


def user_env(state: SandboxState, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a process run as the sandbox user: its home, runtime folder and daemon."""
    env = {
        "HOME": state.home,
        "USER": state.user,
        "LOGNAME": state.user,
        "PATH": USER_PATH,
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(state.runtime_dir),
        "DOCKER_HOST": state.docker_host,
    }
    env.update(extra or {})
    return env


def as_user(state: SandboxState, argv: list[str], env: dict[str, str], *, net: str | None = None) -> list[str]:
    """argv inside the sandbox: in its cgroups, then a network namespace (the daemon's unless `net` says
    otherwise), then as its user with exactly `env`."""
    drop = ["setpriv", f"--reuid={state.uid}", f"--regid={state.gid}", "--init-groups"]
    assignments = [f"{key}={value}" for key, value in env.items()]
    enter = ["nsenter", f"--net={net or inner_netns(state)}"]
    return cgroups.wrap(state.name, [*enter, *drop, "env", "-i", *assignments, *argv])


inner_netns = processes.inner_netns  # the daemon's netns: where `enter()` and the probes run


def log_path(state: SandboxState) -> Path:
    return STATE_DIR / f"{state.name}.log"  # root-only: the learner cannot rewrite the daemon's log


def start(state: SandboxState) -> subprocess.Popen[bytes]:
    """Start dockerd-rootless.sh in a private root and wait until its socket answers /_ping."""
    script = host.rootless_script()
    init = shutil.which(host.INIT)
    if script is None or init is None:
        missing = host.ROOTLESS_SCRIPT if script is None else host.INIT
        raise SandboxError(f"{missing} is not installed.", host.INSTALL_FIX)
    env = user_env(state, {"PATH": f"{script.parent}:{USER_PATH}"})
    env.pop("DOCKER_HOST")
    with log_path(state).open("wb") as log:
        argv = confine.command(
            state,
            [init, "--", str(script)],
            env,
            cwd=Path(state.home),
            read_only=[*_course_apps(), *(Path(path) for path in state.shared)],
            net=str(state.netns_path),
            new_privileges=True,
        )
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=state.home, start_new_session=True
        )
    state.daemon_pid = process.pid  # the launcher: the whole daemon tree descends from it
    state.save()
    deadline = time.monotonic() + START_TIMEOUT
    while not ping(state.socket):
        if process.poll() is not None or time.monotonic() > deadline:
            reason = "exited" if process.poll() is not None else f"did not answer within {START_TIMEOUT:g} s"
            raise SandboxError(
                f"The rootless Docker daemon of {state.name} {reason}: {tail(log_path(state))}",
                "read the log above; `python -m course.sandbox check` lists missing prerequisites",
            )
        time.sleep(0.03)
    rootlesskit = processes.find_rootlesskit(process.pid)
    state.inner_pid = processes.rootlesskit_child(rootlesskit) if rootlesskit else None
    state.save()
    return process


def _course_apps() -> list[Path]:
    """The runtime's folder (its code copies hold the course apps that exercises build from), read-only.
    Made here when missing (as runtime.ensure makes it), so a later runtime is visible to this daemon too."""
    RUNTIME_ROOT.mkdir(parents=True, exist_ok=True)
    return [RUNTIME_ROOT]


def ping(path: Path, timeout: float = 2.0) -> bool:
    """GET /_ping on a Docker socket: True when the daemon answers OK (no SDK, so it is cheap to poll)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(path))
            conn.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            status = conn.recv(64).split(b"\r\n", 1)[0]
    except OSError:
        return False
    return status.startswith(b"HTTP/") and b" 200" in status


def stop(state: SandboxState, process: subprocess.Popen[bytes] | None, timeout: float = 3.0) -> None:
    """SIGTERM to the daemon namespace's init (tini hands it to rootlesskit; dockerd unmounts and exits), a short
    wait; what is left is killed by the caller. The launcher itself (unshare) ignores SIGTERM."""
    launcher = process.pid if process is not None else state.daemon_pid
    if launcher is None:
        return
    for pid in processes.children({launcher}):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)


def reap(process: subprocess.Popen[bytes] | None) -> None:
    """Collect the exit status of our direct child (the cgroup kill has already ended it)."""
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)


def tail(path: Path, lines: int = 8) -> str:
    try:
        return " / ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
