"""The hub's spawner: a learner's JupyterLab in their seat (course.workshop.seats).

The server is `jupyterhub-singleuser` from the workshop runtime, run exactly
as a graded notebook's kernel is (course.sandbox.confine): as the learner's
sandbox user, in its cgroups, in its daemon's network namespace, in a private
root where only the system folders, the runtime (read-only), their home and
their daemon's socket exist, with an environment built from nothing. Its
kernels are its children, so they are all of that too, and a learner's
`!docker` talks to their own daemon, `localhost:8080` is their own container,
and their check panel probes the same place.

Stopping (a cull, `down`, the learner's "Stop my server") ends the server's PID
namespace and with it every kernel; the seat stays. The server's pid is kept
in the spawner's state, so a restarted hub finds servers that are still up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from jupyterhub.spawner import Spawner
from traitlets import Integer, Unicode

from checker import settings
from course.sandbox import confine, daemon, processes, runtime
from course.sandbox.model import process_start_time
from course.workshop import seats, state
from course.workshop.state import Workshop

SERVER_PORT = 8888  # the same in every seat: each server listens in its own netns
STOP_GRACE = 3.0


class SeatSpawner(Spawner):
    """One learner's server in their own sandbox."""

    pid = Integer(0)
    pid_start = Integer(None, allow_none=True)
    seat = Unicode("")
    default_url = Unicode("", config=True, help="where a learner lands; default: the first notebook, in their language")

    def load_state(self, saved: dict[str, Any]) -> None:
        super().load_state(saved)
        self.pid = saved.get("pid", 0)
        self.pid_start = saved.get("pid_start")
        self.seat = saved.get("seat", "")

    def get_state(self) -> dict[str, Any]:
        saved = super().get_state()
        if self.pid:
            saved.update(pid=self.pid, pid_start=self.pid_start, seat=self.seat)
        return saved

    def clear_state(self) -> None:
        super().clear_state()
        self.pid, self.pid_start = 0, None

    async def start(self) -> tuple[str, int]:
        ws = Workshop.load()
        if ws is None:
            raise RuntimeError("The workshop's settings are gone: run `python -m course workshop up` again.")
        rt = _runtime()
        supervisor = ws.supervisor_pid or os.getppid()
        learner, sandbox, address = await asyncio.to_thread(seats.prepare, ws, self.user.name, rt, supervisor)
        self.ip, self.port = address, SERVER_PORT  # get_env's JUPYTERHUB_SERVICE_URL is made from them
        hub_variables = {key: value for key, value in self.get_env().items() if key.startswith("JUPYTERHUB_")}
        env = sandbox.env(
            {
                **hub_variables,  # only these: the hub's own PATH, venv and COURSE_* stay out
                **rt.env(),
                "PATH": f"{rt.venv / 'bin'}:{daemon.USER_PATH}",
                "JUPYTERHUB_DEFAULT_URL": self.default_url or first_notebook(ws.lang),
                settings.WORKDIR.name: str(learner.course_dir),
                settings.LANG.name: ws.lang,
                "SHELL": "/bin/bash",
                "LANG": "C.UTF-8",
            }
        )
        argv = [
            str(rt.venv / "bin" / "jupyterhub-singleuser"),
            f"--ip={address}",
            f"--port={SERVER_PORT}",
            f"--ServerApp.root_dir={learner.course_dir}",
            "--ServerApp.terminals_enabled=True",
            *self.get_args(),
        ]
        command = confine.command(sandbox.state, argv, env, cwd=learner.course_dir, read_only=rt.folders)
        log = open(state.folder() / f"server-{learner.name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        with log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self.pid, self.pid_start, self.seat = process.pid, process_start_time(process.pid), sandbox.name
        self._process = process
        await _listening(process, address, SERVER_PORT, self.start_timeout)
        return address, SERVER_PORT

    async def poll(self) -> int | None:
        if not self.pid:
            return 0
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is not None:
            return process.returncode
        if process_start_time(self.pid) != self.pid_start:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(self.pid, os.WNOHANG)
            return 0
        return None

    async def stop(self, now: bool = False) -> None:
        """SIGTERM to the server (it shuts its kernels down), then SIGKILL to what is left of its namespace."""
        if not self.pid or process_start_time(self.pid) != self.pid_start:
            self.clear_state()
            return
        launcher = self.pid
        for pid in processes.children({launcher}):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + (0 if now else STOP_GRACE)
        while time.monotonic() < deadline and await self.poll() is None:
            await asyncio.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(launcher, signal.SIGKILL)  # unshare --kill-child: its child, PID 1 of the namespace, dies too
        process = getattr(self, "_process", None)
        if process is not None:
            await asyncio.to_thread(process.wait, 10)
        else:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(launcher, 0)
        self.clear_state()


@functools.cache
def _runtime() -> runtime.Runtime:
    """The learners' runtime, looked up once per hub (it hashes the course's files to find it)."""
    return runtime.ensure(flavour=runtime.WORKSHOP)


async def _listening(process: subprocess.Popen[bytes], address: str, port: int, timeout: float) -> None:
    """Return as soon as the server accepts connections. The hub's own wait backs off exponentially and
    notices a server seconds after it is up; a login waits for this instead, polled every 50 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), 1)
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return


def first_notebook(lang: str) -> str:
    suffix = "" if lang == "en" else f".{lang}"
    return f"/lab/tree/00-start-here{suffix}.ipynb"


def server_log(name: str) -> Path:
    return state.folder() / f"server-{name}.log"
