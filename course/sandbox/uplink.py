"""An optional way out for a sandbox: a veth pair and NAT, so `RUN apt-get install …` in a build reaches the mirror.

Without it the sandbox's namespace has only `lo`, and slirp4netns (the rootless
daemon's network) has nowhere to send packets: no outside network at all,
which is the safer default. With it, packets may leave ONLY through the host's
default-route interface (DNS and the package mirror are out there); the host
itself, the main daemon's containers and published ports (DNAT'd to docker0)
and other sandboxes are dropped. Every rule carries the sandbox's name as an
iptables comment: the reaper finds and deletes them by it.
"""

from __future__ import annotations

import contextlib
import fcntl
import random
from collections.abc import Iterator

from course.sandbox.model import PREFIX, STATE_DIR, ensure_state_dir
from course.sandbox.netns import enter
from course.sandbox.shell import SandboxError, run

# Wait for the xtables lock rather than fail: sandboxes, workers and the daemon change rules at the same time.
IPTABLES = ("iptables", "-w", "10")

NET = "10.214"  # sandbox n of the host gets 10.214.n.0/30 (host .1, sandbox .2)
TABLES = ("filter", "nat")


def _default_interface() -> str:
    words = run(["ip", "-4", "route", "show", "default"], what="Reading the default route").stdout.split()
    if "dev" not in words:
        raise SandboxError(
            "This host has no default route, so a sandbox uplink has nowhere to go.",
            "create the sandbox without uplink",
        )
    return words[words.index("dev") + 1]


def _free_subnet() -> int:
    used = run(["ip", "-4", "-o", "addr"]).stdout
    free = [n for n in range(1, 255) if f" {NET}.{n}." not in used]
    if not free:
        raise SandboxError(f"No free {NET}.n.0/30 subnet for a sandbox uplink.", "destroy some sandboxes first")
    return random.choice(free)


def up(name: str) -> str:
    """Link the namespace `name` (a sandbox's, or a trusted grading worker's) to the host; returns its subnet."""
    with _subnets_lock():  # the subnet is free until its address is added: pick and add in one step
        index = _free_subnet()
        _link(name, index)
    return _route_out(name, index)


@contextlib.contextmanager
def _subnets_lock() -> Iterator[None]:
    ensure_state_dir()
    with open(STATE_DIR / ".uplink.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _link(name: str, index: int) -> None:
    host_if, ns_if = f"{name}h", f"{name}n"
    host_ip, ns_ip = f"{NET}.{index}.1", f"{NET}.{index}.2"
    ns = enter(name)
    for argv in (
        ["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if, "netns", name],
        ["ip", "addr", "add", f"{host_ip}/30", "dev", host_if],
        ["ip", "link", "set", host_if, "up"],
        [*ns, "ip", "addr", "add", f"{ns_ip}/30", "dev", ns_if],
        [*ns, "ip", "link", "set", ns_if, "up"],
        [*ns, "ip", "route", "add", "default", "via", host_ip],
    ):
        run(argv, what=f"Linking {name} to the host")


def _route_out(name: str, index: int) -> str:
    """Forwarding and NAT rules, each marked with `name`: out through the default route, nowhere else."""
    host_if, out = f"{name}h", _default_interface()
    chain = "DOCKER-USER" if run([*IPTABLES, "-n", "-L", "DOCKER-USER"], check=False).returncode == 0 else "FORWARD"
    mark = ["-m", "comment", "--comment", name]
    rules = [  # inserted at the top, in reverse, so they end up in this order
        ("filter", "INPUT", ["-i", host_if, "-j", "DROP"]),
        ("filter", chain, ["-i", host_if, "-o", out, "-j", "ACCEPT"]),
        ("filter", chain, ["-i", host_if, "-j", "DROP"]),
        ("filter", chain, ["-o", host_if, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"]),
        ("filter", chain, ["-o", host_if, "-j", "DROP"]),
        ("nat", "POSTROUTING", ["-s", f"{NET}.{index}.0/30", "-o", out, "-j", "MASQUERADE"]),
    ]
    for table, rule_chain, spec in reversed(rules):
        run([*IPTABLES, "-t", table, "-I", rule_chain, *spec, *mark], what=f"Adding the NAT rules of {name}")
    return f"{NET}.{index}.0/30"


def _marked_rules(table: str, prefix: str = PREFIX) -> list[tuple[str, list[str]]]:
    """(owner, the rule as `-A CHAIN …` words) for every rule whose comment starts with `prefix`."""
    found = []
    for line in run([*IPTABLES, "-t", table, "-S"], check=False).stdout.splitlines():
        words = line.split()
        if words[:1] == ["-A"] and "--comment" in words:
            comment = words[words.index("--comment") + 1].strip('"')
            if comment.startswith(prefix):
                found.append((comment, words))
    return found


def down(name: str) -> list[str]:
    """Delete the rules marked `name` (the veth pair goes with its namespace). Returns rules that stayed."""
    left = []
    for table in TABLES:
        for owner, words in _marked_rules(table, prefix=name):
            if owner == name:
                if run([*IPTABLES, "-t", table, "-D", *words[1:]], check=False).returncode != 0:
                    left.append(f"iptables -t {table} {' '.join(words)}")
    run(["ip", "link", "delete", f"{name}h"], check=False)
    return left


def names() -> set[str]:
    return {owner for table in TABLES for owner, _words in _marked_rules(table)}
