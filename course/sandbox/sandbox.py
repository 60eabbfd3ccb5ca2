"""One sandbox and its lifecycle: create, load images, enter, wipe, destroy.

A sandbox is a Unix user of its own with its own rootless Docker daemon, in a
network namespace and a cgroup of its own, made by root for one learner or
one submission. Use it as a context manager: Ctrl-C or an exception destroys
it; a SIGKILLed owner leaves marks that `reaper.clean_up_leftovers` removes.

This isolates names, ports, files and resources between learners; it is not
a VM. A kernel bug can break any user-namespace boundary.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from course.sandbox import bundles, cgroups, daemon, host, netns, pin, processes, uplink, users, watchdog
from course.sandbox.model import Limits, SandboxState, new_name, process_start_time
from course.sandbox.shell import SandboxError

Log = Callable[[str], None]
DEFAULT_NETWORKS = ("bridge", "host", "none")
# What wipe() keeps in the home: the daemon's images and containers, and the Compose plugin link.
KEEP_IN_HOME = ((".local", "share", "docker"), (".docker", "cli-plugins"))


class Sandbox:
    """A live sandbox (or the remains of one, for the reaper): everything is derived from its state."""

    def __init__(self, state: SandboxState, process: subprocess.Popen[bytes] | None = None) -> None:
        self.state = state
        self.process = process
        self.base_images: set[str] = set()
        self.timings: dict[str, float] = {}
        self._client: Any = None
        self._watch: int | None = None  # the pipe to the watchdog: closed by us, or by the kernel when we die

    # -- creation ------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        *,
        limits: Limits | None = None,
        images: Sequence[str] = (),
        root_client: Any = None,
        bundle: Path | None = None,
        outside_network: bool = False,
        watch: bool = True,
        owner: int | None = None,
        shared: Sequence[Path] = (),
        log: Log = lambda _line: None,
    ) -> "Sandbox":
        """A ready sandbox: user, home, netns, cgroups, daemon answering, and `images` (or `bundle`) loaded.

        outside_network gives it a NAT'd way out (for `apt-get` in builds; see `uplink`); without it the
        sandbox reaches nothing beyond itself. With watch, a watchdog process removes the sandbox as soon as
        this process dies, even by SIGKILL. `owner` names another process whose death makes it abandoned (a
        workshop's supervisor, for the sandboxes its hub makes). `shared` folders are visible read-only to its
        daemon (bind mounts), besides the grading runtime. Anything that fails half-way is removed before the
        error is raised.
        """
        host.require()
        limits = limits or Limits()
        started = time.monotonic()
        owner = owner or os.getpid()
        state = SandboxState(
            name=new_name(),
            owner_pid=owner,
            owner_start=process_start_time(owner),
            limits=asdict(limits),
            shared=[str(path) for path in shared],
        )
        state.netns = state.name
        state.save()  # the first mark, before anything exists, so a crash at any later point is found
        sandbox = cls(state)
        if watch:
            sandbox._watch = watchdog.spawn(state)
        try:
            sandbox._build(limits, images, root_client, bundle, outside_network, started, log)
        except BaseException:
            with contextlib.suppress(Exception):
                sandbox.destroy()
            raise
        return sandbox

    def _build(
        self,
        limits: Limits,
        images: Sequence[str],
        root_client: Any,
        bundle: Path | None,
        outside_network: bool,
        started: float,
        log: Log,
    ) -> None:
        state = self.state
        if images and bundle is None:  # export first: a failure here leaves nothing to undo
            bundle = bundles.bundle(root_client or _root_client(), images)
        self._step("user_s", lambda: users.create(state, limits))
        users.link_compose(state)
        self._step("netns_s", lambda: netns.add(state.netns))
        if outside_network:
            state.uplink = self._step("uplink_s", lambda: uplink.up(state.netns))
        state.cgroups = self._step("cgroup_s", lambda: cgroups.create(state.name, limits))
        state.save()
        self.process = self._step("daemon_s", lambda: daemon.start(state))
        pin.pin(state)
        log(f"sandbox {state.name}: daemon up (uid {state.uid}, {state.docker_host})")
        if bundle is not None:
            self.load_images(bundle)
            log(f"sandbox {state.name}: images loaded in {self.timings['images_s']:.2f} s")
        self.timings["ready_s"] = round(time.monotonic() - started, 3)

    def _step(self, key: str, func: Callable[[], Any]) -> Any:
        started = time.monotonic()
        result = func()
        self.timings[key] = round(time.monotonic() - started, 3)
        return result

    def load_images(self, bundle: Path) -> list[str]:
        """Load a bundle; what is there afterwards is the base set that `wipe()` keeps."""
        loaded = self._step("images_s", lambda: bundles.load(self.client(), bundle))
        self.base_images = {image["Id"] for image in self.client().api.images(all=True)}
        return loaded

    # -- use -----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.state.name

    @property
    def docker_host(self) -> str:
        """The daemon as its user (and the learner) reaches it."""
        return self.state.docker_host

    @property
    def root_docker_host(self) -> str:
        """The daemon as root must reach it: through the pinned socket (course.sandbox.pin), never an impostor."""
        return f"unix://{pin.path(self.state)}"

    @property
    def home(self) -> Path:
        return Path(self.state.home)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The complete environment of a command run as the sandbox user (nothing inherited from the caller)."""
        return daemon.user_env(self.state, extra)

    def command(self, argv: Sequence[str], env: dict[str, str] | None = None) -> list[str]:
        """argv as the sandbox user, in its cgroups and in the daemon's network namespace (where `localhost`,
        published ports, `--network host` and container IPs behave as with rootful Docker), with DOCKER_HOST
        set: for callers that spawn it themselves (a notebook kernel manager, say). Root must run it."""
        return daemon.as_user(self.state, list(argv), self.env(env))

    def netns_command(self, argv: Sequence[str]) -> list[str]:
        """argv as ROOT in the same network namespace as `command`, nothing else changed: for probes."""
        return ["nsenter", f"--net={daemon.inner_netns(self.state)}", *argv]

    def enter(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        timeout: float | None = None,
        stdin_text: str | None = None,
        cwd: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run argv inside the sandbox and wait: output captured as text, the exit code is the caller's to judge."""
        return subprocess.run(
            self.command(argv, env),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=stdin_text,
            stdin=None if stdin_text is not None else subprocess.DEVNULL,
            cwd=cwd or self.state.home,
        )

    def popen(self, argv: Sequence[str], *, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen:
        """Start argv inside the sandbox without waiting (a kernel, a server)."""
        kwargs.setdefault("cwd", self.state.home)
        return subprocess.Popen(self.command(argv, env), **kwargs)

    def docker(self, *args: str, timeout: float | None = 120) -> subprocess.CompletedProcess[str]:
        """The docker CLI (/usr/bin/docker) as the sandbox user: what a learner's cell would run."""
        return self.enter(["docker", *args], timeout=timeout)

    def client(self) -> Any:
        """A Docker SDK client on the sandbox's daemon, through the pinned socket."""
        import docker

        if self._client is None:
            self._client = docker.DockerClient(base_url=self.root_docker_host, timeout=120)
        return self._client

    def usage(self) -> dict[str, Any]:
        """Memory and tasks of the whole sandbox now, from its cgroups."""
        return {
            "memory": cgroups.memory(self.name),
            "pids": cgroups.pids_state(self.name),
            "oom_kills": cgroups.oom_kills(self.name),
            "pss": processes.pss_total(cgroups.pids(self.name)),
        }

    def alive(self) -> bool:
        return daemon.ping(self.state.socket)

    # -- reuse ---------------------------------------------------------------------------------
    def wipe(self, *, kill_processes: bool = True) -> None:
        """Back to just-created: every container, network, volume, build cache and non-base image goes, and so
        do the learner's files in the home. Container processes are killed by root first (a fork bomb leaves
        no pid for `docker rm`); with kill_processes, so is anything else `enter()` left running."""
        import docker.errors

        roots = processes.daemon_roots(self.state.daemon_pid)
        cgroups.kill(
            self.name,
            lambda pid: processes.role(pid, roots) in (("container", "stray") if kill_processes else ("container",)),
        )
        api = self.client().api
        gone = (docker.errors.NotFound, docker.errors.APIError)
        for container in api.containers(all=True):
            with contextlib.suppress(*gone):
                api.remove_container(container["Id"], force=True, v=True)
        for network in api.networks():
            if network["Name"] not in DEFAULT_NETWORKS:
                with contextlib.suppress(*gone):
                    api.remove_network(network["Id"])
        for volume in api.volumes().get("Volumes") or []:
            with contextlib.suppress(*gone):
                api.remove_volume(volume["Name"], force=True)
        for image in api.images(all=True):
            if image["Id"] not in self.base_images:
                with contextlib.suppress(*gone):
                    api.remove_image(image["Id"], force=True)
        with contextlib.suppress(*gone):
            api.prune_builds()
        _clear_home(self.home)

    # -- removal -------------------------------------------------------------------------------
    def destroy(self) -> None:
        """Remove everything: processes, mounts, cgroups, netns, /run/user/UID, the user, the home, the marks.
        Ctrl-C cannot interrupt it. If something is left, the state file stays for the reaper, and this raises."""
        with _uninterruptible():
            left = self._remove_all()
        if left:
            raise SandboxError(
                f"Sandbox {self.name} was not fully removed: {', '.join(left)}.",
                "run `python -m course.sandbox clean` as root",
            )

    def _remove_all(self) -> list[str]:
        state = self.state
        users.complete(state)
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
        inside = processes.sharing_netns(state.inner_pid)  # before the daemon (which holds that netns) dies
        cgroups.kill(state.name)  # no graceful stop: all of it is deleted anyway, and SIGKILL is instant
        for pid in processes.owned_by(state.uid, state.subuid) | set(netns.pids(state.netns)) | inside:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        daemon.reap(self.process)
        left = [] if cgroups.wait_empty(state.name) else [f"processes {sorted(cgroups.pids(state.name))}"]
        left += pin.release(state)
        left += users.remove(state)
        left += uplink.down(state.netns or state.name)
        if not netns.delete(state.netns or state.name):
            left.append(f"netns {state.netns}")
        left += [f"cgroup {path}" for path in cgroups.remove(state.name)]
        daemon.log_path(state).unlink(missing_ok=True)
        if not left:
            state.forget()
            watchdog.log_path(state).unlink(missing_ok=True)
        watchdog.release(self._watch)  # only now: had we died during the removal, the watchdog would finish it
        self._watch = None
        return left

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.destroy()


def _clear_home(folder: Path, keep: tuple[tuple[str, ...], ...] = KEEP_IN_HOME) -> None:
    """Delete the learner's files, keeping only the paths in `keep` (relative to folder)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for entry in folder.iterdir():
        inner = tuple(path[1:] for path in keep if path[0] == entry.name)
        if inner and all(inner):
            _clear_home(entry, inner)
        elif not inner:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _root_client() -> Any:
    import docker

    return docker.from_env(timeout=120)


@contextlib.contextmanager
def _uninterruptible() -> Iterator[None]:
    """Ctrl-C waits until the block is done: a half-removed sandbox would be left to the reaper."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
