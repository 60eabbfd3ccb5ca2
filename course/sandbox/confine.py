"""A private file system and process view for what a sandbox user runs (a notebook kernel): only its home,
its daemon's socket folder, the runtime and the system folders exist there.

Unix permissions alone do not keep a kernel out of folders that are world-readable (another submission's
work folder, the grader's output, the checkout under /work). So root builds a new root in a tmpfs, in a new
mount namespace, with only these bound in: /usr (and the merged-usr links /bin, /lib…), /etc, /dev (with a
private /dev/shm), /sys, the runtime folders (read-only), the home and /run/user/UID; /tmp and /var/tmp are
empty tmpfs. `pivot_root` makes it the root and the old root is detached, so no path leads back.

A new PID namespace too, with its own /proc: otherwise /proc/PID/root of any process of the same user
(rootlesskit runs as the sandbox user in the host's mount namespace) would lead to the host's files. The
kernel is PID 1 there; when it dies every process it left dies with it, and `--kill-child` kills it when
the launcher (the process jupyter_client holds) is killed. It sees no process outside, so it cannot signal
the grader (kill gives ESRCH; a different uid would give EPERM anyway).

The rootless daemon runs in one too (daemon.start): a bind mount `-v /work/main:/x` is resolved in ITS mount
namespace, so it sees only the home, /run/user/UID, the system folders and the runtime (read-only).

Order: cgroups first (sh writes its pid into cgroup.procs), then `nsenter --net` into the daemon's netns,
then `unshare --mount --pid`, the mounts and `pivot_root` as root, and only then `setpriv` to the user.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from course.sandbox import cgroups, processes
from course.sandbox.model import SandboxState

NEW_ROOT = "/mnt"  # a mount point only inside the new namespace: the host's /mnt is untouched
SYSTEM_BINDS = ("/usr", "/etc", "/dev", "/sys")
# Files root's own processes in a private root must not read, even through a link a learner planted.
SECRETS = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers")
# The setup script: $1 new root, $2 the working folder, then "ro"/"rw"/"hide" PATH pairs up to "--", then argv.
SCRIPT = r"""
set -eu
new=$1; cwd=$2; shift 2
mount -t tmpfs -o mode=755,size=8m docker-course-root "$new"
cd "$new"
for link in {links}; do ln -s "$(readlink "/$link")" "$link"; done
mkdir -p usr etc dev sys proc tmp var/tmp run home opt mnt .old
for dir in {system}; do mount --rbind "/$dir" "$dir"; done
mount -t tmpfs -o mode=1777,size=256m shm dev/shm
mount -t tmpfs -o mode=1777,size=512m tmp tmp
mount -t tmpfs -o mode=1777,size=64m vartmp var/tmp
ln -s /run var/run
mount -t proc -o nosuid,nodev,noexec proc proc
while [ "$1" != "--" ]; do
    if [ "$1" = hide ]; then
        if [ -e ".$2" ]; then mount --bind /dev/null ".$2"; fi
    else
        mkdir -p ".$2"
        mount --rbind "$2" ".$2"
        if [ "$1" = ro ]; then mount -o remount,bind,ro ".$2"; fi
    fi
    shift 2
done
shift
pivot_root . .old
umount -l /.old
rmdir /.old
cd "$cwd"
exec "$@"
"""


def root_links() -> list[str]:
    """The merged-usr symlinks at / (bin -> usr/bin, …), recreated in the new root."""
    return sorted(entry.name for entry in os.scandir("/") if entry.is_symlink() and entry.name not in ("var",))


def command(
    state: SandboxState,
    argv: Sequence[str],
    env: dict[str, str],
    *,
    cwd: Path,
    read_only: Sequence[Path] = (),
    read_write: Sequence[Path] = (),
    net: str | None = None,
    new_privileges: bool = False,
) -> list[str]:
    """argv as the sandbox user, in its cgroups and daemon's netns, in a private root and PID namespace where
    only the system folders, `read_only`, its home, /run/user/UID and `read_write` are visible, with exactly
    `env`, in `cwd`, in the daemon's netns unless `net` names another. Setuid programs do not gain privileges
    unless `new_privileges` (the rootless daemon's newuidmap needs them). Root must run it."""
    drop = ["setpriv", f"--reuid={state.uid}", f"--regid={state.gid}", "--init-groups"]
    if not new_privileges:
        drop.append("--no-new-privs")
    assignments = [f"{key}={value}" for key, value in env.items()]
    folders = _folders(read_only, [Path(state.home), state.runtime_dir, *read_write])
    inner = [*drop, "env", "-i", *assignments, *argv]
    confine = ["unshare", "--mount", "--pid", "--fork", "--kill-child", "--propagation", "private"]
    return cgroups.wrap(
        state.name, ["nsenter", f"--net={net or processes.inner_netns(state)}", *confine, *_setup(cwd, folders), *inner]
    )


def as_root(
    state: SandboxState, argv: Sequence[str], *, cwd: Path, read_only: Sequence[Path], read_write: Sequence[Path]
) -> list[str]:
    """argv as ROOT in the daemon's netns, in a private root with the same system folders, `read_only`, the
    sandbox's home, /run/user/UID and `read_write`: for the grader's own process that checks a submission.
    It must write into the home, where the learner's kernel may have left links to the grader's files: here
    they lead nowhere, or to a read-only folder. /proc stays the host's (no PID namespace), and the process
    stays in the host's cgroups, so a fork bomb in the sandbox cannot starve the grader. The environment is
    the caller's (Popen's env)."""
    folders = _folders(read_only, [Path(state.home), state.runtime_dir, *read_write], hidden=SECRETS)
    confine = ["unshare", "--mount", "--propagation", "private"]
    return ["nsenter", f"--net={processes.inner_netns(state)}", *confine, *_setup(cwd, folders), *argv]


def _folders(read_only: Sequence[Path], read_write: Sequence[Path], hidden: Sequence[str] = ()) -> list[str]:
    folders: list[str] = []
    for mode, paths in (("ro", read_only), ("rw", read_write), ("hide", hidden)):
        for path in paths:
            folders += [mode, str(path)]
    return folders


def _setup(cwd: Path, folders: list[str]) -> list[str]:
    """The shell that builds the private root, binds `folders`, pivots into it and execs what follows."""
    script = SCRIPT.format(
        links=" ".join(shlex.quote(name) for name in root_links()) or ":",
        system=" ".join(name.lstrip("/") for name in SYSTEM_BINDS),
    )
    return ["sh", "-c", script, "confine", NEW_ROOT, str(cwd), *folders, "--"]
