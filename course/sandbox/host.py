"""Can this machine run sandboxes, and if not, what exactly is missing and how to fix it.

`problems()` only looks. `ensure_installed()` (root) installs Debian's
rootlesskit, slirp4netns, uidmap and tini with apt-get when they are missing, and
gives /dev/net/tun the mode Debian's udev rules give it (0666: opening it
creates nothing without CAP_NET_ADMIN in a network namespace one owns). Some
minimal machines have no udev and leave it 0600, and then slirp4netns,
running as the sandbox user, cannot set up the daemon's network.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from course.sandbox.model import CGROUP_ROOT, CONTROLLERS
from course.sandbox.shell import SandboxError, run

CONTRIB = Path("/usr/share/docker.io/contrib")  # Debian's docker.io ships dockerd-rootless.sh here, not on PATH
ROOTLESS_SCRIPT = "dockerd-rootless.sh"
INIT = "tini"  # PID 1 of the daemon's PID namespace: reaps the containerd shims orphaned there
PACKAGES = {
    "rootlesskit": "rootlesskit",
    "slirp4netns": "slirp4netns",
    "newuidmap": "uidmap",
    "newgidmap": "uidmap",
    INIT: "tini",
    "configurable-http-proxy": "node-configurable-http-proxy",  # the workshop hub's proxy (course.workshop)
}
BASE_TOOLS = {
    "dockerd": "docker.io",
    "docker": "docker.io",
    "nsenter": "util-linux",
    "setpriv": "util-linux",
    "ip": "iproute2",
    "useradd": "passwd",
    "userdel": "passwd",
    "mkfs.ext4": "e2fsprogs",
}
TUN = Path("/dev/net/tun")
INSTALL_FIX = "run `python -m course.sandbox install` as root (apt-get install rootlesskit slirp4netns uidmap tini)"

Log = Callable[[str], None]


@dataclass(frozen=True)
class Problem:
    """One reason sandboxes cannot run here, and the command or setting that fixes it."""

    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.what} → {self.fix}"


def rootless_script() -> Path | None:
    found = shutil.which(ROOTLESS_SCRIPT)
    if found:
        return Path(found)
    candidate = CONTRIB / ROOTLESS_SCRIPT
    return candidate if candidate.is_file() else None


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def _missing_packages() -> dict[str, str]:
    return {tool: package for tool, package in {**PACKAGES, **BASE_TOOLS}.items() if shutil.which(tool) is None}


def problems() -> list[Problem]:
    """Everything that stops a sandbox from starting on this machine; empty when all is in place."""
    if os.name != "posix" or not Path("/proc/self/ns/net").exists():
        return [Problem("sandboxes need Linux (user and network namespaces, cgroups)", "run the grader on Linux")]
    found: list[Problem] = []
    if os.geteuid() != 0:
        found.append(Problem("sandboxes are created by root (users, namespaces, cgroups)", "run this as root"))
    return found + _program_problems() + _kernel_problems()


def _program_problems() -> list[Problem]:
    found = []
    missing = _missing_packages()
    if missing:
        packages = " ".join(sorted(set(missing.values())))
        found.append(Problem(f"missing programs: {', '.join(sorted(missing))}", f"apt-get install {packages}"))
    if rootless_script() is None:
        found.append(Problem(f"{ROOTLESS_SCRIPT} not found on PATH nor in {CONTRIB}", "apt-get install docker.io"))
    for helper in ("newuidmap", "newgidmap"):
        path = shutil.which(helper)
        if path and not os.stat(path).st_mode & stat.S_ISUID and not _has_file_caps(path):
            found.append(
                Problem(f"{path} is neither setuid nor has file capabilities", "apt-get install --reinstall uidmap")
            )
    return found


def _kernel_problems() -> list[Problem]:
    found = []
    sysctls = (
        ("user.max_user_namespaces", 16, "15000", "user namespaces are disabled"),
        ("kernel.unprivileged_userns_clone", 1, "1", "unprivileged user namespaces are disabled"),
    )
    for key, least, good, what in sysctls:
        value = _read_int("/proc/sys/" + key.replace(".", "/"))
        if value is not None and value < least:
            found.append(Problem(f"{what} ({key} = {value})", f"sysctl -w {key}={good}"))
    if _read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1:
        found.append(
            Problem(
                "AppArmor restricts unprivileged user namespaces",
                "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
            )
        )
    if not TUN.exists():
        found.append(Problem(f"{TUN} is missing (slirp4netns needs a TAP device)", "modprobe tun"))
    elif TUN.stat().st_mode & 0o006 != 0o006:
        found.append(
            Problem(
                f"{TUN} is not usable by other users (mode {TUN.stat().st_mode & 0o777:o})",
                f"chmod 0666 {TUN} (Debian's udev default), or `python -m course.sandbox install`",
            )
        )
    for controller in CONTROLLERS:
        if not (CGROUP_ROOT / controller / "cgroup.procs").exists():
            found.append(
                Problem(
                    f"the cgroup v1 controller {controller!r} is not at {CGROUP_ROOT / controller}",
                    "sandboxes support cgroup v1 hosts (like these machines); mount the controller",
                )
            )
    return found


def _has_file_caps(path: str) -> bool:
    try:
        return bool(os.getxattr(path, "security.capability"))
    except OSError:
        return False


def require() -> None:
    """Raise one SandboxError listing every problem, each with its fix."""
    found = problems()
    if found:
        raise SandboxError(
            "Sandboxes cannot run on this machine: " + "; ".join(p.what for p in found) + ".",
            "; ".join(dict.fromkeys(p.fix for p in found)),
        )


def ensure_installed(log: Log = print) -> None:
    """Install what is missing (apt-get, root only), fix /dev/net/tun's mode, then `require()`."""
    if os.geteuid() == 0:
        packages = sorted(set(_missing_packages().values()) | ({"docker.io"} if rootless_script() is None else set()))
        if packages:
            log(f"Installing {' '.join(packages)} with apt-get …")
            env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"]
            run([*env_prefix, "apt-get", "update", "-q"], timeout=600, what="apt-get update", fix=INSTALL_FIX)
            run(
                [*env_prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
                timeout=900,
                what="apt-get install",
                fix=INSTALL_FIX,
            )
        if TUN.exists() and TUN.stat().st_mode & 0o006 != 0o006:
            log(f"chmod 0666 {TUN} (the mode Debian's udev gives it; slirp4netns needs it as the sandbox user)")
            os.chmod(TUN, 0o666)
    require()
