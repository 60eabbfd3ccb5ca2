"""What a running workshop is, on disk: its settings and its learners, in a root-only folder.

`workshop up` writes `workshop.json` (ports, code, seats, the instructor's login) and
the hub's spawner adds one `learners/<name>.json` per learner the first time they
log in: which sandbox is theirs and its address on the workshop's bridge. `status`,
`export`, `down` and the dashboard read the same files; nothing is kept only in a
process's memory, so a hub restart loses nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from course.sandbox.model import STATE_DIR

WORKSHOP_DIR = STATE_DIR.parent / "workshop"  # /var/lib/docker-course/workshop, root-only
COURSE_FOLDER = "course"  # the learner's copy of the notebooks, in their home; their work folder too
# A learner's name as typed at login becomes a file name and a label: letters (any script), digits, . _ -
NAME_PATTERN = r"^[^\W_][\w.-]{0,31}$"
WARM_PREFIX = "~warm-"  # a seat made ahead of any login (never a valid learner name): see seats.keep_warm


def folder() -> Path:
    return Path(os.environ.get("COURSE_WORKSHOP_DIR") or WORKSHOP_DIR)


def valid_name(name: str) -> bool:
    return re.fullmatch(NAME_PATTERN, name) is not None


def _write(path: Path, data: dict[str, Any]) -> None:
    """Atomic: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
    os.replace(tmp, path)


@dataclass
class Workshop:
    """The settings of one workshop, chosen at `up`."""

    code: str  # the password every learner types
    admin_password: str  # the instructor's
    port: int = 8000  # the attendees' URL
    seats: int = 30
    cull_after: int = 3600  # seconds of inactivity before a learner's server is stopped (their files stay)
    warm: int = 10  # seats kept ready ahead of logins (each an idle daemon, ~150 MiB): a room logs in at once
    hub_port: int = 8081  # on the bridge: learner servers reach the hub API there
    proxy_api_port: int = 8082  # 127.0.0.1
    dashboard_port: int = 8083  # 127.0.0.1
    admin: str = "instructor"
    subnet: str = "10.215"  # learner n's link is the /30 at SUBNET.0.0 + 4n (see course.workshop.network)
    supervisor_pid: int | None = None
    supervisor_start: int | None = None
    started: float = 0.0
    lang: str = "en"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def hub_ip(self) -> str:
        return f"{self.subnet}.255.254"

    def _link(self, index: int, host: int) -> str:
        block = 4 * (index + 1)  # 0 (SUBNET.0.0/30) is never used
        if block >= 255 * 256:
            raise ValueError(f"learner index {index} is beyond the workshop's address range")
        return f"{self.subnet}.{block // 256}.{block % 256 + host}"

    def learner_ip(self, index: int) -> str:
        """Where learner `index`'s server listens (their end of their link)."""
        return self._link(index, 2)

    def learner_host_ip(self, index: int) -> str:
        return self._link(index, 1)

    def save(self) -> None:
        _write(folder() / "workshop.json", asdict(self))

    @classmethod
    def load(cls) -> Workshop | None:
        """The saved settings (keys this version does not know are ignored); None when there is no workshop."""
        try:
            saved = json.loads((folder() / "workshop.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in saved.items() if key in known})


@dataclass
class Learner:
    """One attendee: their login name, their sandbox and where their server listens."""

    name: str
    sandbox: str  # the sandbox's name (dcsb-…): its Unix user, netns, cgroups
    index: int  # their address on the bridge (Workshop.learner_ip)
    home: str
    created: float

    @property
    def course_dir(self) -> Path:
        return Path(self.home) / COURSE_FOLDER

    @property
    def progress_file(self) -> Path:
        """Written by the learner's check panel (checker.progress), read by the dashboard."""
        return self.course_dir / "workspace" / ".progress.json"

    def save(self) -> None:
        _write(folder() / "learners" / f"{self.name}.json", asdict(self))

    def forget(self) -> None:
        (folder() / "learners" / f"{self.name}.json").unlink(missing_ok=True)


def all_seats() -> list[Learner]:
    """Every seat: the learners' and the warm ones made ahead of a login."""
    found = []
    for path in sorted((folder() / "learners").glob("*.json")):
        with contextlib.suppress(OSError, ValueError, TypeError):
            found.append(Learner(**json.loads(path.read_text(encoding="utf-8"))))
    return found


def learners() -> list[Learner]:
    return [seat for seat in all_seats() if not seat.name.startswith(WARM_PREFIX)]


def warm_seats() -> list[Learner]:
    return [seat for seat in all_seats() if seat.name.startswith(WARM_PREFIX)]


def learner(name: str) -> Learner | None:
    return next((one for one in learners() if one.name == name), None)


PROGRESS_MAX_BYTES = 1 << 20


def read_progress(one: Learner) -> dict[str, Any]:
    """A learner's progress file as checker.progress writes it; empty when they have not checked anything.

    The file is the learner's (they can write anything there), and root reads it: a link out of their home is
    not followed, a huge or malformed file counts as no progress, and what is returned has the expected shape."""
    data: Any = {}
    with contextlib.suppress(OSError, ValueError):
        home = Path(one.home).resolve()
        if one.progress_file.resolve().is_relative_to(home):
            fd = os.open(one.progress_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as handle:
                if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    data = json.loads(handle.read(PROGRESS_MAX_BYTES + 1)[:PROGRESS_MAX_BYTES])
    if not isinstance(data, dict):
        data = {}
    for key in ("passed", "hints", "checks"):
        if not isinstance(data.get(key), dict):
            data[key] = {}
    if not isinstance(data.get("current"), dict):
        data.pop("current", None)
    return data
