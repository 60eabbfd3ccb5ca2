"""`python -m course workshop up | status | down | export`: what the instructor types.

`up` prepares everything slow first (the learners' runtime, the image bundles),
then starts the supervisor detached and waits until the hub answers, so the
URL it prints works. `down` writes the class's results first, then stops the
hub and removes every seat: users, daemons, netns, cgroups, links and rules.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

from checker import i18n
from checker.i18n import _
from course.sandbox import bundles, cgroups, host, reaper, runtime
from course.sandbox.model import process_start_time
from course.sandbox.shell import SandboxError
from course.workshop import hub, network, seats, state
from course.workshop.state import Workshop

Log = Callable[[str], None]
READY_TIMEOUT = 90.0
DOWN_TIMEOUT = 120.0
WORDS = ("whale", "harbor", "anchor", "cargo", "crane", "dock", "ferry", "pier", "tug", "buoy")


class WorkshopError(SandboxError):
    """The workshop could not start, stop or report; the message says what to do."""


def running() -> Workshop | None:
    """The workshop whose supervisor is alive, if any."""
    ws = Workshop.load()
    if ws is None or ws.supervisor_pid is None:
        return None
    return ws if process_start_time(ws.supervisor_pid) == ws.supervisor_start else None


def new_code() -> str:
    """Easy to read aloud and type: `harbor-4821`."""
    return f"{secrets.choice(WORDS)}-{secrets.randbelow(9000) + 1000}"


def _require_root_and_tools() -> None:
    if os.geteuid() != 0:
        raise WorkshopError(
            _(
                "The workshop server must run as root: it makes a Unix user, a network namespace and a rootless "
                "Docker daemon for each learner."
            ),
            _("run it with sudo, e.g. `sudo make workshop`"),
        )
    host.require()
    try:
        import jupyterhub  # noqa: F401
    except ImportError as exc:
        raise WorkshopError(_("JupyterHub is not installed in this Python."), _("run `make setup`")) from exc


def _port_free(port: int, address: str = "0.0.0.0") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


def up(*, seats_count: int, port: int, code: str | None, cull_after: int, warm: int = 10, log: Log = print) -> Workshop:
    """Start the workshop and return its settings once the hub answers."""
    _require_root_and_tools()
    already = running()
    if already is not None:
        raise WorkshopError(
            _("A workshop is already running on port {port}.").format(port=already.port),
            _("see it with `python -m course workshop status`, or stop it with `python -m course workshop down`"),
        )
    ws = Workshop(
        code=code or new_code(),
        admin_password=secrets.token_urlsafe(24),
        port=port,
        seats=seats_count,
        cull_after=cull_after,
        warm=max(0, min(warm, seats_count)),
        lang=i18n.language(),
    )
    if len(ws.code) < 8:
        raise WorkshopError(
            _("The workshop code {code!r} is too short.").format(code=ws.code), _("give a code of 8 characters or more")
        )
    busy = [p for p in (ws.port, ws.proxy_api_port, ws.dashboard_port) if not _port_free(p)]
    if busy:
        raise WorkshopError(
            _("Port(s) {ports} are in use on this machine.").format(ports=", ".join(map(str, busy))),
            _("stop what uses them, or choose another port with `--port`"),
        )
    _clear_leftovers(log)
    log(_("Preparing the learners' Python (the first time takes a minute or two) …"))
    rt = runtime.ensure(log=log, flavour=runtime.WORKSHOP)
    log(_("Preparing the base images for the learners' daemons …"))
    from checker.docker_client import get_client
    from course import images

    client = get_client(timeout=600)
    bundles.bundle(client, list(seats.FIRST_IMAGES))
    ws.extra["bundle"] = str(bundles.bundle(client, [entry.name for entry in images.CATALOG]))
    ws.extra["runtime"] = [str(rt.venv), str(rt.code)]
    ws.save()
    hub.cli_token(create=True)
    _wait_ready(ws, _start_supervisor())
    return Workshop.load() or ws


def _clear_leftovers(log: Log) -> None:
    """A workshop folder whose supervisor is dead (a crash, a reboot): its seats go before a new start."""
    if state.folder().exists():
        log(_("Removing what an earlier workshop left …"))
        _remove_everything(Workshop.load())


def _start_supervisor() -> subprocess.Popen[bytes]:
    folder = state.folder()
    with open(folder / "supervisor.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "course.workshop.supervisor"],
            env={**os.environ, "COURSE_WORKSHOP_DIR": str(folder)},
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _wait_ready(ws: Workshop, supervisor: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    url = f"http://127.0.0.1:{ws.port}/hub/api/"
    while time.monotonic() < deadline:
        if supervisor.poll() is not None:
            raise WorkshopError(
                _("The workshop's supervisor stopped: {log}").format(log=_tail(state.folder() / "supervisor.log")),
                _("read its log above; `python -m course workshop down` removes what was started"),
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise WorkshopError(
        _("The hub did not answer on port {port} within {seconds:g} s: {log}").format(
            port=ws.port, seconds=READY_TIMEOUT, log=_tail(state.folder() / "hub.log")
        ),
        _("read the hub's log above; `python -m course workshop down` removes what was started"),
    )


def _tail(path: Path, lines: int = 6) -> str:
    try:
        return " / ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def addresses() -> list[str]:
    """The host's IPv4 addresses attendees may reach (not loopback, docker or sandbox links)."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        words = line.split()
        name, address = words[1], words[3].split("/")[0]
        internal = name == network.HUB_INTERFACE or name.startswith(("docker", "br-", "veth", "dcsb"))
        if not internal and not name.startswith(network.HOST_PREFIX):
            found.append(address)
    return found or ["127.0.0.1"]


def welcome(ws: Workshop) -> str:
    urls = "\n".join(f"    http://{address}:{ws.port}/" for address in addresses())
    return _(
        "The workshop is up ({seats} seats).\n\n"
        "Attendees open:\n{urls}\n"
        "and log in with any name they choose and the workshop code:  {code}\n\n"
        "Instructor: log in as `{admin}` with the password  {password}\n"
        "    the dashboard is at /services/dashboard/\n\n"
        "`python -m course workshop status` shows who is connected; "
        "`python -m course workshop down` stops everything."
    ).format(seats=ws.seats, urls=urls, code=ws.code, admin=ws.admin, password=ws.admin_password)


# -- status ----------------------------------------------------------------------------------------
def hub_users(ws: Workshop) -> list[dict[str, Any]]:
    """The hub's view of its users (who has a server, when they were last active)."""
    request = urllib.request.Request(
        f"http://{ws.hub_ip}:{ws.hub_port}/hub/api/users",
        headers={"Authorization": f"token {hub.cli_token()}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return []


def memory_free() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def status() -> dict[str, Any]:
    """Who is connected, their progress and the memory their seat uses; the machine's free memory."""
    from course.workshop import report

    ws = running()
    if ws is None:
        return {"running": False, "learners": []}
    users = {user["name"]: user for user in hub_users(ws)}
    view = report.collect()
    rows = []
    for row in view.learners:
        user = users.get(row.name, {})
        seat = state.learner(row.name)
        memory = cgroups.memory(seat.sandbox).get("usage", 0) if seat and seat.sandbox else 0
        rows.append(
            {
                "name": row.name,
                "connected": bool(user.get("server")),
                "last_activity": user.get("last_activity"),
                "passed": row.passed,
                "current": row.current.exercise if row.current else None,
                "stuck": row.stuck,
                "memory_bytes": memory,
            }
        )
    return {
        "running": True,
        "port": ws.port,
        "code": ws.code,
        "seats": ws.seats,
        "exercises": len(view.exercises),
        "learners": rows,
        "memory_used_bytes": sum(row["memory_bytes"] for row in rows),
        "memory_free_bytes": memory_free(),
    }


def status_text(data: dict[str, Any]) -> str:
    if not data["running"]:
        return _("No workshop is running. Start one with `python -m course workshop up`.")
    mib = 1 << 20
    lines = [
        _(
            "Workshop on port {port}, code {code}: {taken} of {seats} seats taken; "
            "learners' memory {used} MiB, free {free} MiB"
        ).format(
            port=data["port"],
            code=data["code"],
            taken=len(data["learners"]),
            seats=data["seats"],
            used=data["memory_used_bytes"] // mib,
            free=data["memory_free_bytes"] // mib,
        )
    ]
    for row in data["learners"]:
        flag = _("connected") if row["connected"] else _("away")
        stuck = "  " + _("STUCK") if row["stuck"] else ""
        passed = _("{passed}/{total} passed").format(passed=row["passed"], total=data["exercises"])
        now = _("now: {exercise}").format(exercise=row["current"] or "-")
        lines.append(
            f"  {row['name']:<20} {flag:<9} {passed:>12}  {now:<30} {row['memory_bytes'] // mib:>5} MiB{stuck}"
        )
    return "\n".join(lines)


# -- down ------------------------------------------------------------------------------------------
def down(*, log: Log = print) -> list[str]:
    """Stop the hub and remove every seat; returns what could not be removed (empty when all went)."""
    if os.geteuid() != 0:
        raise WorkshopError(_("Stopping the workshop needs root."), _("run it with sudo"))
    ws = Workshop.load()
    if ws is None and not state.folder().exists():
        log(_("No workshop is running."))
        return []
    if ws is not None and ws.supervisor_pid and process_start_time(ws.supervisor_pid) == ws.supervisor_start:
        log(_("Stopping the hub and the learners' servers …"))
        os.kill(ws.supervisor_pid, signal.SIGTERM)
        deadline = time.monotonic() + DOWN_TIMEOUT
        while process_start_time(ws.supervisor_pid) == ws.supervisor_start and time.monotonic() < deadline:
            time.sleep(0.2)
    log(_("Removing the seats …"))
    return _remove_everything(ws)


def _remove_everything(ws: Workshop | None) -> list[str]:
    """Kill what the hub left (if it was killed), destroy every seat, remove the links, rules and folder."""
    left: list[str] = []
    for pid in _hub_processes():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for seat in state.all_seats():
        left += seats.release(seat)
    reaper.clean_up_leftovers()  # a warm seat the supervisor was making when it stopped: its owner is gone
    if ws is not None:
        network.down(ws)
    left += network.leftovers(ws)
    if not left:
        shutil.rmtree(state.folder(), ignore_errors=True)
    return left


def _hub_processes() -> list[int]:
    """The supervisor, the hub, the proxy and the hub's services still running from this workshop's folder."""
    folder = str(state.folder())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if cwd == folder:
                found.append(int(entry.name))
    return found
