"""Sandboxes with real rootless daemons: isolation, limits and complete removal, with no mocks.

Two sandboxes (A with chapter 1's images, B with busybox) are shared by the
tests that only use them; the tests that must see a whole lifecycle (SIGKILL,
Ctrl-C) make their own. Every sandbox is destroyed even when a test fails.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from support import REPO

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.sandbox]

PROBE = textwrap.dedent("""
    import sys, time, urllib.request
    for _ in range(50):
        try:
            print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode().strip()); break
        except OSError as exc:
            error = exc; time.sleep(0.2)
    else:
        print("ERROR", error)
""")
WEB = "mkdir -p /www && echo {text} > /www/index.html && exec httpd -f -p 8080 -h /www"


def _prepare() -> None:
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("sandboxes are created by root on Linux")
    from course.sandbox import ensure_installed

    ensure_installed(log=lambda _line: None)  # installs rootlesskit & co. when missing; raises with the fix


@pytest.fixture(scope="module")
def bundles(docker_client) -> dict[str, Path]:
    """Bundles made once from the main daemon (only read: the main daemon is never changed)."""
    from course.sandbox import bundles

    _prepare()
    return {
        "chapter1": bundles.bundle(docker_client, bundles.chapter_images(1)),
        "busybox": bundles.bundle(docker_client, ["busybox:1.35"]),
    }


@pytest.fixture(scope="module")
def pair(bundles) -> Iterator[tuple[object, object]]:
    """Sandboxes A (chapter 1's images, a NAT'd way out) and B (busybox, no outside network), made side by side."""
    from course.sandbox import Limits, Sandbox

    limits = Limits(memory_mb=768, pids=300, disk_gb=4)
    made: list[Sandbox] = []

    def create(bundle: Path, outside_network: bool) -> Sandbox:
        sandbox = Sandbox.create(limits=limits, bundle=bundle, outside_network=outside_network)
        made.append(sandbox)
        return sandbox

    try:
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(create, bundles["chapter1"], True), pool.submit(create, bundles["busybox"], False)]
        yield futures[0].result(), futures[1].result()
    finally:
        for sandbox in made:
            sandbox.destroy()


def _leftovers(state) -> list[str]:
    """Every trace of a sandbox that is still on the host."""
    from course.sandbox import cgroups, netns, processes, uplink

    found = []
    with_user = [e.pw_name for e in pwd.getpwall() if e.pw_name == state.name]
    found += [f"user {name}" for name in with_user]
    paths = (
        Path(state.home),
        Path(state.disk_image or "/nonexistent"),
        Path(f"/run/user/{state.uid}"),
        state.state_file,
        state.state_file.with_suffix(".watchdog.log"),
        state.state_file.with_suffix(".log"),
    )
    found += [f"path {p}" for p in paths if p.exists()]
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and state.name in (proc / "cmdline").read_text():
                found.append(f"process {proc.name} naming it")
        except OSError:
            pass
    found += [f"netns {name}" for name in netns.names() if name == state.netns]
    found += [f"iptables rules of {name}" for name in uplink.names() if name == state.name]
    found += [f"cgroup {p}" for p in cgroups.paths(state.name) if p.exists()]
    found += [f"process {pid}" for pid in processes.owned_by(state.uid, state.subuid)]
    mounts = Path("/proc/mounts").read_text()
    found += [f"mount {line.split()[1]}" for line in mounts.splitlines() if state.name in line]
    loops = subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout
    found += [f"loop {line}" for line in loops.splitlines() if state.name in line]
    return found


def _probe(sandbox, url: str) -> str:
    proc = sandbox.enter(["/usr/bin/python3", "-c", PROBE, url], timeout=30)
    return proc.stdout.strip() or proc.stderr.strip()


def test_a_sandbox_runs_containers_on_its_own_rootless_daemon(pair) -> None:
    a, b = pair
    assert a.alive() and b.alive()
    info = a.docker("info", "--format", "{{.SecurityOptions}} {{.DockerRootDir}}")
    assert "rootless" in info.stdout and info.stdout.strip().endswith(f"{a.home}/.local/share/docker"), info
    tags = {tag for image in a.client().images.list() for tag in image.tags}
    assert {"busybox:1.35", "debian:bookworm-slim"} <= tags
    assert a.docker("run", "--rm", "busybox:1.35", "echo", "hello").stdout == "hello\n"
    assert a.docker("run", "--rm", "debian:bookworm-slim", "id", "-u").stdout == "0\n"
    assert a.docker("compose", "version").stdout.startswith("Docker Compose version v2")
    for sandbox in pair:  # its own user, home of mode 700 and subordinate range
        home = os.stat(sandbox.home)
        assert (home.st_uid, home.st_mode & 0o777) == (sandbox.state.uid, 0o700)
    assert a.state.uid != b.state.uid and a.state.subuid[0] != b.state.subuid[0]


def test_two_sandboxes_publish_the_same_port_and_name(pair) -> None:
    a, b = pair
    for sandbox in pair:
        proc = sandbox.docker(
            "run", "-d", "--name", "web", "-p", "8080:8080", "busybox:1.35", "sh", "-c", WEB.format(text=sandbox.name)
        )
        assert proc.returncode == 0, proc.stderr
    assert _probe(a, "http://localhost:8080/") == a.name
    assert _probe(b, "http://localhost:8080/") == b.name
    # The checker's probes (root, same namespace) see the same thing; the host's own 8080 is untouched.
    probe = subprocess.run(
        a.netns_command([sys.executable, "-c", PROBE, "http://127.0.0.1:8080/"]),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert probe.stdout.strip() == a.name
    on_host = subprocess.run(
        [sys.executable, "-c", PROBE.replace("range(50)", "range(1)"), "http://127.0.0.1:8080/"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert a.name not in on_host and b.name not in on_host
    # `--network host` means the daemon's network, which is where the kernel and the probes run too.
    proc = a.docker(
        "run",
        "-d",
        "--name",
        "hostnet",
        "--network",
        "host",
        "busybox:1.35",
        "sh",
        "-c",
        WEB.format(text="hostnet").replace("8080", "8501"),
    )
    assert proc.returncode == 0, proc.stderr
    assert _probe(a, "http://localhost:8501/") == "hostnet"
    assert a.docker("rm", "-f", "web", "hostnet").returncode == 0
    assert b.docker("rm", "-f", "web").returncode == 0


def test_sandboxes_cannot_reach_each_other_nor_the_root_daemon(pair) -> None:
    a, b = pair
    denied = a.enter(["ls", str(b.home)])
    assert denied.returncode != 0 and "Permission denied" in denied.stderr
    root_daemon = a.docker("-H", "unix:///var/run/docker.sock", "version")
    assert root_daemon.returncode != 0 and "permission denied" in root_daemon.stderr.lower()
    other = a.docker("-H", b.docker_host, "version")
    assert other.returncode != 0 and "permission denied" in other.stderr.lower()
    mounted = a.docker("run", "--rm", "-v", f"{b.home}:/other", "busybox:1.35", "ls", "/other")
    assert mounted.returncode != 0 and b.name not in mounted.stdout
    # A host service on 0.0.0.0 (reachable from a plain rootless daemon) is out of reach, even through A's uplink.
    addresses = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True
    ).stdout.split()
    host_ips = [word.split("/")[0] for word in addresses if "/" in word and word[0].isdigit()]
    with socket.create_server(("0.0.0.0", 0)) as server:
        port = server.getsockname()[1]
        connect = (
            "import socket, sys\nfor ip in sys.argv[2:]:\n    try:\n        socket.create_connection((ip, "
            "int(sys.argv[1])), timeout=1); print('reached', ip)\n    except OSError as exc: print(ip, exc)"
        )
        reached = a.enter(["/usr/bin/python3", "-c", connect, str(port), *host_ips, "10.0.2.2"], timeout=60)
    assert host_ips and "reached" not in reached.stdout, reached.stdout


def test_the_outside_network_is_opt_in(pair) -> None:
    a, b = pair
    update = a.docker("run", "--rm", "debian:bookworm-slim", "apt-get", "update", "-q", timeout=300)
    assert update.returncode == 0, update.stdout[-500:] + update.stderr[-500:]
    resolve = "import socket; socket.create_connection(('deb.debian.org', 80), timeout=3); print('reached')"
    assert b.enter(["/usr/bin/python3", "-c", resolve], timeout=60).stdout != "reached\n"


def test_wipe_removes_what_a_submission_left_but_keeps_the_base_images(pair) -> None:
    a, _ = pair
    assert a.docker("run", "--name", "left", "-v", "data:/data", "busybox:1.35", "touch", "/data/x").returncode == 0
    assert a.docker("commit", "left", "mine:1").returncode == 0
    assert a.docker("network", "create", "mynet").returncode == 0
    assert a.docker("run", "-d", "--name", "server", "busybox:1.35", "sleep", "600").returncode == 0
    straggler = a.popen(["sleep", "600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (a.home / "notes.txt").write_text("learner file")
    (a.home / ".docker" / "config.json").write_text("{}")
    a.wipe()
    assert straggler.wait(10) == -signal.SIGKILL
    api = a.client().api
    assert api.containers(all=True) == [] and api.volumes().get("Volumes") in (None, [])
    assert {n["Name"] for n in api.networks()} == {"bridge", "host", "none"}
    tags = {tag for image in api.images() for tag in image.get("RepoTags") or []}
    assert tags == {"busybox:1.35", "debian:bookworm-slim"}
    assert not (a.home / "notes.txt").exists() and not (a.home / ".docker" / "config.json").exists()
    assert a.docker("compose", "version").returncode == 0
    assert a.docker("run", "--rm", "busybox:1.35", "echo", "again").stdout == "again\n"


def test_a_memory_hog_is_killed_and_the_daemon_survives(pair) -> None:
    _, b = pair
    before = b.usage()["oom_kills"]
    # busybox tail keeps the last line of /dev/zero, which never ends: it grows until something stops it.
    hog = b.docker("run", "--name", "hog", "busybox:1.35", "tail", "/dev/zero", timeout=120)
    assert hog.returncode == 137, hog
    assert b.usage()["oom_kills"] > before
    assert b.alive()
    assert b.docker("run", "--rm", "busybox:1.35", "echo", "alive").stdout == "alive\n"
    assert b.docker("rm", "-f", "hog").returncode == 0


def test_a_fork_bomb_is_capped_and_the_daemon_survives(pair) -> None:
    _, b = pair
    from course.sandbox import cgroups

    bomb = b.docker("run", "-d", "--name", "bomb", "busybox:1.35", "sh", "-c", "f() { f | f & }; f; sleep 600")
    assert bomb.returncode == 0, bomb.stderr
    deadline = time.monotonic() + 30
    while cgroups.pids_state(b.name).get("events_max", 0) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    state = cgroups.pids_state(b.name)
    assert state["events_max"] > 0 and state["current"] <= state["max"] == 300, state
    assert subprocess.run(["true"]).returncode == 0  # the host still forks
    assert b.alive()
    b.wipe()  # root kills the bomb's processes first: `docker rm` alone would need pids the bomb holds
    assert cgroups.pids_state(b.name)["current"] < 100
    assert b.docker("run", "--rm", "busybox:1.35", "echo", "alive").stdout == "alive\n"


def _zombies(pids: set[int]) -> list[int]:
    found = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if any(line.split()[1:2] == ["Z"] for line in status.splitlines() if line.startswith("State:")):
            found.append(pid)
    return found


def test_the_daemon_sees_only_the_sandbox_and_leaves_no_zombies(pair) -> None:
    """Its bind mounts resolve in a private root (the home yes, the checkout no); tini, PID 1 of its namespace,
    reaps the containerd shims rootlesskit would leave as zombies against the process limit."""
    from course.sandbox import cgroups

    _, b = pair
    listing = b.docker("run", "--rm", "-v", f"{REPO}:/x:ro", "busybox:1.35", "ls", "/x")
    assert "README.md" not in listing.stdout, listing
    (b.home / "site").mkdir(exist_ok=True)
    (b.home / "site" / "index.html").write_text("mine\n")
    own = b.docker("run", "--rm", "-v", f"{b.home / 'site'}:/site:ro", "busybox:1.35", "cat", "/site/index.html")
    assert own.stdout == "mine\n", own
    for index in range(3):
        assert b.docker("run", "-d", "--name", f"z{index}", "busybox:1.35", "sleep", "60").returncode == 0
        assert b.docker("rm", "-f", f"z{index}").returncode == 0
    deadline = time.monotonic() + 10
    while _zombies(cgroups.pids(b.name)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _zombies(cgroups.pids(b.name)) == []


GRADER = textwrap.dedent("""
    import json, signal, subprocess, sys, time
    # A run started in the background inherits SIGINT ignored; the test's Ctrl-C must reach it all the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from pathlib import Path
    from course.sandbox import Limits, Sandbox
    limits = Limits(memory_mb=512, pids=200, disk_gb=2)
    watch = sys.argv[2] == "watch"
    with Sandbox.create(limits=limits, bundle=Path(sys.argv[1]), outside_network=True, watch=watch) as sandbox:
        sandbox.docker("run", "-d", "--name", "web", "-p", "8080:8080", "busybox:1.35", "sleep", "600")
        sandbox.popen(["sleep", "600"])
        print(json.dumps(sandbox.state.__dict__), flush=True)
        time.sleep(600)
""")


@pytest.mark.parametrize(
    ("sig", "watch"),
    [(signal.SIGKILL, False), (signal.SIGKILL, True), (signal.SIGINT, True)],
    ids=["sigkill-then-reaper", "sigkill-then-watchdog", "ctrl-c"],
)
def test_a_killed_grader_leaves_nothing_behind(bundles, sig: int, watch: bool) -> None:
    from course.sandbox import Limits, Sandbox, SandboxState, clean_up_leftovers

    witness = None
    grader = subprocess.Popen(
        [sys.executable, "-c", GRADER, str(bundles["busybox"]), "watch" if watch else "-"],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    state = None
    try:
        line = grader.stdout.readline()
        assert line, grader.stderr.read()
        data = json.loads(line)
        data["subuid"] = tuple(data["subuid"])
        state = SandboxState(**data)
        assert state.state_file.exists() and _leftovers(state)
        if sig == signal.SIGKILL:  # a sandbox started later holds copies of its mounts in its own namespaces
            witness = Sandbox.create(limits=Limits(memory_mb=256, pids=100, disk_gb=1))
        grader.send_signal(sig)
        grader.wait(120)  # a loaded machine: the daemon stops its containers first
        if sig == signal.SIGINT:  # the context manager removed everything itself
            assert _leftovers(state) == []
        elif watch:  # the watchdog saw its pipe close and removed everything
            deadline = time.monotonic() + 30
            while _leftovers(state) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _leftovers(state) == []
        else:  # nothing could run: the next run finds the marks and removes them
            assert _leftovers(state)
            assert state.name in clean_up_leftovers()
        assert state.name not in clean_up_leftovers()
        assert _leftovers(state) == []
        assert witness is None or witness.alive()
    finally:
        if witness is not None:
            witness.destroy()
        if grader.poll() is None:
            grader.kill()
            grader.wait()
        if state is not None and _leftovers(state):
            clean_up_leftovers()
