"""One isolated worker: a network namespace with its own containerd and dockerd, and a scratch folder."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from checker.context import poll
from course.grading.isolation.host import (
    NETNS_DIR,
    IsolationUnavailable,
    lineage,
    namespace_pids,
    remove_cgroups,
    run_tool,
    tail,
    terminate,
    unmount_under,
)
from course.sandbox import uplink

DAEMON_START_TIMEOUT = 60.0
DEFAULT_NETWORKS = ("bridge", "host", "none")
DAEMON_HELPERS = ("containerd", "dockerd", "docker-proxy", "fuse-overlayfs", "runc", "docker-init")


@dataclass
class Worker:
    """One isolated daemon: a network namespace, its own containerd and dockerd, and a scratch folder."""

    name: str
    root: Path
    storage_driver: str
    containerd: subprocess.Popen[bytes] | None = None
    dockerd: subprocess.Popen[bytes] | None = None
    namespace_created: bool = False
    uplink: str | None = None  # the subnet of its way out (course.sandbox.uplink), if it has one
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
    def start(self, outside_network: bool = True) -> None:
        for folder in ("data", "x", "cr", "cs", "tmp"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self._create_namespace()
        if outside_network:
            self.uplink = uplink.up(self.name)
        self._start_containerd()
        self._start_dockerd()

    def _create_namespace(self) -> None:
        proc = run_tool(["ip", "netns", "add", self.name])
        if proc.returncode != 0:
            raise IsolationUnavailable(
                f"Could not create network namespace {self.name}: {proc.stderr.strip()}",
                "check that this process runs as root with CAP_SYS_ADMIN",
            )
        self.namespace_created = True
        proc = run_tool(self.command(["ip", "link", "set", "lo", "up"]))
        if proc.returncode != 0:
            raise IsolationUnavailable(
                f"Could not bring up lo in {self.name}: {proc.stderr.strip()}",
                "check that `nsenter --net=…` works here",
            )

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
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not poll(lambda: (self.root / "c.sock").exists() or self.containerd.poll() is not None, 30):
            raise IsolationUnavailable(
                f"containerd of {self.name} did not start within 30 s.", f"read {self.root / 'containerd.log'}"
            )
        if self.containerd.poll() is not None:
            raise IsolationUnavailable(
                f"containerd of {self.name} exited: {tail(self.root / 'containerd.log')}", "read the log above"
            )

    def _start_dockerd(self) -> None:
        config = self.root / "daemon.json"
        # An explicit config file: a worker never reads the host's /etc/docker/daemon.json.
        config.write_text(
            json.dumps({"storage-driver": self.storage_driver, "log-driver": "json-file"}), encoding="utf-8"
        )
        log = (self.root / "dockerd.log").open("wb")
        self.dockerd = subprocess.Popen(
            self.command(
                [
                    "dockerd",
                    "--containerd",
                    str(self.root / "c.sock"),
                    "--containerd-namespace",
                    self.name,
                    "--containerd-plugins-namespace",
                    f"{self.name}-plugins",
                    "--data-root",
                    str(self.root / "data"),
                    "--exec-root",
                    str(self.root / "x"),
                    "--pidfile",
                    str(self.root / "d.pid"),
                    "--host",
                    self.docker_host,
                    "--cgroup-parent",
                    self.name,
                    "--config-file",
                    str(config),
                ]
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
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
                f"The isolated dockerd of {self.name} did not answer within {DAEMON_START_TIMEOUT:g} s: "
                f"{tail(self.root / 'dockerd.log')}",
                "grade with --jobs 1, or read the log above",
            )

    def restart_daemon(self) -> None:
        """Stop and start this worker's dockerd, as a machine reboot or `systemctl restart docker` would."""
        terminate(self.dockerd)
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
        for pid in namespace_pids(self.name):
            if pid in self.residents:
                continue
            ancestry = lineage(pid)
            if not ancestry or any(p in daemons or comm.startswith(DAEMON_HELPERS) for p, comm in ancestry):
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
        terminate(self.dockerd)
        terminate(self.containerd)
        if self.namespace_created:
            for pid in namespace_pids(self.name):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        unmount_under(self.root)
        remove_cgroups(self.name)
        if self.uplink is not None:
            uplink.down(self.name)
            self.uplink = None
        if self.namespace_created:
            run_tool(["ip", "netns", "delete", self.name])
            self.namespace_created = False
        shutil.rmtree(self.root, ignore_errors=True)
