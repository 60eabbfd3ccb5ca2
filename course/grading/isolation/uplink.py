"""A worker's way out: a veth pair and NAT, so builds inside a worker reach the package mirror."""

from __future__ import annotations

import random

from course.grading.isolation.host import NETNS_DIR, IsolationUnavailable, run_tool

# Wait for the xtables lock rather than fail: sandboxes, workers and the daemon change rules at the same time.
IPTABLES = ("iptables", "-w", "10")

UPLINK_NET = "10.213"  # worker i of a run gets 10.213.<n>.0/30 (host .1, worker .2)


class Uplink:
    """A veth pair and NAT so a worker's builds reach the package mirror (`RUN apt-get install …`).

    Without it the namespace has only `lo`. The host side gets rules in
    DOCKER-USER (Docker's chain for its users' own rules; the main daemon's
    configuration is never changed) and one MASQUERADE rule, all removed again
    by `down()`.
    """

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.host_if = f"{name[:12]}h"
        self.ns_if = f"{name[:12]}n"
        self.subnet = f"{UPLINK_NET}.{index}.0/30"
        self.host_ip = f"{UPLINK_NET}.{index}.1"
        self.ns_ip = f"{UPLINK_NET}.{index}.2"
        self.chain = "DOCKER-USER" if run_tool([*IPTABLES, "-n", "-L", "DOCKER-USER"]).returncode == 0 else "FORWARD"
        self.rules: list[list[str]] = []

    def up(self) -> None:
        ns = ["nsenter", f"--net={NETNS_DIR / self.name}"]
        steps = [
            ["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if, "netns", self.name],
            ["ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if],
            ["ip", "link", "set", self.host_if, "up"],
            [*ns, "ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if],
            [*ns, "ip", "link", "set", self.ns_if, "up"],
            [*ns, "ip", "route", "add", "default", "via", self.host_ip],
        ]
        for argv in steps:
            proc = run_tool(argv)
            if proc.returncode != 0:
                raise IsolationUnavailable(
                    f"Could not give worker {self.name} its network link ({' '.join(argv)}): {proc.stderr.strip()}",
                    "check that iproute2 can create veth pairs here",
                )
        for rule in (
            ["-t", "nat", "POSTROUTING", "-s", self.subnet, "-j", "MASQUERADE"],
            ["-t", "filter", self.chain, "-i", self.host_if, "-j", "ACCEPT"],
            [
                "-t",
                "filter",
                self.chain,
                "-o",
                self.host_if,
                "-m",
                "conntrack",
                "--ctstate",
                "RELATED,ESTABLISHED",
                "-j",
                "ACCEPT",
            ],
        ):
            table, chain, spec = rule[:2], rule[2], rule[3:]
            proc = run_tool([*IPTABLES, *table, "-I", chain, *spec])
            if proc.returncode != 0:
                raise IsolationUnavailable(
                    f"Could not add a NAT rule for worker {self.name}: {proc.stderr.strip()}",
                    "check that iptables works here",
                )
            self.rules.append([*table, "-D", chain, *spec])

    def down(self) -> None:
        for rule in reversed(self.rules):
            run_tool([*IPTABLES, *rule])
        self.rules.clear()
        run_tool(["ip", "link", "delete", self.host_if])


def free_subnets(count: int) -> list[int]:
    """Indexes n whose 10.213.n.0/30 no interface uses yet (another grading run may hold some)."""
    used = run_tool(["ip", "-4", "-o", "addr"]).stdout
    free = [n for n in range(1, 255) if f" {UPLINK_NET}.{n}." not in used]
    if len(free) < count:
        raise IsolationUnavailable(
            f"No free {UPLINK_NET}.n.0/30 subnet for {count} worker(s).", "wait for other grading runs to finish"
        )
    return random.sample(free, count)  # two runs starting together rarely pick the same one
