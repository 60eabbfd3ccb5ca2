"""Isolated Docker daemons for parallel grading: one network namespace, containerd and dockerd per worker.

Two learners' notebooks both create a container called `hello-course` and
publish host port 8301. Graded side by side on one daemon they would collide,
so `grade --jobs N` gives each worker its own daemon in its own network
namespace (what ENVIRONMENT.md saw work; docker-in-docker did not): container
names, networks, images and host ports (each namespace has its own localhost)
are all separate. A submission's kernel and the grader's checks run under
`nsenter --net=…` with DOCKER_HOST pointing at the worker's socket.

This isolates names, ports and visibility. It is NOT a security boundary: a
Docker socket is root on the host. Untrusted submissions need VMs.

Everything is torn down at the end, even after a failure or Ctrl-C: the
daemons are stopped, the namespaces deleted, mounts and cgroups released and
the temporary folders removed. The main daemon is never touched.
"""
from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from checker.context import poll
from checker.errors import CourseError

REQUIRED_TOOLS = ("ip", "nsenter", "dockerd", "containerd", "iptables")
DAEMON_START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
DEFAULT_NETWORKS = ("bridge", "host", "none")
NETNS_DIR = Path("/var/run/netns")
DAEMON_HELPERS = ("containerd", "dockerd", "docker-proxy", "fuse-overlayfs", "runc", "docker-init")

Log = Callable[[str], None]


class IsolationUnavailable(CourseError):
    """Isolated workers cannot be set up on this machine (not root, a tool missing, a daemon that fails)."""


def isolation_problem() -> str | None:
    """Why isolated workers cannot run here, or None when they can."""
    if os.name != "posix" or not hasattr(os, "geteuid"):
        return "it needs Linux network namespaces"
    if os.geteuid() != 0:
        return "it needs root (network namespaces and a second dockerd)"
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not found on PATH"
    return None


def require_isolation(jobs: int) -> None:
    problem = isolation_problem()
    if problem:
        raise IsolationUnavailable(
            f"--jobs {jobs} grades in parallel only with an isolated Docker daemon per worker, and isolation is "
            f"not available here: {problem}. Without it, two submissions would share one daemon and collide on "
            "container names and host ports.",
            "grade with --jobs 1 (one submission at a time on the main daemon), or run the grader as root on a "
            "Linux machine with iproute2 (`ip`), util-linux (`nsenter`), dockerd and containerd",
        )


def _run(argv: Sequence[str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def _terminate(process: subprocess.Popen[bytes] | None, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM, wait, then SIGKILL: a daemon gets the chance to unmount before it goes."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _storage_driver(main_client: Any) -> str:
    """The main daemon's storage driver: the one known to work on this machine's filesystem."""
    try:
        return str(main_client.info().get("Driver") or "overlay2")
    except Exception:  # noqa: BLE001 - fall back to Docker's default
        return "overlay2"


@dataclass
class Worker:
    """One isolated daemon: a network namespace, its own containerd and dockerd, and a scratch folder."""

    name: str
    root: Path
    storage_driver: str
    containerd: subprocess.Popen[bytes] | None = None
    dockerd: subprocess.Popen[bytes] | None = None
    namespace_created: bool = False
    uplink: "Uplink | None" = None
    base_images: set[str] = field(default_factory=set)  # image ids that survive a wipe
    residents: set[int] = field(default_factory=set)  # pids of the grader's own processes, spared by a wipe
    _client: Any = None

    @property
    def netns_path(self) -> Path:
        return NETNS_DIR / self.name

    @property
    def socket(self) -> Path:
        return self.root / "d.sock"

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket}"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def command(self, argv: Sequence[str]) -> list[str]:
        """argv run inside the worker's network namespace (its own localhost, its own ports)."""
        return ["nsenter", f"--net={self.netns_path}", *argv]

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment of a process that grades in this worker: its daemon and its own temp folder
        (so exercise locks and scratch files never meet another worker's)."""
        env = dict(os.environ if base is None else base)
        env["DOCKER_HOST"] = self.docker_host
        env["TMPDIR"] = str(self.tmp)
        env.pop("DOCKER_CONTEXT", None)
        return env

    def client(self) -> Any:
        import docker

        if self._client is None:
            self._client = docker.DockerClient(base_url=self.docker_host, timeout=120)
        return self._client

    # -- life cycle -------------------------------------------------------------------------
    def start(self, subnet_index: int | None = None) -> None:
        for folder in ("data", "x", "cr", "cs", "tmp"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self._create_namespace()
        if subnet_index is not None:
            self.uplink = Uplink(self.name, subnet_index)
            self.uplink.up()
        self._start_containerd()
        self._start_dockerd()

    def _create_namespace(self) -> None:
        proc = _run(["ip", "netns", "add", self.name])
        if proc.returncode != 0:
            raise IsolationUnavailable(f"Could not create network namespace {self.name}: {proc.stderr.strip()}", "check that this process runs as root with CAP_SYS_ADMIN")
        self.namespace_created = True
        proc = _run(self.command(["ip", "link", "set", "lo", "up"]))
        if proc.returncode != 0:
            raise IsolationUnavailable(f"Could not bring up lo in {self.name}: {proc.stderr.strip()}", "check that `nsenter --net=…` works here")

    def _start_containerd(self) -> None:
        """Its own containerd (own socket, root and state): two daemons sharing one containerd break each other."""
        config = self.root / "containerd.toml"
        config.write_text(
            "version = 2\n"
            f'root = "{self.root / "cr"}"\n'
            f'state = "{self.root / "cs"}"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
            "[grpc]\n"
            f'  address = "{self.root / "c.sock"}"\n'
            "[debug]\n"
            '  address = ""\n',
            encoding="utf-8",
        )
        log = (self.root / "containerd.log").open("wb")
        self.containerd = subprocess.Popen(
            self.command(["containerd", "--config", str(config)]),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        if not poll(lambda: (self.root / "c.sock").exists() or self.containerd.poll() is not None, 30):
            raise IsolationUnavailable(f"containerd of {self.name} did not start within 30 s.", f"read {self.root / 'containerd.log'}")
        if self.containerd.poll() is not None:
            raise IsolationUnavailable(f"containerd of {self.name} exited: {_tail(self.root / 'containerd.log')}", "read the log above")

    def _start_dockerd(self) -> None:
        config = self.root / "daemon.json"
        # An explicit config file: a worker never reads the host's /etc/docker/daemon.json.
        config.write_text(json.dumps({"storage-driver": self.storage_driver, "log-driver": "json-file"}), encoding="utf-8")
        log = (self.root / "dockerd.log").open("wb")
        self.dockerd = subprocess.Popen(
            self.command([
                "dockerd",
                "--containerd", str(self.root / "c.sock"),
                "--containerd-namespace", self.name,
                "--containerd-plugins-namespace", f"{self.name}-plugins",
                "--data-root", str(self.root / "data"),
                "--exec-root", str(self.root / "x"),
                "--pidfile", str(self.root / "d.pid"),
                "--host", self.docker_host,
                "--cgroup-parent", self.name,
                "--config-file", str(config),
            ]),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )

        def answers() -> bool:
            if self.dockerd.poll() is not None:
                return True
            try:
                return bool(self.client().ping())
            except Exception:  # noqa: BLE001 - not up yet
                self._client = None
                return False

        if not poll(answers, DAEMON_START_TIMEOUT) or self.dockerd.poll() is not None:
            raise IsolationUnavailable(
                f"The isolated dockerd of {self.name} did not answer within {DAEMON_START_TIMEOUT:g} s: {_tail(self.root / 'dockerd.log')}",
                "grade with --jobs 1, or read the log above",
            )

    def restart_daemon(self) -> None:
        """Stop and start this worker's dockerd, as a machine reboot or `systemctl restart docker` would."""
        _terminate(self.dockerd)
        self._client = None
        self._start_dockerd()

    def load_images(self, bundle: Path) -> None:
        from course import images

        images.import_bundle(self.client(), bundle, log=lambda _line: None)
        self.base_images = {image.id for image in self.client().images.list()}

    def wipe(self) -> None:
        """Everything a submission left behind, gone: this daemon is ours alone, so all of it may go."""
        import docker.errors

        api = self.client().api
        for container in api.containers(all=True):
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_container(container["Id"], force=True, v=True)
        for network in api.networks():
            if network["Name"] not in DEFAULT_NETWORKS:
                with contextlib.suppress(docker.errors.NotFound):
                    api.remove_network(network["Id"])
        for volume in api.volumes().get("Volumes") or []:
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_volume(volume["Name"], force=True)
        for image in api.images(all=False):
            if image["Id"] not in self.base_images:
                with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                    api.remove_image(image["Id"], force=True)
        self.kill_strays()

    def kill_strays(self) -> list[int]:
        """Kill processes a submission left in the namespace (an orphaned kernel or shell), never the
        daemons or anything they run (shims, docker-proxy, fuse-overlayfs, containers), nor the
        grader's resident processes (their own children are fair game)."""
        daemons = {p.pid for p in (self.containerd, self.dockerd) if p is not None}
        killed = []
        for pid in _namespace_pids(self.name):
            if pid in self.residents:
                continue
            lineage = _lineage(pid)
            if not lineage or any(p in daemons or comm.startswith(DAEMON_HELPERS) for p, comm in lineage):
                continue
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        return killed

    def stop(self) -> None:
        """Stop and remove everything this worker made. Safe to call twice, or after a partial start."""
        if self.dockerd is not None and self.dockerd.poll() is None:
            with contextlib.suppress(Exception):
                api = self.client().api
                for container in api.containers(all=True):
                    api.remove_container(container["Id"], force=True, v=True)
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
        _terminate(self.dockerd)
        _terminate(self.containerd)
        if self.namespace_created:
            for pid in _namespace_pids(self.name):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        _unmount_under(self.root)
        _remove_cgroups(self.name)
        if self.uplink is not None:
            self.uplink.down()
            self.uplink = None
        if self.namespace_created:
            _run(["ip", "netns", "delete", self.name])
            self.namespace_created = False
        shutil.rmtree(self.root, ignore_errors=True)


def _tail(path: Path, lines: int = 6) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _namespace_pids(name: str) -> list[int]:
    proc = _run(["ip", "netns", "pids", name])
    return [int(p) for p in proc.stdout.split() if p.isdigit()] if proc.returncode == 0 else []


def _lineage(pid: int) -> list[tuple[int, str]]:
    """The process and its ancestors as (pid, comm), up to init; empty if it is already gone."""
    chain: list[tuple[int, str]] = []
    while pid > 1 and len(chain) < 64:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        chain.append((pid, comm))
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return chain


def _unmount_under(root: Path) -> None:
    """Mounts a daemon left below its folders (the netns bind, overlay mounts): deepest first."""
    prefix = str(root) + "/"
    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    for target in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        _run(["umount", "-l", target])


def _remove_cgroups(parent: str) -> None:
    """Empty cgroup folders named after the worker's --cgroup-parent (cgroup v1 and v2 layouts)."""
    base = Path("/sys/fs/cgroup")
    for candidate in [*base.glob(f"*/{parent}"), base / parent]:
        if candidate.is_dir():
            for child in sorted(candidate.glob("**/"), key=lambda p: len(str(p)), reverse=True):
                with contextlib.suppress(OSError):
                    child.rmdir()


UPLINK_NET = "10.213"  # worker i of a run gets 10.213.<n>.0/30 (host .1, worker .2)


class Uplink:
    """A veth pair and NAT so a worker's builds reach the package mirror (`RUN apt-get install …`).

    Without it the namespace has only `lo`. The host side gets rules in
    DOCKER-USER (Docker's chain for its users' own rules; the main daemon's
    configuration is never changed) and one MASQUERADE rule, all removed again
    by `down()`.
    """

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.host_if = f"{name[:12]}h"
        self.ns_if = f"{name[:12]}n"
        self.subnet = f"{UPLINK_NET}.{index}.0/30"
        self.host_ip = f"{UPLINK_NET}.{index}.1"
        self.ns_ip = f"{UPLINK_NET}.{index}.2"
        self.chain = "DOCKER-USER" if _run(["iptables", "-n", "-L", "DOCKER-USER"]).returncode == 0 else "FORWARD"
        self.rules: list[list[str]] = []

    def up(self) -> None:
        ns = ["nsenter", f"--net={NETNS_DIR / self.name}"]
        steps = [
            ["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if, "netns", self.name],
            ["ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if],
            ["ip", "link", "set", self.host_if, "up"],
            [*ns, "ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if],
            [*ns, "ip", "link", "set", self.ns_if, "up"],
            [*ns, "ip", "route", "add", "default", "via", self.host_ip],
        ]
        for argv in steps:
            proc = _run(argv)
            if proc.returncode != 0:
                raise IsolationUnavailable(f"Could not give worker {self.name} its network link ({' '.join(argv)}): {proc.stderr.strip()}",
                                           "check that iproute2 can create veth pairs here")
        for rule in (
            ["-t", "nat", "POSTROUTING", "-s", self.subnet, "-j", "MASQUERADE"],
            ["-t", "filter", self.chain, "-i", self.host_if, "-j", "ACCEPT"],
            ["-t", "filter", self.chain, "-o", self.host_if, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
        ):
            table, chain, spec = rule[:2], rule[2], rule[3:]
            proc = _run(["iptables", *table, "-I", chain, *spec])
            if proc.returncode != 0:
                raise IsolationUnavailable(f"Could not add a NAT rule for worker {self.name}: {proc.stderr.strip()}", "check that iptables works here")
            self.rules.append([*table, "-D", chain, *spec])

    def down(self) -> None:
        for rule in reversed(self.rules):
            _run(["iptables", *rule])
        self.rules.clear()
        _run(["ip", "link", "delete", self.host_if])


def _free_subnets(count: int) -> list[int]:
    """Indexes n whose 10.213.n.0/30 no interface uses yet (another grading run may hold some)."""
    used = _run(["ip", "-4", "-o", "addr"]).stdout
    free = [n for n in range(1, 255) if f" {UPLINK_NET}.{n}." not in used]
    if len(free) < count:
        raise IsolationUnavailable(f"No free {UPLINK_NET}.n.0/30 subnet for {count} worker(s).", "wait for other grading runs to finish")
    return random.sample(free, count)  # two runs starting together rarely pick the same one


class WorkerPool:
    """Start N workers once per grading run (the image load is the cost), hand them out, tear them down."""

    def __init__(self, count: int, *, main_client: Any, images: Sequence[Any] = (), outside_network: bool = True, log: Log = print,
                 on_daemon_ready: Callable[[Worker], None] | None = None) -> None:
        self.count = count
        self.on_daemon_ready = on_daemon_ready  # runs in the worker's start thread, while images still load
        self.outside_network = outside_network
        self.main_client = main_client
        self.catalog = list(images)
        self.log = log
        self.run_id = uuid.uuid4().hex[:6]
        self.scratch: Path | None = None
        self.workers: list[Worker] = []
        self._idle: queue.Queue[Worker] = queue.Queue()
        self.timings: dict[str, float] = {}

    def describe(self) -> dict[str, Any]:
        """What this run creates (for the gradebook, and to prove teardown): timings, namespaces, scratch."""
        return {**self.timings, "namespaces": [w.name for w in self.workers], "scratch": str(self.scratch),
                "uplinks": [w.uplink.subnet for w in self.workers if w.uplink is not None]}

    def __enter__(self) -> "WorkerPool":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        from course import images

        started = time.monotonic()
        # Short paths: a dockerd's exec-root and sockets hit the 108-byte Unix socket limit otherwise.
        self.scratch = Path(tempfile.mkdtemp(prefix="cg", dir="/tmp"))
        driver = _storage_driver(self.main_client)
        self.workers = [Worker(f"cg{self.run_id}w{i}", self.scratch / f"w{i}", driver) for i in range(self.count)]
        subnets: list[int | None] = list(_free_subnets(self.count)) if self.outside_network else [None] * self.count

        def start_one(worker: Worker, subnet: int | None) -> None:
            worker.start(subnet)
            if self.on_daemon_ready is not None:
                self.on_daemon_ready(worker)

        _in_parallel(start_one, list(zip(self.workers, subnets)))
        self.timings["daemons_s"] = round(time.monotonic() - started, 2)

        present = [image for image in images.status(self.main_client, self.catalog) if image.state != "missing"]
        loaded_at = time.monotonic()
        if present:
            bundle = self.scratch / "base-images.tar"
            names = {image.name for image in present}
            images.export_bundle(self.main_client, bundle, catalog=[c for c in self.catalog if c.name in names], log=lambda _line: None)
            self.timings["bundle_mb"] = round(bundle.stat().st_size / 1e6, 1)
            self.timings["save_s"] = round(time.monotonic() - loaded_at, 2)
            load_started = time.monotonic()
            # All at once: a small bundle loads in well under a second, a large one is disk-bound either way.
            _in_parallel(lambda worker: worker.load_images(bundle), [(worker,) for worker in self.workers])
            self.timings["load_s"] = round(time.monotonic() - load_started, 2)
            bundle.unlink(missing_ok=True)
        else:
            for worker in self.workers:
                worker.base_images = set()
        self.timings["ready_s"] = round(time.monotonic() - started, 2)
        for worker in self.workers:
            self._idle.put(worker)

    @contextlib.contextmanager
    def acquire(self) -> Iterator[Worker]:
        """An idle worker, wiped clean before it is handed out and after it comes back."""
        worker = self._idle.get()
        try:
            worker.wipe()
            yield worker
        finally:
            try:
                worker.wipe()
            finally:
                self._idle.put(worker)

    def stop(self) -> None:
        # Ctrl-C during teardown would leave namespaces behind: finish it first.
        previous = _ignore_sigint()
        try:
            def stop_one(worker: Worker) -> None:
                try:
                    worker.stop()
                except Exception as exc:  # noqa: BLE001 - stop the others anyway, then say what is left
                    self.log(f"! could not fully remove worker {worker.name}: {exc}")

            _in_parallel(stop_one, [(worker,) for worker in self.workers])
            if self.scratch is not None:
                for _attempt in range(3):  # a child killed a moment ago may still be closing files
                    shutil.rmtree(self.scratch, ignore_errors=True)
                    if not self.scratch.exists():
                        break
                    time.sleep(0.5)
                self.scratch = None
        finally:
            _restore_sigint(previous)


def _in_parallel(func: Callable[..., None], calls: Sequence[tuple[Any, ...]]) -> None:
    """func(*args) for every args at once, one thread each; the first error is raised after all are done."""
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        futures = [pool.submit(func, *args) for args in calls]
    for future in futures:
        future.result()


def _ignore_sigint() -> Any:
    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGINT, signal.SIG_IGN)
    return None


def _restore_sigint(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
