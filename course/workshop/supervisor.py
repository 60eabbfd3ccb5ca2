"""The workshop's long-lived process: it owns the learners' sandboxes and keeps the hub running.

`workshop up` starts it detached; `workshop down` sends it SIGTERM. It starts
the hub (with the proxy and the hub's services), and starts it again if it
stops on its own: a hub that crashed, or that an instructor restarted, comes
back with the same database and cookie secret, and learners find their seats.
The sandboxes name this process as their owner, so the reaper leaves them
alone while it lives and cleans them up if it is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from course.sandbox import processes, runtime
from course.sandbox.model import process_start_time
from course.workshop import network, seats, state
from course.workshop.state import Workshop

CONFIG = Path(__file__).with_name("jupyterhub_config.py")
NODE_PATH = "/usr/share/nodejs"  # Debian's proxy needs Debian's node modules, whatever node is installed
RESTARTS = 5  # in RESTART_WINDOW seconds, then give up: something is wrong that a restart does not fix
RESTART_WINDOW = 120
HUB_STOP_TIMEOUT = 40
WARM_POLL = 2.0  # seconds between looks at whether a warm seat is needed
WARM_RETRY = 10.0


def hub_command() -> list[str]:
    return [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)]


def hub_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COURSE_", "JUPYTERHUB_"))}
    env["COURSE_WORKSHOP_DIR"] = str(state.folder())
    env["NODE_PATH"] = NODE_PATH
    return env


class Supervisor:
    def __init__(self, ws: Workshop) -> None:
        self.ws = ws
        self.hub: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.starts: list[float] = []

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        me = os.getpid()
        self.ws.supervisor_pid, self.ws.supervisor_start = me, process_start_time(me)
        self.ws.started = time.time()
        self.ws.save()
        network.up(self.ws)
        threading.Thread(target=self._keep_warm, name="warm-seats", daemon=True).start()
        while not self.stopping:
            self.starts = [t for t in self.starts if time.monotonic() - t < RESTART_WINDOW] + [time.monotonic()]
            if len(self.starts) > RESTARTS:
                print(f"the hub stopped {RESTARTS} times within {RESTART_WINDOW} s: giving up", flush=True)
                return 1
            self.hub = self._start_hub()
            code = self.hub.wait()
            if not self.stopping:
                print(f"the hub exited with {code}; starting it again", flush=True)
                time.sleep(1)
        return 0

    def _keep_warm(self) -> None:
        """Seats made ahead of logins (seats.keep_warm), one at a time, until `down`."""
        rt = runtime.ensure(flavour=runtime.WORKSHOP)
        while not self.stopping:
            try:
                made = seats.keep_warm(self.ws, rt, os.getpid())
            except Exception as exc:  # noqa: BLE001 - a failed warm seat is retried; logins make their own
                print(f"a warm seat could not be made: {exc}", flush=True)
                made = False
                time.sleep(WARM_RETRY)
            if not made:
                time.sleep(WARM_POLL)

    def _start_hub(self) -> subprocess.Popen[bytes]:
        log = open(state.folder() / "hub.log", "ab")  # noqa: SIM115 (the child keeps it)
        with log:
            return subprocess.Popen(
                hub_command(),
                env=hub_env(),
                cwd=state.folder(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def _stop(self, _signum: int, _frame: object) -> None:
        """Stop the hub: it stops every learner's server first (cleanup_servers). The idle culler ignores
        SIGINT, so the hub would wait half a minute for it: it is stopped here first."""
        self.stopping = True
        if self.hub is None or self.hub.poll() is not None:
            return
        for pid in processes.children({self.hub.pid}):
            if "jupyterhub_idle_culler" in _cmdline(pid):
                _signal(pid, signal.SIGKILL)
        _signal(self.hub.pid, signal.SIGTERM)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def main() -> int:
    ws = Workshop.load()
    if ws is None:
        print("no workshop settings: start it with `python -m course workshop up`", file=sys.stderr)
        return 2
    return Supervisor(ws).run()


if __name__ == "__main__":
    sys.exit(main())
