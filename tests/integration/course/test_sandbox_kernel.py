"""A notebook kernel inside a sandbox (course.sandbox.kernel), on the sandbox runtime, run by nbclient.

The kernel must run the learner's Docker commands against its own daemon, and
must FAIL to read world-readable folders outside its sandbox, write to the
checkout, reach the root daemon or another sandbox's daemon, or signal the
grader. Each hostile cell is also run as the grader (root, outside) and must
succeed there, so a breach the sandbox stops cannot be a broken probe.
Every sandbox and folder is removed even when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from support import REPO

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.sandbox]

BREACH = "BREACH"


def _cell_outputs(cell: Any) -> tuple[str, str | None]:
    """(the cell's printed text, the error's name or None)."""
    text = "".join(out.get("text", "") for out in cell.outputs if out.get("output_type") == "stream")
    errors = [out["ename"] for out in cell.outputs if out.get("output_type") == "error"]
    return text, errors[0] if errors else None


@pytest.fixture(scope="module")
def runtime():
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("sandboxes are created by root on Linux")
    from course.sandbox import ensure_installed, runtime

    ensure_installed(log=lambda _line: None)
    return runtime.ensure()


@pytest.fixture(scope="module")
def pair(runtime, docker_client) -> Iterator[tuple[Any, Any]]:
    """Sandbox A (busybox loaded; its kernel is the one under test) and B (the neighbour it must not reach)."""
    from course.sandbox import Limits, Sandbox, bundles

    bundle = bundles.bundle(docker_client, ["busybox:1.35"])
    limits = Limits(memory_mb=768, pids=300, disk_gb=2)
    made: list[Any] = []
    try:
        made.append(Sandbox.create(limits=limits, bundle=bundle))
        made.append(Sandbox.create(limits=limits))
        yield made[0], made[1]
    finally:
        for sandbox in made:
            sandbox.destroy()


@pytest.fixture(scope="module")
def secrets() -> Iterator[Path]:
    """A world-readable folder (755) with a world-readable file (644) outside any sandbox: another
    submission's work folder, the grading output."""
    folder = Path(tempfile.mkdtemp(prefix="course-kernel-secret-"))
    try:
        os.chmod(folder, 0o755)
        (folder / "secret.txt").write_text("other learner's answer\n")
        os.chmod(folder / "secret.txt", 0o644)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def stand_in() -> Iterator[subprocess.Popen[bytes]]:
    """A root process standing in for the grader, so the positive control may really kill it."""
    process = subprocess.Popen(["sleep", "600"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


@contextlib.contextmanager
def _kernel(sandbox: Any, runtime: Any, sources: list[str]) -> Iterator[tuple[Any, Any, Any, dict[str, Any]]]:
    """A sandbox kernel and an nbclient client on a notebook of these cells (errors recorded, not raised);
    yields (client, notebook, kernel manager, timings). The kernel is stopped at the end."""
    import nbformat
    from nbclient import NotebookClient

    from course.sandbox.kernel import SandboxKernelManager, stop

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    km = SandboxKernelManager(sandbox=sandbox, runtime=runtime)
    client = NotebookClient(
        nb, km=km, timeout=60, startup_timeout=60, allow_errors=True, resources={"metadata": {"path": str(km.workdir)}}
    )
    started = time.monotonic()
    info: dict[str, Any] = {}
    try:
        with client.setup_kernel(env={"COURSE_WORKDIR": str(km.workdir), "COURSE_EXERCISES_DIR": "/x"}):
            info["start_s"] = time.monotonic() - started
            yield client, nb, km, info
    finally:
        stop(km)


def _run_notebook(sandbox: Any, runtime: Any, sources: list[str]) -> tuple[list[Any], dict[str, Any]]:
    with _kernel(sandbox, runtime, sources) as (client, nb, _km, info):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    return nb.cells, info


def _strays(sandbox: Any, timeout: float = 10) -> list[str]:
    """Processes of the sandbox that are neither its daemon's nor its containers' (after waiting for them to go)."""
    from course.sandbox import cgroups, processes

    roots = processes.daemon_roots(sandbox.state.daemon_pid)
    deadline = time.monotonic() + timeout
    while True:
        strays = [pid for pid in cgroups.pids(sandbox.name) if processes.role(pid, roots) == "stray"]
        if not strays or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    commands = []
    for pid in strays:
        with contextlib.suppress(OSError):
            commands.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return commands


def test_the_kernel_runs_as_the_sandbox_user_against_its_own_daemon(pair, runtime) -> None:
    a, _b = pair
    cells, info = _run_notebook(
        a,
        runtime,
        [
            "import os, sys; print(os.getuid(), os.getcwd(), sys.executable)",
            "print(sorted(k for k in os.environ if k.startswith('COURSE_')), os.environ['DOCKER_HOST'])",
            "from course.notebook import check, hint, reset, setup; print('imported')",
            "!docker run --rm busybox:1.35 echo hi",
        ],
    )
    outputs = [_cell_outputs(cell) for cell in cells]
    assert all(error is None for _text, error in outputs), outputs
    assert outputs[0][0].split() == [str(a.state.uid), str(a.home / "work"), str(runtime.python)]
    # The grader's own variables (COURSE_EXERCISES_DIR here) never reach the kernel; its work folder does.
    assert outputs[1][0].strip() == f"['COURSE_WORKDIR'] {a.docker_host}"
    assert outputs[2][0].strip() == "imported"
    assert outputs[3][0].strip() == "hi"
    assert info["start_s"] < 10, info
    # The runtime is root's: the kernel (or any sandbox) cannot change what the next one imports.
    for folder in runtime.folders:
        for path in [folder, *folder.rglob("*")]:
            if not path.is_symlink():
                stat = path.stat()
                assert stat.st_uid == 0 and not stat.st_mode & 0o022, path


def _hostile_cells(a: Any, b: Any, secrets: Path, grader_pid: int) -> dict[str, str]:
    """Each prints BREACH when it gets through; outside the sandbox, as root, each does."""
    from checker import settings

    marker = REPO / f".sandbox-breach-{a.name}"
    solutions = sorted(settings.DEFAULT_EXERCISES_DIR.glob("*.toml"))[0]
    ping = (
        "import socket\n"
        "s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect({path!r})\n"
        "s.sendall(b'GET /_ping HTTP/1.0\\r\\n\\r\\n'); assert b' 200' in s.recv(64); print('BREACH')"
    )
    return {
        "read another submission": f"print(open({str(secrets / 'secret.txt')!r}).read(), 'BREACH')",
        "read the course's solutions": f"print(open({str(solutions)!r}).read()[:0], 'BREACH')",
        "list the checkout": f"import os; print(os.listdir({str(REPO)!r})[:0], 'BREACH')",
        "write to the checkout": f"open({str(marker)!r}, 'w').write('x'); print('BREACH')",
        # The daemon's own root hides the host's files (see the bind-mount test); its /proc entry is the way out
        # a kernel must not even find (a process of the same user, so only the PID namespace hides it).
        "reach the daemon's /proc root": (
            f"print(open('/proc/{a.state.inner_pid}/root/etc/passwd').read()[:0], 'BREACH')"
        ),
        "reach the root daemon": ping.format(path="/var/run/docker.sock"),
        "reach another sandbox's daemon": ping.format(path=str(b.state.socket)),
        "signal the grader": f"import os, signal; os.kill({grader_pid}, signal.SIGTERM); print('BREACH')",
    }


def test_hostile_cells_fail_in_the_kernel_and_succeed_outside(pair, runtime, secrets, stand_in) -> None:
    a, b = pair
    probes = _hostile_cells(a, b, secrets, stand_in.pid)
    cells, _info = _run_notebook(a, runtime, list(probes.values()))
    breaches = {}
    for (what, _code), cell in zip(probes.items(), cells, strict=True):
        text, error = _cell_outputs(cell)
        if BREACH in text or error is None:
            breaches[what] = text
    assert not breaches, f"the sandboxed kernel got through: {breaches}"
    assert stand_in.poll() is None, "the kernel killed the grader's stand-in"
    # The same cells as the grader (root, outside every sandbox) get through: the probes themselves work.
    marker = REPO / f".sandbox-breach-{a.name}"
    try:
        for what, code in probes.items():
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
            assert BREACH in proc.stdout, f"{what}: the probe fails even outside the sandbox: {proc.stderr[-300:]}"
    finally:
        marker.unlink(missing_ok=True)
    assert stand_in.wait(5) == -signal.SIGTERM


SPAWN = textwrap.dedent("""
    import subprocess
    subprocess.Popen(["setsid", "sleep", "600"])
    subprocess.Popen(["sh", "-c", "sleep 601 & sleep 602"], start_new_session=True)
    print("started")
""")


def test_a_stopped_kernel_leaves_no_process(pair, runtime) -> None:
    """What a kernel started (even in a new session, as a daemon would) ends with it."""
    a, _b = pair
    cells, _info = _run_notebook(a, runtime, [SPAWN])
    assert _cell_outputs(cells[0]) == ("started\n", None)
    assert _strays(a) == []
    assert a.alive()


def test_a_kernel_that_dies_leaves_no_process(pair, runtime) -> None:
    from nbclient.exceptions import DeadKernelError

    a, _b = pair
    with _kernel(a, runtime, [SPAWN, "import os; os._exit(3)"]) as (client, nb, _km, _info):
        client.execute_cell(nb.cells[0], 0)
        assert _cell_outputs(nb.cells[0]) == ("started\n", None)
        with pytest.raises(DeadKernelError):
            client.execute_cell(nb.cells[1], 1)
        assert _strays(a) == []  # before any clean-up of ours: the namespace died with its PID 1


def test_a_bind_mount_cannot_read_outside_the_sandbox(pair, runtime, secrets) -> None:
    a, _b = pair
    apps = runtime.code
    cells, _info = _run_notebook(
        a,
        runtime,
        [
            f"!docker run --rm -v {secrets}:/x busybox:1.35 cat /x/secret.txt",
            "!docker run --rm -v $PWD:/w busybox:1.35 sh -c 'echo mine > /w/own.txt' && cat own.txt",
            f"!docker run --rm -v {apps}:/apps:ro busybox:1.35 ls /apps",
        ],
    )
    outputs = [_cell_outputs(cell)[0] for cell in cells]
    assert "other learner's answer" not in outputs[0]
    # Not even root finds the host's files through the daemon's processes: their root is the private one.
    for pid in (a.state.daemon_pid, a.state.inner_pid):
        assert not Path(f"/proc/{pid}/root{secrets / 'secret.txt'}").exists()
    # What exercises bind-mount stays visible: the learner's work folder (in the home) and the course apps.
    assert outputs[1].strip() == "mine", outputs
    assert sorted(outputs[2].split()) == sorted(path.name for path in apps.iterdir()), outputs
