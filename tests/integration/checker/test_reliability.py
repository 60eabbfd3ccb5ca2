"""Things go wrong: each case shows the learner what is wrong and what to do, with no traceback.

Every case runs against the real daemon with throwaway names; everything is
removed afterwards, even on failure.
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from checker import api, settings
from checker.labels import course_labels
from checker.registry import load_registry

from support import REPO, run_course

pytestmark = pytest.mark.docker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        return sock.getsockname()[1]


def _registry(tmp_path: Path, checks: str, owns: str = "", timeout: int = 60):
    """A one-exercise registry for probing the engine with arbitrary checks."""
    (tmp_path / "09-demo.toml").write_text(
        f'notebook = "09-demo"\n[[exercise]]\nid = "reliability-demo"\ntitle = "Demo"\nhints = ["a"]\n'
        f"timeout = {timeout}\nowns = {{ {owns} }}\n{checks}\n"
        '[[exercise.solution]]\nshell = "true"\n[[exercise.wrong]]\ntitle = "x"\nexpect = "x"\n'
    )
    return load_registry(tmp_path)


@pytest.fixture
def name() -> str:
    return f"dc-rel-{uuid.uuid4().hex[:8]}"


def test_container_that_exits_at_once_shows_exit_code_and_log_tail(tmp_path, tracker, docker_client, name) -> None:
    tracker.containers.append(name)
    docker_client.containers.run(
        "busybox:1.35",
        ["sh", "-c", "echo missing config file >&2; exit 3"],
        name=name,
        detach=True,
        labels=course_labels(),
    )
    time.sleep(1)
    registry = _registry(tmp_path, f'[[exercise.check]]\nkind = "container_running"\ncontainer = "{name}"')
    result = api.check("reliability-demo", registry=registry)
    message = result.checks[0].message
    assert not result.passed and "exited with code 3" in message and "missing config file" in message
    assert result.checks[0].hint


def test_crash_looping_container_is_named_as_such(tmp_path, tracker, docker_client, name) -> None:
    tracker.containers.append(name)
    docker_client.containers.run(
        "busybox:1.35",
        ["sh", "-c", "echo boom; exit 1"],
        name=name,
        detach=True,
        restart_policy={"Name": "always"},
        labels=course_labels(),
    )
    registry = _registry(tmp_path, f'[[exercise.check]]\nkind = "container_running"\ncontainer = "{name}"\nwait = 3')
    result = api.check("reliability-demo", registry=registry)
    message = result.checks[0].message
    assert not result.passed
    assert "keeps crashing" in message or "exited with code 1" in message
    assert "boom" in message


def test_port_already_allocated_says_which_port(tmp_path, tracker, docker_client, name) -> None:
    port = _free_port()
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("0.0.0.0", port))
    holder.listen()
    tracker.containers.append(name)
    try:
        proc = subprocess.run(
            ["docker", "run", "-d", "--name", name, "-p", f"{port}:80", "busybox:1.35", "sleep", "60"],
            capture_output=True,
            text=True,
        )
        assert proc.returncode != 0
        registry = _registry(tmp_path, f'[[exercise.check]]\nkind = "container_running"\ncontainer = "{name}"')
        result = api.check("reliability-demo", registry=registry)
    finally:
        holder.close()
    message = result.checks[0].message
    assert not result.passed and f"host port {port} is already in use" in message


def test_name_conflict_from_a_setup_step_is_explained(tmp_path, tracker, docker_client, name) -> None:
    tracker.containers.append(name)
    docker_client.containers.create("busybox:1.35", "true", name=name)
    import docker.errors

    from checker.errors import explain

    with pytest.raises(docker.errors.APIError) as info:
        docker_client.containers.create("busybox:1.35", "true", name=name)
    error = explain(info.value)
    assert "conflict" in error.problem.lower() and "docker rm -f" in error.fix


def test_missing_workspace_file_says_which_cell_to_run(tmp_path) -> None:
    registry = _registry(
        tmp_path, '[[exercise.check]]\nkind = "file_contains"\npath = "workspace/nowhere/answer.txt"\ntext = "x"'
    )
    result = api.check("reliability-demo", registry=registry)
    assert (
        not result.passed
        and "does not exist yet" in result.checks[0].message
        and "%%writefile" in result.checks[0].hint
    )


def test_a_check_started_while_another_runs_waits_then_explains(tmp_path, tracker, docker_client, name) -> None:
    from checker.locking import exercise_lock

    registry = _registry(tmp_path, f'[[exercise.check]]\nkind = "container_exists"\ncontainer = "{name}"')
    release = threading.Event()
    held = threading.Event()

    def hold() -> None:
        with exercise_lock("reliability-demo"):
            held.set()
            release.wait(15)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        started = time.monotonic()
        result = api.check("reliability-demo", registry=registry)
        assert time.monotonic() - started < 10
    finally:
        release.set()
        thread.join()
    assert result.could_not_check and "still running" in result.error
    assert not api.check("reliability-demo", registry=registry).could_not_check


def test_a_check_that_would_hang_is_bounded_with_a_diagnosis(tmp_path, tracker, docker_client, name) -> None:
    tracker.containers.append(name)
    docker_client.containers.run("busybox:1.35", "sleep 120", name=name, detach=True, labels=course_labels())
    port = _free_port()
    registry = _registry(
        tmp_path,
        f'[[exercise.check]]\nkind = "http_responds"\nport = {port}\ntimeout = 12\ncontainer = "{name}"',
        timeout=3,
    )
    started = time.monotonic()
    result = api.check("reliability-demo", registry=registry)
    assert time.monotonic() - started < 6
    assert result.could_not_check and not result.passed and "did not finish within 3 s" in result.error
    # The abandoned check still probes the port: a second check of the exercise must not overlap it.
    busy = api.check("reliability-demo", registry=registry)
    assert busy.could_not_check and "still running" in busy.error
    from checker.locking import exercise_lock

    with exercise_lock("reliability-demo", wait=30):  # free once the first check's work has really stopped
        pass


def test_http_check_times_out_with_state_and_logs(tmp_path, tracker, docker_client, name) -> None:
    tracker.containers.append(name)
    docker_client.containers.run(
        "busybox:1.35",
        ["sh", "-c", "echo listening nowhere; sleep 120"],
        name=name,
        detach=True,
        labels=course_labels(),
    )
    port = _free_port()
    registry = _registry(
        tmp_path, f'[[exercise.check]]\nkind = "http_responds"\nport = {port}\ntimeout = 1\ncontainer = "{name}"'
    )
    result = api.check("reliability-demo", registry=registry)
    message = result.checks[0].message
    assert (
        not result.passed
        and "did not answer" in message
        and "it is running" in message
        and "listening nowhere" in message
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to an unprivileged user")
def test_socket_not_permitted_is_a_clear_message() -> None:
    """As an unprivileged user the daemon's socket refuses us: say so and how to fix it.

    The checkout may sit in a folder other users cannot enter (a clone under /root or in
    `mktemp -d`). So the unprivileged CLI runs from a bind mount of the checkout (and of
    the venv, if it lives elsewhere) at a path anyone can reach, in a private mount
    namespace: nothing is copied or changed, and the mounts end with the process.
    """
    for tool in ("setpriv", "unshare", "mount"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} (util-linux) is needed for this test")
    user = pwd.getpwnam("nobody")
    view = Path(tempfile.mkdtemp(prefix="course-view-", dir="/tmp"))
    view.chmod(0o755)
    home, repo, venv = view / "home", view / "repo", view / "venv"
    for folder in (home, repo, venv):
        folder.mkdir()
    os.chown(home, user.pw_uid, user.pw_gid)
    prefix = Path(sys.prefix)
    if prefix.is_relative_to(REPO):
        mounts, python = [(REPO, repo)], repo / Path(sys.executable).relative_to(REPO)
    else:
        mounts, python = [(REPO, repo), (prefix, venv)], venv / Path(sys.executable).relative_to(prefix)
    binds = " && ".join(f"mount --bind {shlex.quote(str(a))} {shlex.quote(str(b))}" for a, b in mounts)
    drop = [
        "setpriv",
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        str(python),
        "-m",
        "course",
        "check",
        "warmup-hello",
        "--json",
    ]
    script = f"{binds} && cd {shlex.quote(str(repo))} && exec {shlex.join(drop)}"
    env = {"PATH": os.environ["PATH"], "HOME": str(home), settings.WORKDIR.name: str(home), "PYTHONPATH": str(repo)}
    try:
        proc = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        for folder in (repo, venv, home, view):  # rmdir, never rmtree: a mount point is removed only when empty
            folder.rmdir()
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "Permission denied" in output and "docker` group" in output and "Traceback" not in output


def test_daemon_down_during_check_json_is_could_not_check(tmp_path) -> None:
    proc = run_course("check", "warmup-hello", "--json", env={"DOCKER_HOST": f"unix://{tmp_path}/gone.sock"})
    data = json.loads(proc.stdout)
    assert proc.returncode == 2 and data["passed"] is False and "not running" in data["error"]


def test_invalid_compose_yaml_shows_the_line(tmp_path) -> None:
    folder = tmp_path / "workspace" / "broken"
    folder.mkdir(parents=True)
    (folder / "compose.yaml").write_text("services:\n  web:\n    image: busybox:1.35\n   command: sleep 1\n")
    registry = _registry(
        tmp_path,
        '[[exercise.check]]\nkind = "compose_file_valid"\npath = "workspace/broken/compose.yaml"\nproject = '
        '"dc-broken"',
    )
    result = api.check("reliability-demo", registry=registry, workdir=tmp_path)
    message = result.checks[0].message
    assert not result.passed and "yaml: line" in message and "compose.yaml" in message, message
    assert "Traceback" not in message


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="an isolated daemon needs root")
def test_checks_recover_when_the_daemon_restarts(tmp_path, docker_client, monkeypatch) -> None:
    """Restart a daemon mid-course (an isolated one, never the learner's): checks say so, then recover."""
    from checker.docker_client import forget_clients
    from course import images
    from course.grading.isolation import WorkerPool, isolation_problem

    problem = isolation_problem()
    assert problem is None, problem
    busybox = [entry for entry in images.CATALOG if entry.name == "busybox:1.35"]
    registry = _registry(
        tmp_path, '[[exercise.check]]\nkind = "container_running"\ncontainer = "restart-survivor"\nwait = 10'
    )
    with WorkerPool(
        1, main_client=docker_client, images=busybox, outside_network=False, log=lambda _line: None
    ) as pool:
        worker = pool.workers[0]
        monkeypatch.setenv("DOCKER_HOST", worker.docker_host)
        forget_clients()
        try:
            worker.client().containers.run(
                "busybox:1.35",
                "sleep 600",
                name="restart-survivor",
                detach=True,
                restart_policy={"Name": "unless-stopped"},
            )
            assert api.check("reliability-demo", registry=registry).passed

            from course.grading.isolation.host import terminate

            terminate(worker.dockerd)
            down = api.check("reliability-demo", registry=registry)
            assert down.could_not_check and "not running or cannot be reached" in down.error

            worker.restart_daemon()
            back = api.check("reliability-demo", registry=registry)
            assert back.passed, str(back)
        finally:
            forget_clients()


def test_image_name_typo_says_check_the_name(docker_client) -> None:
    """A typo in an image name tries a pull; the message must point at the typo, not the network."""
    import docker.errors

    from checker.errors import explain

    with pytest.raises(docker.errors.APIError) as info:
        docker_client.images.pull("busybx", tag="1.35")
    error = explain(info.value)
    assert "busybx:1.35" in error.problem and "typos" in error.fix and "course images" in error.fix
