"""The workshop server for real: `course workshop up`, JupyterHub with its proxy, a sandbox per learner,
three learners in real Chromium at once, the instructor's live dashboard, a cull, a hub restart, and `down`.

The tests of this module share one workshop and run in order: the later ones
build on what the first left (passed exercises, containers, files).
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from lab_page import CELL_TIMEOUT, NotebookPage, code_cell

from checker import api, settings
from course.notebook.cells import exercise_cells

from support import run_course

pytestmark = [pytest.mark.e2e, pytest.mark.sandbox, pytest.mark.slow]

CODE = "harbor-2468"
LEARNERS = ("ada", "grace", "linus")
EXERCISE = "warmup-hello"
NOTEBOOK = "00-start-here.ipynb"


@dataclass
class RunningWorkshop:
    url: str
    folder: Path
    env: dict[str, str]

    def settings(self):
        from course.workshop.state import Workshop

        return _with_folder(self.folder, Workshop.load)

    def seat(self, name: str):
        from course.workshop import state

        return _with_folder(self.folder, lambda: state.learner(name))

    def sandbox(self, name: str):
        from course.sandbox import Sandbox
        from course.sandbox.model import SandboxState

        seat = self.seat(name)
        found = SandboxState.load(SandboxState(name=seat.sandbox, owner_pid=0, owner_start=None).state_file)
        return Sandbox(found)


def _with_folder(folder: Path, read):
    before = os.environ.get("COURSE_WORKSHOP_DIR")
    os.environ["COURSE_WORKSHOP_DIR"] = str(folder)
    try:
        return read()
    finally:
        if before is None:
            os.environ.pop("COURSE_WORKSHOP_DIR")
        else:
            os.environ["COURSE_WORKSHOP_DIR"] = before


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningWorkshop]:
    if os.geteuid() != 0:
        pytest.fail("the workshop test needs root (CI runs as root): it makes users, netns and daemons")
    folder = tmp_path_factory.mktemp("workshop") / "state"
    env = {"COURSE_WORKSHOP_DIR": str(folder)}
    port = _free_port()
    started = run_course("workshop", "up", "--port", str(port), "--seats", "5", "--code", CODE, env=env, timeout=900)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert CODE in started.stdout and f":{port}/" in started.stdout
        yield RunningWorkshop(f"http://127.0.0.1:{port}", folder, env)
    finally:
        run_course("workshop", "down", "--out", str(folder.parent), env=env, timeout=300)


def _login(page, url: str, name: str, password: str) -> None:
    page.goto(f"{url}/hub/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("#login_submit")


def _session(url: str, name: str, password: str) -> requests.Session:
    """A logged-in HTTP session (the hub's login form, with its XSRF token), as a browser has."""
    session = requests.Session()
    session.get(f"{url}/hub/login", timeout=30)
    xsrf = next(cookie.value for cookie in session.cookies if cookie.name == "_xsrf")
    reply = session.post(f"{url}/hub/login", data={"username": name, "password": password, "_xsrf": xsrf}, timeout=90)
    assert reply.status_code == 200, reply.text[:300]
    return session


def test_three_learners_pass_the_same_exercise_at_once_and_the_dashboard_shows_it_live(workshop, browser) -> None:
    from playwright.sync_api import expect

    ws = workshop.settings()
    ex = api.exercise(EXERCISE)
    path = settings.NOTEBOOKS_DIR / NOTEBOOK
    cells = exercise_cells(path, ex.id)
    solution = "\n".join(step.cell_source.rstrip() for step in ex.solution)
    contexts = []
    try:
        instructor = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(instructor)
        board = instructor.new_page()
        _login(board, workshop.url, ws.admin, ws.admin_password)
        board.wait_for_url("**/services/dashboard/**", timeout=60_000)

        pages = {}
        for name in LEARNERS:  # all three log in before any of them is ready: their spawns overlap
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(context)
            pages[name] = context.new_page()
            pages[name].set_default_timeout(60_000)
            _login(pages[name], workshop.url, name, CODE)
        for name, page in pages.items():
            page.wait_for_url(f"**/user/{name}/lab/**", timeout=90_000)
            notebook = NotebookPage(page)
            notebook.open(f"{workshop.url}/user/{name}/lab/tree/{NOTEBOOK}")
            notebook.run(code_cell(path, "from course.notebook import"))
            notebook.set_source(cells.answers[0], solution)
            notebook.run(cells.answers[0])
            notebook.run(cells.checks[0])
            verdict = notebook.output(cells.checks[0]).locator(".course-panel .course-result")
            expect(verdict).to_have_attribute("data-passed", "true", timeout=CELL_TIMEOUT)
            cell = board.locator(f"td.cell[data-learner='{name}'][data-exercise='{EXERCISE}']")
            expect(cell).to_have_attribute("data-status", "passed", timeout=15_000)  # live: the board never reloads
        expect(board.locator("#live-status")).not_to_have_class("lost")
    finally:
        for context in contexts:
            context.close()
    for name in LEARNERS:  # the same container name, in three daemons
        container = workshop.sandbox(name).client().containers.get(ex.owns.containers[0])
        assert container.attrs["State"]["ExitCode"] == 0


def test_status_and_export_tell_the_instructor_who_passed(workshop, tmp_path) -> None:
    import csv
    import json

    status = run_course("workshop", "status", "--json", env=workshop.env, timeout=60)
    assert status.returncode == 0, status.stderr
    rows = {row["name"]: row for row in json.loads(status.stdout)["learners"]}
    assert set(rows) == set(LEARNERS)
    assert all(row["connected"] and row["passed"] == 1 and row["memory_bytes"] > 0 for row in rows.values())
    exported = run_course("workshop", "export", "--out", str(tmp_path), env=workshop.env, timeout=60)
    assert exported.returncode == 0, exported.stderr
    with next(tmp_path.glob("workshop-results-*.csv")).open(encoding="utf-8") as handle:
        passed = {(row["learner"], row["exercise"]) for row in csv.DictReader(handle) if row["passed"] == "True"}
    assert passed == {(name, EXERCISE) for name in LEARNERS}


def test_a_learner_cannot_open_another_learners_server_or_the_dashboard(workshop) -> None:
    ada = _session(workshop.url, "ada", CODE)
    assert _open_lab(ada, workshop.url, "ada"), "ada cannot open her own JupyterLab"
    assert ada.get(f"{workshop.url}/user/grace/lab", timeout=30).status_code == 403
    assert ada.get(f"{workshop.url}/user/grace/api/contents", timeout=30).status_code == 403
    assert ada.get(f"{workshop.url}/services/dashboard/", timeout=30).status_code == 403
    assert ada.get(f"{workshop.url}/services/dashboard/export.csv", timeout=30).status_code == 403
    assert ada.get(f"{workshop.url}/hub/admin", timeout=30).status_code == 403


def test_hostile_code_in_a_learners_server_reaches_no_one_else(workshop) -> None:
    """What a learner's kernel could try, run as their sandbox user in their netns (where their server runs)."""
    ws = workshop.settings()
    ada, grace = workshop.sandbox("ada"), workshop.sandbox("grace")
    grace_seat = workshop.seat("grace")
    attempts = {
        "read another learner's progress": ["cat", str(grace_seat.progress_file)],
        "list another learner's home": ["ls", grace_seat.home],
        "use another learner's daemon": ["docker", "-H", grace.docker_host, "ps"],
        "use the host's daemon": ["docker", "-H", "unix:///var/run/docker.sock", "ps"],
        "write the workshop's settings": ["sh", "-c", f"echo x >> {workshop.folder}/workshop.json"],
    }
    for what, argv in attempts.items():
        done = ada.enter(argv, timeout=30)
        assert done.returncode != 0, f"{what}: {done.stdout}"
    probe = "import socket,sys; s=socket.socket(); s.settimeout(3); sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)"  # noqa: E501
    grace_ip = ws.learner_ip(grace_seat.index)
    reachable = {
        "another learner's server": (grace_ip, 8888),
        "the attendees' port on the host": (ws.hub_ip, ws.port),
        "the proxy's API": (ws.hub_ip, ws.proxy_api_port),
    }
    for what, (address, port) in reachable.items():
        done = ada.enter(["python3", "-c", probe, address, str(port)], timeout=30)
        assert done.returncode == 1, f"ada reached {what} at {address}:{port}"
    hub_api = ada.enter(["python3", "-c", probe, ws.hub_ip, str(ws.hub_port)], timeout=30)
    assert hub_api.returncode == 0, "a learner's server must reach the hub's API (it is how it logs its user in)"


def test_two_learners_publish_the_same_host_port_at_once(workshop) -> None:
    probe = "import socket,sys; s=socket.socket(); s.settimeout(3); sys.exit(s.connect_ex(('127.0.0.1', 8101)))"
    learners = [workshop.sandbox(name) for name in ("ada", "grace")]
    try:
        for sandbox in learners:
            started = sandbox.docker("run", "-d", "--name", "web", "-p", "8101:80", "busybox:1.35", "httpd", "-f")
            assert started.returncode == 0, started.stderr
        for sandbox in learners:
            assert _wait(lambda box=sandbox: box.enter(["python3", "-c", probe], timeout=30).returncode == 0, 30)
    finally:
        for sandbox in learners:
            sandbox.docker("rm", "-f", "web")


def test_files_and_progress_survive_a_cull_and_a_hub_restart(workshop) -> None:
    ws = workshop.settings()
    ada = workshop.sandbox("ada")
    seat = workshop.seat("ada")
    note = Path(seat.course_dir) / "workspace" / "notes.txt"
    assert ada.enter(["sh", "-c", f"echo mine > {note}"], timeout=30).returncode == 0

    token = (workshop.folder / "api_token").read_text().strip()
    culler = _run_culler(ws, token)
    try:
        assert _wait(lambda: not _server_of(ws, token, "ada"), 90), "the idle culler did not stop ada's server"
    finally:
        culler.terminate()
        culler.wait(10)

    hub_pid = int((workshop.folder / "jupyterhub.pid").read_text())
    os.kill(hub_pid, signal.SIGTERM)  # the supervisor starts it again
    assert _wait(lambda: _hub_answers(workshop.url) and _pid_changed(workshop.folder, hub_pid), 120)

    session = _session(workshop.url, "ada", CODE)
    assert _wait(lambda: _open_lab(session, workshop.url, "ada"), 90), "ada's server did not come back"
    listing = session.get(f"{workshop.url}/user/ada/api/contents/workspace", timeout=30).json()
    assert "notes.txt" in [item["name"] for item in listing["content"]]
    assert workshop.seat("ada").sandbox == seat.sandbox  # the same seat
    assert EXERCISE in _progress(seat)["passed"]
    assert ada.client().containers.get("hello-course")  # her daemon kept her containers


def test_down_leaves_nothing_behind(workshop, tmp_path) -> None:
    from course.sandbox import cgroups, netns, users
    from course.workshop import network, state

    ws = workshop.settings()
    every_seat = _with_folder(workshop.folder, state.all_seats)  # the learners' and the warm ones
    assert {seat.name for seat in every_seat} >= set(LEARNERS)
    stopped = run_course("workshop", "down", "--out", str(tmp_path), env=workshop.env, timeout=300)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert list(tmp_path.glob("workshop-results-*.csv")), "down writes the class's results first"
    names = {seat.sandbox for seat in every_seat if seat.sandbox}
    assert not names & users.names(), "a learner's Unix user is left"
    assert not names & netns.names(), "a learner's network namespace is left"
    assert not any(cgroups.pids(name) for name in names), "a learner's processes are left"
    assert not [
        n for n in names if any(Path(f"/sys/fs/cgroup/{c}/docker-course/{n}").exists() for c in ("memory", "pids"))
    ]
    assert network.leftovers(ws) == []
    assert not workshop.folder.exists()
    assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cwd(p) == str(workshop.folder)]


# -- helpers ---------------------------------------------------------------------------------------
def _run_culler(ws, token: str):
    import subprocess
    import sys

    env = {
        **os.environ,
        "JUPYTERHUB_API_TOKEN": token,
        "JUPYTERHUB_API_URL": f"http://{ws.hub_ip}:{ws.hub_port}/hub/api",
    }
    argv = [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=1", "--cull-every=5"]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _server_of(ws, token: str, name: str) -> bool:
    reply = requests.get(
        f"http://{ws.hub_ip}:{ws.hub_port}/hub/api/users/{name}",
        headers={"Authorization": f"token {token}"},
        timeout=10,
    )
    return bool(reply.json().get("servers"))


def _open_lab(session: requests.Session, url: str, name: str) -> bool:
    """Open the learner's JupyterLab page (which logs the session in to their server, as a browser does)."""
    try:
        reply = session.get(f"{url}/user/{name}/lab", timeout=60)
    except requests.RequestException:
        return False
    return reply.status_code == 200 and f"/user/{name}/lab" in reply.url


def _hub_answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/hub/api/", timeout=3).ok
    except requests.RequestException:
        return False


def _pid_changed(folder: Path, old: int) -> bool:
    try:
        return int((folder / "jupyterhub.pid").read_text()) != old
    except (OSError, ValueError):
        return False


def _progress(seat) -> dict:
    from course.workshop import state

    return state.read_progress(seat)


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(1)
    return False


def _cwd(proc: Path) -> str:
    try:
        return os.readlink(proc / "cwd")
    except OSError:
        return ""
