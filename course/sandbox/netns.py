"""The sandbox's network namespace: its own localhost, where its daemon publishes ports.

The rootless daemon is started inside it, so rootlesskit's port forwarder
listens on THIS namespace's 0.0.0.0, not the host's: two sandboxes can both
publish 8080, and the learner's kernel and the checker's probes (run with
`nsenter --net=…`) see the same `localhost`. `ip netns exec` remounts /sys
and loses the cgroup mounts, so commands enter with nsenter instead.
"""

from __future__ import annotations

import contextlib

from course.sandbox.model import NETNS_DIR, PREFIX
from course.sandbox.shell import run


def enter(name: str) -> list[str]:
    """The argv prefix that runs a command inside the namespace."""
    return ["nsenter", f"--net={NETNS_DIR / name}"]


def add(name: str) -> None:
    run(
        ["ip", "netns", "add", name],
        what=f"Creating the network namespace {name}",
        fix="run as root on Linux with iproute2",
    )
    run([*enter(name), "ip", "link", "set", "lo", "up"], what=f"Bringing up lo in {name}")


def pids(name: str) -> list[int]:
    proc = run(["ip", "netns", "pids", name], check=False)
    return [int(p) for p in proc.stdout.split() if p.isdigit()] if proc.returncode == 0 else []


def exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def delete(name: str) -> bool:
    """`ip netns delete` unmounts the namespace's bind mount under /run/netns and removes the file."""
    if exists(name):
        run(["ip", "netns", "delete", name], check=False)
    if exists(name):  # a stale file whose bind mount is already gone
        run(["umount", "-l", str(NETNS_DIR / name)], check=False)
        with contextlib.suppress(OSError):
            (NETNS_DIR / name).unlink()
    return not exists(name)


def names() -> set[str]:
    with contextlib.suppress(OSError):
        return {p.name for p in NETNS_DIR.iterdir() if p.name.startswith(PREFIX)}
    return set()
