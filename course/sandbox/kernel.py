"""A Jupyter kernel for nbclient that runs inside a sandbox: as its user, in its cgroups, in its daemon's
network namespace with its DOCKER_HOST, in a private root (course.sandbox.confine), on the runtime's Python.

    runtime = course.sandbox.runtime.ensure()
    km = SandboxKernelManager(sandbox=sandbox, runtime=runtime)
    client = NotebookClient(nb, km=km, resources={"metadata": {"path": str(km.workdir)}})
    with client.setup_kernel(env={"COURSE_WORKDIR": str(km.workdir), ...}): client.execute_cell(...)

The arrangement, and why it is the simplest one that works:

- The kernel talks to nbclient over ZMQ on the `ipc` transport (Unix sockets under ~/.kernels), not TCP.
  A TCP kernel would listen on 127.0.0.1 of the sandbox's netns and the grader would have to enter that
  netns (per thread, as setns is, and ZMQ opens its sockets in its own I/O threads). Unix sockets are
  reached by path from any netns: the grader stays where it is, root, in the host's namespaces, and
  connects to the sockets in the user's home (same path inside the private root, where the home is bound).
- `format_kernel_cmd` wraps the runtime's `python -m ipykernel_launcher -f FILE` in confine.command; the
  process jupyter_client holds is `unshare` (the kernel's launcher), so killing it (jupyter_client kills
  its process group) kills the kernel, which is PID 1 of its namespace: nothing it started survives, and
  the cgroup still holds everything for Sandbox.wipe/destroy.
- The connection file and sockets live in ~/.kernels (mode 700, the user's): the user must read the key.
- The environment is built from nothing (daemon.user_env, the runtime's PYTHONPATH) plus only the
  variables in KERNEL_VARIABLES taken from the env nbclient passes: no other COURSE_* of the grader.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from checker import settings
from course.sandbox import confine, processes
from course.sandbox.model import process_start_time
from course.sandbox.runtime import Runtime
from course.sandbox.shell import SandboxError

KERNELS_DIR = ".kernels"
WORK_DIR = "work"
# What a kernel may inherit from the env nbclient is given (the grader's kernel_env); everything else is dropped.
KERNEL_VARIABLES = (
    settings.WORKDIR.name,
    settings.PROGRESS.name,
    settings.NO_PROGRESS.name,
    settings.SESSION.name,
    "PYDEVD_DISABLE_FILE_VALIDATION",
    "JPY_SESSION_NAME",
)


def kernel_environment(sandbox: Any, runtime: Runtime, requested: dict[str, str] | None) -> dict[str, str]:
    """The kernel's whole environment: the sandbox user's, the runtime's, and the allowed requested variables."""
    allowed = {key: value for key, value in (requested or {}).items() if key in KERNEL_VARIABLES}
    return sandbox.env({**runtime.env(), **allowed})


def user_folder(sandbox: Any, relative: str, mode: int = 0o700) -> Path:
    """A folder in the sandbox's home, owned by its user (made by root, so it must be handed over)."""
    path = Path(sandbox.home) / relative
    path.mkdir(parents=True, exist_ok=True)
    for folder in [path, *path.relative_to(sandbox.home).parents]:
        target = Path(sandbox.home) / folder
        if target != Path(sandbox.home):
            os.chown(target, sandbox.state.uid, sandbox.state.gid)
    os.chmod(path, mode)
    return path


def link_compose(sandbox: Any, runtime: Runtime) -> None:
    """`docker compose` from the runtime: the sandbox's plugin link points into the checkout's venv, which the
    private root does not show."""
    plugins = user_folder(sandbox, ".docker/cli-plugins", 0o755)
    link = plugins / "docker-compose"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(runtime.compose_plugin)
    os.lchown(link, sandbox.state.uid, sandbox.state.gid)


class SandboxKernelManager(AsyncKernelManager):
    """An ipykernel inside `sandbox`, on `runtime`'s Python, in `workdir` (a folder of the sandbox's home)."""

    def __init__(self, *, sandbox: Any, runtime: Runtime, workdir: Path | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_name", "python3")
        super().__init__(**kwargs)
        self.sandbox = sandbox
        self.runtime = runtime
        self.workdir = workdir or user_folder(sandbox, WORK_DIR)
        if not self.workdir.resolve().is_relative_to(Path(sandbox.home)):
            raise SandboxError(
                f"The kernel's work folder {self.workdir} is outside the sandbox's home {sandbox.home}.",
                "give it a folder inside the home: nothing else is visible to the kernel",
            )
        folder = user_folder(sandbox, KERNELS_DIR)
        name = uuid.uuid4().hex[:12]
        self.transport = "ipc"
        self.cache_ports = False
        self.ip = str(folder / name)
        self.connection_file = str(folder / f"kernel-{name}.json")
        link_compose(sandbox, runtime)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The runtime's ipykernel, wrapped: cgroups, netns, private root, the sandbox user, a clean env."""
        state = self.sandbox.state
        os.chown(self.connection_file, state.uid, state.gid)  # written by root just before; the kernel reads it
        os.chmod(self.connection_file, 0o600)
        launch = dict(self._launch_args or {})
        argv = [str(self.runtime.python), "-m", "ipykernel_launcher", "-f", self.connection_file]
        return confine.command(
            state,
            [*argv, *(extra_arguments or [])],
            kernel_environment(self.sandbox, self.runtime, launch.get("env")),
            cwd=Path(launch.get("cwd") or self.workdir),
            read_only=self.runtime.folders,
        )

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        """The kernel's own stdout only carries ipykernel's "no parent" banner (JPY_PARENT_PID is not passed
        in: a parent outside its PID namespace would look dead to it); the learner's output goes over ZMQ."""
        kw.setdefault("stdout", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_post_start_kernel(self, **kw: Any) -> None:
        self._init = self._namespace_init()
        await super()._async_post_start_kernel(**kw)

    def _namespace_init(self, timeout: float = 5) -> tuple[int, int | None] | None:
        """(pid, start time) of the kernel's PID 1: the launcher's (unshare's) child."""
        launcher = self.provisioner.process.pid if self.provisioner and self.provisioner.has_process else None
        deadline = time.monotonic() + timeout
        while launcher is not None and time.monotonic() < deadline:
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit() and processes.parent(int(entry.name)) == launcher:
                    return int(entry.name), process_start_time(int(entry.name))
            time.sleep(0.01)
        return None

    def kill_namespace(self) -> None:
        """SIGKILL the kernel's PID 1, which ends every process of its namespace: setpriv clears the death
        signal `unshare --kill-child` set, and a kernel that called setsid() escapes its process group."""
        init, self._init = getattr(self, "_init", None), None
        if init is not None and process_start_time(init[0]) == init[1]:
            try:
                namespace = os.stat(f"/proc/{init[0]}/ns/pid").st_ino
            except OSError:
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(init[0], signal.SIGKILL)
            _wait_until_empty(namespace)

    def cleanup_resources(self, restart: bool = False) -> None:
        """After every shutdown (graceful or not) and restart: no process of the old kernel is left."""
        self.kill_namespace()
        super().cleanup_resources(restart)
        if not restart:
            for path in Path(self.ip).parent.glob(f"{Path(self.ip).name}-*"):
                path.unlink(missing_ok=True)


def _wait_until_empty(namespace: int, timeout: float = 15.0) -> None:
    """Wait until no process of a PID namespace is left: after a fork bomb the sandbox's pids limit stays full
    until they are all gone, and a replacement kernel started before then dies at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = False
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if os.stat(entry / "ns" / "pid").st_ino == namespace:
                        alive = True
                        break
        if not alive:
            return
        time.sleep(0.05)


def stop(km: AsyncKernelManager) -> None:
    """Shut the kernel down now, from synchronous code. nbclient leaves a kernel manager it was handed
    (`km=`) running when its `setup_kernel` block ends: the caller must stop it."""
    from jupyter_core.utils import run_sync

    if km.has_kernel:
        run_sync(km.shutdown_kernel)(now=True)
    elif isinstance(km, SandboxKernelManager):
        km.kill_namespace()


def remove_work(sandbox: Any) -> None:
    """Drop the kernels' folders (connection files, sockets) and the default work folder."""
    for name in (KERNELS_DIR, WORK_DIR):
        shutil.rmtree(Path(sandbox.home) / name, ignore_errors=True)
