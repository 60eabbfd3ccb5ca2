"""Check kinds about Docker networks: what exists, who is attached, and what can reach what.

State comes from `docker network inspect` / `docker inspect` (checker.facts);
behaviour is proved from inside the daemon, by exec in a container or by a
labelled probe container on the network (checker.facts.reach).
"""

from __future__ import annotations

import re

from checker.context import CheckContext, missing_network
from checker.facts.logs import diagnosis
from checker.facts.networks import interface_names
from checker.facts.reach import reach_from_container, reach_from_probe
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.workspace import require_answer
from checker.probes import exec_in


@kind("network_exists", "network {network} exists")
def network_exists(
    ctx: CheckContext, *, network: str, driver: str | None = None, labels: dict[str, str] | None = None, why: str = ""
) -> Outcome:
    info = ctx.network(network)
    if info is None:
        outcome = missing_network(network)
        return fail(outcome.message + (f" {why}" if why else ""), outcome.hint)
    if driver and info.driver != driver:
        return fail(
            f"{network!r} uses the {info.driver!r} driver, expected {driver!r}.",
            f"remove it and create it again with `--driver {driver}` (bridge is the default)",
        )
    actual = info.labels
    for key, value in (labels or {}).items():
        if actual.get(key) != value:
            seen = f"{key}={actual[key]}" if key in actual else "no such label"
            return fail(
                f"{network!r} lacks the label {key}={value} ({seen}).",
                f"labels are set at creation: `docker network create --label {key}={value} {network}`",
            )
    return ok(f"found (driver {info.driver}, subnet {', '.join(info.subnets) or 'none'}).")


@kind("network_absent", "network {network} is gone")
def network_absent(ctx: CheckContext, *, network: str) -> Outcome:
    info = ctx.network(network)
    if info is not None:
        users = info.container_names
        still = f" It is still used by: {', '.join(users)}." if users else ""
        return fail(
            f"The network {network!r} still exists.{still}",
            f"`docker network rm {network}` (or a prune whose label filter matches it)",
        )
    return ok("it no longer exists.")


@kind("network_has_container", "container {container} is attached to network {network}")
def network_has_container(ctx: CheckContext, *, network: str, container: str) -> Outcome:
    ctx.require_network(network)
    info = ctx.require_container(container)
    networks = info.networks
    if network not in networks:
        mode = info.network_mode or None
        on = ", ".join(networks) or f"no network (mode {mode})"
        return fail(
            f"{container!r} is not attached to {network!r}; it is on: {on}.",
            f"`docker network connect {network} {container}` attaches a running container",
        )
    return ok(f"attached, IP {networks[network].get('IPAddress') or '?'}.")


@kind("network_lacks_container", "container {container} is not attached to network {network}")
def network_lacks_container(ctx: CheckContext, *, network: str, container: str) -> Outcome:
    info = ctx.require_container(container)
    if network in info.networks:
        return fail(
            f"{container!r} is still attached to {network!r}.", f"`docker network disconnect {network} {container}`"
        )
    return ok(f"not attached (it is on: {', '.join(info.networks) or 'nothing'}).")


@kind("network_ip_recorded", "{path} holds the IP address of {container} on {network}")
def network_ip_recorded(ctx: CheckContext, *, network: str, container: str, path: str) -> Outcome:
    """The learner read an address with `docker network inspect`: it must match the live one."""
    info = ctx.require_container(container)
    endpoint = info.networks.get(network)
    if endpoint is None:
        return fail(
            f"{container!r} is not attached to {network!r}, so it has no address there.",
            f"run it with `--network {network}`",
        )
    answer = require_answer(ctx, path).strip()
    actual = endpoint.get("IPAddress", "")
    if answer != actual:
        other = [n for n, e in info.networks.items() if e.get("IPAddress") == answer]
        why = f" That is its address on {other[0]!r}." if other else ""
        shown = answer if re.fullmatch(r"[0-9.]{7,15}", answer) else answer[:60] + ("…" if len(answer) > 60 else "")
        return fail(
            f"{path} says {shown!r}, but {container!r} has {actual} on {network!r}.{why}",
            f"`docker network inspect {network}` lists each attached container with its IPv4Address (drop the /prefix)",
        )
    return ok(f"{actual}.")


@kind("network_mode", "container {container} uses network mode {mode}")
def network_mode(ctx: CheckContext, *, container: str, mode: str) -> Outcome:
    info = ctx.require_container(container)
    actual = info.network_mode or "default"
    if actual != mode:
        published = sorted(info.port_bindings)
        extra = f" and publishes {', '.join(published)}" if published else ""
        return fail(
            f"{container!r} uses network mode {actual!r}{extra}, not {mode!r}.", f"create it with `--network {mode}`"
        )
    return ok(f"{mode}.")


@kind("network_interfaces", "container {container} has exactly the interfaces {interfaces}")
def network_interfaces(ctx: CheckContext, *, container: str, interfaces: list[str]) -> Outcome:
    if not ctx.require_container(container).running:
        return fail(
            f"Cannot look inside {container!r}: {diagnosis(ctx, container)}",
            "it must be running (give it a long command such as `sleep 3600`)",
        )
    result = exec_in(ctx, container, ["cat", "/proc/net/dev"], timeout=5)
    names = interface_names(result.output)
    if names != sorted(interfaces):
        return fail(
            f"{container!r} has the interfaces {names}, expected exactly {sorted(interfaces)}.",
            "the network decides the interfaces: `--network none` leaves only the loopback `lo`",
        )
    return ok(f"{', '.join(names)}.")


# ---------------------------------------------------------------- behaviour


@kind("network_can_reach", "from {container}, {host}:{port} is reachable: {reach}", behaviour=True)
def network_can_reach(
    ctx: CheckContext, *, container: str, host: str, port: int, reach: bool = True, path: str = "/", settle: float = 4.0
) -> Outcome:
    """Prove (or disprove) a connection from inside a running container, by name or address."""
    if not ctx.require_container(container).running:
        return fail(f"Cannot test from {container!r}: {diagnosis(ctx, container)}", "it must be running")
    seen = reach_from_container(ctx, container, host, port, path, settle=settle if reach else 0.0)
    if seen.reached == reach:
        return ok(f"{host}:{port} " + ("answered." if reach else f"is not reachable: {seen.reason}."))
    if reach:
        return fail(
            f"From {container!r}, {host}:{port} is not reachable: {seen.reason}.",
            "containers find each other by name only on a shared user-defined network: `docker network connect NET "
            "CONTAINER`",
        )
    return fail(
        f"From {container!r}, {host}:{port} answered, but it must not be reachable.",
        "take one of them off the network they share (`docker network disconnect`)",
    )


@kind("network_name_resolves", "on network {network}, the name {container} resolves: {resolves}", behaviour=True)
def network_name_resolves(
    ctx: CheckContext, *, network: str, container: str, port: int, resolves: bool = True, path: str = "/"
) -> Outcome:
    """A probe on `network` tries `container` by address, then by name.

    The address must always answer: that shows the network itself connects, so a
    name that does not resolve is a fact about DNS, not a broken server.
    """
    endpoint = ctx.require_container(container).networks.get(network)
    if endpoint is None or not endpoint.get("IPAddress"):
        return fail(
            f"{container!r} is not attached to {network!r}.",
            f"attach it: `docker network connect {network} {container}`",
        )
    address = endpoint["IPAddress"]
    by_address, by_name = reach_from_probe(ctx, network, [address, container], port, path)
    if not by_address.reached:
        return fail(
            f"On {network!r}, {container!r} does not answer even by its address {address}: {by_address.reason}. "
            f"{diagnosis(ctx, container)}",
            "is its server running and listening on that port?",
        )
    if by_name.reached == resolves:
        if resolves:
            return ok(f"by address {address} and by name {container!r}: both answered.")
        return ok(f"by address {address} it answered; by name: {by_name.reason}.")
    if resolves:
        return fail(
            f"On {network!r}, {container!r} answers at {address} but not by name: {by_name.reason}.",
            "only user-defined networks have Docker's DNS for container names; the default `bridge` does not",
        )
    return fail(
        f"On {network!r}, the name {container!r} resolved and answered, but this network should have no DNS for names.",
        "use the default `bridge` network here",
    )
