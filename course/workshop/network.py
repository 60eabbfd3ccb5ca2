"""How the hub reaches each learner's server, and nothing else reaches anything.

Each learner's server runs in their sandbox daemon's network namespace (where
`localhost`, published ports and `--network host` behave as on a laptop, the
same place their checks probe). Root links that namespace to the host with a
veth pair of its own, a /30 per learner (host .1, learner .2), like
`course.sandbox.uplink` does for the outside network. The hub listens on one
address, the workshop's hub_ip on the host's loopback interface (these kernels
have no `dummy` links), routed to from every learner's side.

Why not one bridge for all: on a shared segment a learner who is root in their
own user namespace could claim another learner's address (ARP) and receive the
proxy's requests for that learner. With a point-to-point link per learner the
host's route to each address is its own, whatever a learner configures.

The rules (marked with the comment RULE_MARK): from a learner's link only the
hub's API port is open on the host; nothing is forwarded from or to those links
(no learner reaches another, the main daemon's containers, or the outside).
"""

from __future__ import annotations

import contextlib

from course.sandbox import processes
from course.sandbox.model import SandboxState
from course.sandbox.shell import run
from course.sandbox.uplink import IPTABLES
from course.workshop.state import Workshop

RULE_MARK = "docker-course-workshop"
INSIDE = "workshop0"  # the learner's end of their link, in their daemon's netns
HOST_PREFIX = "dw"  # the host's end: dw + the sandbox's id
HUB_INTERFACE = "lo"


def host_interface(state: SandboxState) -> str:
    return HOST_PREFIX + state.name.split("-", 1)[1]


def up(ws: Workshop) -> None:
    """The hub's address and the rules; idempotent (a restarted supervisor calls it again)."""
    run(["ip", "addr", "replace", f"{ws.hub_ip}/32", "dev", HUB_INTERFACE], what="Addressing the hub")
    _rules_down()
    mark = ["-m", "comment", "--comment", RULE_MARK]
    learners = f"{HOST_PREFIX}+"
    rules = [  # inserted at the top, in reverse, so they end up in this order
        ("INPUT", ["-i", learners, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"]),
        ("INPUT", ["-i", learners, "-d", ws.hub_ip, "-p", "tcp", "--dport", str(ws.hub_port), "-j", "ACCEPT"]),
        ("INPUT", ["-i", learners, "-j", "DROP"]),
        ("FORWARD", ["-i", learners, "-j", "DROP"]),
        ("FORWARD", ["-o", learners, "-j", "DROP"]),
    ]
    for chain, spec in reversed(rules):
        run([*IPTABLES, "-I", chain, *spec, *mark], what="Adding the workshop's firewall rules")


def attach(ws: Workshop, state: SandboxState, index: int) -> str:
    """Link a learner's daemon netns to the host (again, if their daemon was restarted); returns their address."""
    inner = processes.inner_netns(state)
    ns = ["nsenter", f"--net={inner}"]
    learner_ip, host_ip = ws.learner_ip(index), ws.learner_host_ip(index)
    if f"{learner_ip}/30" in run([*ns, "ip", "-4", "-o", "addr", "show", "dev", INSIDE], check=False).stdout:
        return learner_ip
    outside = host_interface(state)
    run(["ip", "link", "delete", outside], check=False)  # a link to a netns that died with an earlier daemon
    what = f"Linking {state.name} to the hub"
    for argv in (
        ["ip", "link", "add", outside, "type", "veth", "peer", "name", INSIDE, "netns", inner],
        ["ip", "addr", "add", f"{host_ip}/30", "dev", outside],
        ["ip", "link", "set", outside, "up"],
        [*ns, "ip", "addr", "add", f"{learner_ip}/30", "dev", INSIDE],
        [*ns, "ip", "link", "set", INSIDE, "up"],
        [*ns, "ip", "route", "replace", f"{ws.hub_ip}/32", "via", host_ip],
    ):
        run(argv, what=what)
    return learner_ip


def detach(state: SandboxState) -> None:
    run(["ip", "link", "delete", host_interface(state)], check=False)


def down(ws: Workshop) -> None:
    _rules_down()
    run(["ip", "addr", "del", f"{ws.hub_ip}/32", "dev", HUB_INTERFACE], check=False)


def _rules_down() -> None:
    for line in run([*IPTABLES, "-S"], check=False).stdout.splitlines():
        words = line.split()
        if words[:1] == ["-A"] and RULE_MARK in line:
            with contextlib.suppress(Exception):
                run([*IPTABLES, "-D", *words[1:]], check=False)


def leftovers(ws: Workshop | None = None) -> list[str]:
    """What of the workshop's network is still on the host: for `down` and its test."""
    left = [f"iptables {line}" for line in run([*IPTABLES, "-S"], check=False).stdout.splitlines() if RULE_MARK in line]
    links = run(["ip", "-o", "link", "show"], check=False).stdout
    for line in links.splitlines():
        name = line.split(":")[1].strip().split("@")[0] if ":" in line else ""
        if name.startswith(HOST_PREFIX) and all(c in "0123456789abcdef" for c in name[len(HOST_PREFIX) :]):
            left.append(f"link {name}")
    if ws is not None and f" {ws.hub_ip}/32 " in run(["ip", "-4", "-o", "addr", "show", "dev", HUB_INTERFACE]).stdout:
        left.append(f"address {ws.hub_ip} on {HUB_INTERFACE}")
    return left
