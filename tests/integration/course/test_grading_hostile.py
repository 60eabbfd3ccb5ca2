"""Hostile submissions: each tries one breach, scores 0, and changes nothing; the honest ones grade right.

Every hostile notebook is the real 00-start-here notebook whose answer cell first tries its breach and only
then runs the reference solution. A breach that is stopped raises, so the exercise scores 0; a breach that
worked would go on to the solution and score the point. A 0 is therefore the proof that the breach failed,
and each test also looks at what the breach would have changed. Honest learners are graded in the same run,
two sandboxes at a time (`--jobs 2`), and both create the container `hello-course` on their own daemon.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import docker
import nbformat
import pytest

from checker import settings
from checker.registry import default_registry
from course.grading.headless import solved_copy
from course.notebook.cells import ROLE_ANSWER, cell_role
from course.sandbox import problems as sandbox_problems
from course.sandbox.model import all_states

from support import run_course

pytestmark = [
    pytest.mark.docker,
    pytest.mark.slow,
    pytest.mark.sandbox,
    pytest.mark.skipif(bool(sandbox_problems()), reason=f"sandboxes unavailable: {sandbox_problems()}"),
]

EXERCISE = "warmup-hello"
NOTEBOOK = settings.NOTEBOOKS_DIR / "00-start-here.ipynb"
SOLUTION = default_registry().get(EXERCISE).solution[0].cell_source
GRADER_FILE = settings.DEFAULT_EXERCISES_DIR / "00-start-here.toml"
SECRET = "the answer key nobody may read"
HOSTILE_LABEL = "org.dockercourse.test-hostile"


IMPOSTOR = r"""
import os, socket, threading
path = os.environ["DOCKER_HOST"].removeprefix("unix://")
os.unlink(path)
server = socket.socket(socket.AF_UNIX)
server.bind(path)
server.listen(16)
body = (b'{"Id": "f00d", "Name": "/hello-course", "Image": "sha256:f00d", "Config": {"Image": "busybox:1.35"},'
        b' "State": {"Status": "exited", "Running": false, "ExitCode": 0, "StartedAt": "2026-01-01T00:00:00Z"}}')
def serve():
    while True:
        conn, _ = server.accept()
        conn.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        conn.sendall(head + body)
        conn.close()
threading.Thread(target=serve, daemon=True).start()
"""


def _then_solve(breach: str) -> str:
    """Python that tries `breach` and, only if it did not raise, runs the solution (and would score)."""
    return breach.rstrip() + "\nimport subprocess\nsubprocess.run(" + repr(SOLUTION) + ", shell=True, check=True)\n"


def hostile_cells(folder: Path) -> dict[str, str]:
    """The answer cell of each hostile learner: one breach each."""
    secret = folder / "secret" / "answers.txt"
    out = folder / "out"
    return {
        # Another submission and a world-readable file outside the sandbox.
        "reader": _then_solve(f"print(open({str(secret)!r}).read())"),
        "snooper": _then_solve(f"print(open({str(folder / 'honest.ipynb')!r}).read()[:80])"),
        # The grader's own files, and its output folder (which the grader creates world-readable).
        "forger": _then_solve(f"open({str(GRADER_FILE)!r}, 'a').write('# forged')"),
        "scorer": _then_solve(f"open({str(out / 'gradebook.json')!r}, 'w').write('{{}}')"),
        # The host's root daemon, by its socket and by a bind mount of the checkout through the own daemon.
        "rooter": _then_solve(
            "import subprocess\n"
            "subprocess.run(['docker', '-H', 'unix:///var/run/docker.sock', 'run', '-d', '--label', "
            f"'{HOSTILE_LABEL}=1', 'busybox:1.35', 'sleep', '300'], check=True, timeout=30)"
        ),
        "mounter": _then_solve(
            "import subprocess\n"
            "out = subprocess.run(['docker', 'run', '--rm', '-v', '/:/host', 'busybox:1.35', 'cat', "
            f"'/host{GRADER_FILE}'], capture_output=True, text=True, timeout=60)\n"
            "assert 'warmup-hello' in out.stdout, out.stderr"
        ),
        # Another sandbox's daemon (the honest learners' run at the same time).
        "neighbour": _then_solve(
            "import glob, os, subprocess\n"
            "own = os.environ['DOCKER_HOST'].removeprefix('unix://')\n"
            "sockets = [s for s in glob.glob('/run/user/*/docker.sock') if s != own]\n"
            "assert sockets, 'no other daemon visible'\n"
            "subprocess.run(['docker', '-H', 'unix://' + sockets[0], 'ps'], check=True, timeout=30)"
        ),
        # The grader's process: every pid the kernel can signal.
        "killer": _then_solve(
            "import os, signal\n"
            "pids = [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]\n"
            "hit = []\n"
            "for pid in pids:\n"
            "    try:\n"
            "        os.kill(pid, signal.SIGKILL); hit.append(pid)\n"
            "    except OSError:\n"
            "        pass\n"
            "assert any(pid > 1 for pid in hit) and os.getppid() != 0, f'nothing outside reached: {hit}'"
        ),
        # An impostor daemon on the socket's path, answering every request with a container that passed.
        "impostor": IMPOSTOR,
        # Everything it may fork: the fork bomb hits its own sandbox's limit, then the cell's time limit.
        "forker": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
    }


def _notebook_with(answer: str) -> Any:
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    index = next(i for i, cell in enumerate(nb.cells) if cell_role(cell) == (EXERCISE, ROLE_ANSWER))
    nb.cells[index].source = answer
    return nb


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sandbox_users() -> list[str]:
    return [line.split(":")[0] for line in Path("/etc/passwd").read_text().splitlines() if line.startswith("dcsb-")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("class")
    os.chmod(folder, 0o755)  # world-readable, as a shared folder of submissions often is
    (folder / "secret").mkdir(mode=0o755)
    (folder / "secret" / "answers.txt").write_text(SECRET)
    os.chmod(folder / "secret" / "answers.txt", 0o644)
    starter = nbformat.read(str(NOTEBOOK), as_version=4)
    notebooks = {
        "honest": solved_copy(starter, [default_registry().get(EXERCISE)]),
        "honest-too": solved_copy(starter, [default_registry().get(EXERCISE)]),
        "blank": starter,
        **{name: _notebook_with(cell) for name, cell in hostile_cells(folder).items()},
    }
    paths = []
    for name, nb in notebooks.items():
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, str(path))
        os.chmod(path, 0o644)
        paths.append(path)
    grader_before = _digest(GRADER_FILE)
    out = folder / "out"
    proc = run_course("grade", *map(str, paths), "--out", str(out), "--jobs", "2", "--timeout", "10", timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    book = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    return {
        "proc": proc,
        "book": book,
        "out": out,
        "folder": folder,
        "grader_before": grader_before,
        "learners": {entry["learner"]: entry for entry in book["learners"]},
    }


def _exercise(graded: dict[str, Any], learner: str) -> dict[str, Any]:
    (entry,) = graded["learners"][learner]["exercises"]
    return entry


def test_the_run_was_sandboxed_two_at_a_time(graded) -> None:
    book = graded["book"]
    assert book["sandboxed"] is True and book["isolation"]["mode"] == "sandbox"
    assert book["jobs"] == 2 and book["workers"] == 2 and not book["grading_failed"]


def test_honest_learners_grade_right_beside_the_hostile_ones(graded) -> None:
    for learner in ("honest", "honest-too"):
        entry = _exercise(graded, learner)
        assert (entry["status"], entry["points"], entry["checks_passed"]) == ("passed", 1.0, 4), entry
    blank = _exercise(graded, "blank")
    assert (blank["status"], blank["points"]) == ("failed", 0.0)
    assert "There is no container named 'hello-course'" in blank["messages"][0]


@pytest.mark.parametrize("learner", ["reader", "snooper", "forger", "scorer", "rooter", "mounter", "neighbour"])
def test_a_stopped_breach_scores_zero(graded, learner: str) -> None:
    entry = _exercise(graded, learner)
    assert entry["points"] == 0.0 and entry["status"] == "error", entry
    assert any("raised an error" in message for message in entry["messages"]), entry


def test_the_killer_reaches_nothing_but_itself(graded) -> None:
    """Killing every pid it can see kills only its own kernel (PID 1 of its namespace): the grader lives on."""
    entry = _exercise(graded, "killer")
    assert entry["points"] == 0.0 and entry["status"] in ("error", "kernel-died"), entry


def test_an_impostor_on_the_socket_path_is_never_asked(graded) -> None:
    """The grader reaches the real daemon through its pinned socket: it finds no container, where the impostor
    would have shown one that passed."""
    entry = _exercise(graded, "impostor")
    assert (entry["status"], entry["points"]) == ("failed", 0.0), entry
    assert "There is no container named 'hello-course'" in entry["messages"][0]


def test_the_fork_bomb_stops_at_its_own_sandbox(graded) -> None:
    entry = _exercise(graded, "forker")
    assert entry["points"] == 0.0 and entry["status"] in ("timeout", "kernel-died"), entry


def test_nothing_outside_the_sandboxes_changed(graded) -> None:
    assert _digest(GRADER_FILE) == graded["grader_before"]
    assert (graded["folder"] / "secret" / "answers.txt").read_text() == SECRET
    book = json.loads((graded["out"] / "gradebook.json").read_text(encoding="utf-8"))
    assert book["learners"], "the gradebook was overwritten"
    client = docker.from_env()
    assert not client.containers.list(all=True, filters={"label": HOSTILE_LABEL})
    assert not client.containers.list(all=True, filters={"name": "^hello-course$"})


def test_feedback_never_shows_what_a_breach_tried_to_read(graded) -> None:
    for page in graded["out"].glob("*.html"):
        assert SECRET not in page.read_text(encoding="utf-8")


def test_every_sandbox_is_gone(graded) -> None:
    """One sandbox per submission, each removed: state, user, netns, mounts (others may run beside this test)."""
    made = set(graded["book"]["isolation"]["sandboxes"])
    assert len(made) == len(graded["learners"]), made
    assert not made & {state.name for state in all_states()}
    assert not made & set(_sandbox_users())
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not [name for name in made if name in netns]
    mounts = Path("/proc/mounts").read_text()
    assert not [name for name in made if name in mounts]


def _residents_of(pid: int) -> list[int]:
    """The grading processes that `pid` started."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"course.grading.resident" in (entry / "cmdline").read_bytes():
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_grader_killed_mid_submission_leaves_nothing(tmp_path: Path) -> None:
    """SIGKILL the grader while a looping submission runs: its watchdog removes the sandbox, and the grading
    process (root, in the sandbox's netns) ends with its parent."""
    import signal
    import sys
    import time

    submission = tmp_path / "looper.ipynb"
    nbformat.write(_notebook_with("while True:\n    pass\n"), str(submission))
    grader = subprocess.Popen(
        [sys.executable, "-m", "course", "grade", str(submission), "--out", str(tmp_path / "out"), "--timeout", "120"],
        cwd=settings.REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _residents_of(grader.pid):
            assert grader.poll() is None and time.monotonic() < deadline, "grading never started"
            time.sleep(0.2)
        time.sleep(3)  # the kernel is now looping in the sandbox
        (state,) = [s for s in all_states() if s.owner_pid == grader.pid]
        residents = _residents_of(grader.pid)
    finally:
        os.kill(grader.pid, signal.SIGKILL)
        grader.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        alive = [pid for pid in residents if Path(f"/proc/{pid}").exists()]
        if not alive and state.name not in {s.name for s in all_states()}:
            break
        time.sleep(0.5)
    assert not [pid for pid in residents if Path(f"/proc/{pid}").exists()]
    assert state.name not in {s.name for s in all_states()}
    assert state.name not in _sandbox_users()
    assert state.name not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert state.name not in Path("/proc/mounts").read_text()
