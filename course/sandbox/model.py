"""What a sandbox is made of, and the marks that let a later run find it again.

Every host object a sandbox creates carries its name, `dcsb-<id>`: the Unix
user, the home, the network namespace, the cgroups and the home's disk image.
A state file, written BEFORE anything else is created and removed LAST,
records those names and the owning process (pid plus start time, so a reused
pid is not mistaken for the owner). A run killed with SIGKILL cannot clean up;
the reaper (`reaper.clean_up_leftovers`) reads these marks instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PREFIX = "dcsb-"
STATE_DIR = Path("/var/lib/docker-course/sandboxes")  # root-only (700): state files and home disk images
HOMES_DIR = Path("/home")
RUN_USER_DIR = Path("/run/user")
NETNS_DIR = Path("/run/netns")
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "docker-course"  # every sandbox's cgroup lives below <controller>/docker-course/
CONTROLLERS = ("memory", "pids", "freezer")


@dataclass(frozen=True)
class Limits:
    """What the whole sandbox (daemon tree, containers, the learner's kernel) may use together."""

    memory_mb: int = 2048
    pids: int = 1024
    disk_gb: int = 16  # the home's own sparse disk (images, containers, volumes, files); 0: a plain folder


def new_name() -> str:
    return PREFIX + secrets.token_hex(3)


def is_sandbox_name(name: str) -> bool:
    rest = name[len(PREFIX) :]
    return name.startswith(PREFIX) and 0 < len(rest) <= 16 and all(c in "0123456789abcdef" for c in rest)


def process_start_time(pid: int) -> int | None:
    """Clock ticks since boot at which `pid` started (field 22 of /proc/PID/stat); None if it is gone or a
    zombie (dead, waiting to be reaped)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else int(fields[19])


@dataclass
class SandboxState:
    """The marks of one sandbox, as written to its state file."""

    name: str
    owner_pid: int
    owner_start: int | None
    created: float = field(default_factory=time.time)
    user: str = ""
    uid: int | None = None
    gid: int | None = None
    subuid: tuple[int, int] | None = None  # (first, count)
    home: str = ""
    disk_image: str = ""  # the loop-mounted file system of the home, or "" when the home is a plain folder
    netns: str = ""
    uplink: str = ""  # the subnet of its veth + NAT to the outside, or "" (no outside network)
    cgroups: list[str] = field(default_factory=list)
    daemon_pid: int | None = None  # the `unshare` launcher: the root of the daemon's process tree
    inner_pid: int | None = None  # rootlesskit's child: its netns is the daemon's (where `--network host` lives)
    limits: dict[str, int] = field(default_factory=dict)
    shared: list[str] = field(default_factory=list)  # more read-only folders its daemon sees (a workshop's runtime)

    # -- paths ---------------------------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return STATE_DIR / f"{self.name}.json"

    @property
    def runtime_dir(self) -> Path:
        return RUN_USER_DIR / str(self.uid)

    @property
    def socket(self) -> Path:
        return self.runtime_dir / "docker.sock"

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket}"

    @property
    def netns_path(self) -> Path:
        return NETNS_DIR / self.netns

    # -- persistence ---------------------------------------------------------------------------
    def save(self) -> None:
        """Write atomically, so a reaper never reads half a file."""
        ensure_state_dir()
        partial = self.state_file.with_suffix(".partial")
        partial.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        os.replace(partial, self.state_file)

    def forget(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.state_file.unlink()

    @classmethod
    def load(cls, path: Path) -> "SandboxState | None":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("subuid") is not None:
                data["subuid"] = tuple(data["subuid"])
            state = cls(**data)
        except (OSError, ValueError, TypeError):
            return None
        return state if is_sandbox_name(state.name) else None

    def owner_alive(self) -> bool:
        """The process that created the sandbox still runs (same pid AND same start time)."""
        return self.owner_start is not None and process_start_time(self.owner_pid) == self.owner_start


def ensure_state_dir() -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    os.chmod(STATE_DIR, 0o700)
    os.chmod(STATE_DIR.parent, 0o755)


def all_states() -> list[SandboxState]:
    """Every readable state file (damaged ones are skipped: the reaper still finds their objects by name)."""
    if not STATE_DIR.is_dir():
        return []
    states = (SandboxState.load(path) for path in sorted(STATE_DIR.glob(f"{PREFIX}*.json")))
    return [state for state in states if state is not None]
