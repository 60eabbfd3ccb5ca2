"""Check kinds about Docker networks: what exists, who is attached, and what can reach what.

State comes from `docker network inspect` / `docker inspect`; behaviour is
proved from inside the daemon, by exec in a container or by a labelled probe
container on the network. A reachability verdict always says which of three
things happened: the name did not resolve, the connection was refused, or
nothing answered in time, because each has a different fix.
"""
from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass
from typing import Any

from checker.context import CheckContext
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.containers import diagnosis, missing
from checker.probes import ProbeResult, exec_in, run_probe

DEFAULT_NETWORKS = ("bridge", "host", "none")
PROBE_TIMEOUT = 4  # seconds a single connection attempt may take before it counts as "no answer"


# ---------------------------------------------------------------- reachability


@dataclass(frozen=True)
class Reach:
    """How one connection attempt ended: reached, or why not (in words a learner can act on)."""

    reached: bool
    reason: str  # "answered", "does not resolve", "connection refused", "no answer within N s", …
    cause: str = "other"  # answered | dns | refused | timeout | other: what a retry could change


def classify(result: ProbeResult, host: str, port: int) -> Reach:
    """Read busybox `wget` output: any HTTP reply (even 404) proves the connection was made.

    busybox 1.35's `wget -T` crashes (Debian's static build), so attempts are
    bounded by `timeout` around wget instead of by wget itself.
    """
    text = result.output
    if result.exit_code == 0 or "server returned error" in text:
        return Reach(True, "answered", "answered")
    if result.exit_code is None or result.exit_code in (124, 143):
        return Reach(False, f"nothing answered on {host}:{port} within {PROBE_TIMEOUT} s (timed out)", "timeout")
    if "bad address" in text:
        return Reach(False, f"the name {host!r} does not resolve (no shared network with DNS for it)", "dns")
    if "refused" in text:
        return Reach(False, f"{host!r} resolves, but the connection to port {port} was refused (nothing listens there)", "refused")
    if "reset" in text or "closed" in text.lower():
        return Reach(True, "answered (then closed the connection)", "answered")
    if result.exit_code == 127 or ("not found" in text and "wget" in text):
        return Reach(False, "the container has no `wget` to test with")
    return Reach(False, f"it failed: {text.strip()[-200:] or f'exit code {result.exit_code}'}")


def wget_command(host: str, port: int, path: str = "/") -> list[str]:
    return ["wget", "-q", "-O", "/dev/null", f"http://{host}:{port}{path}"]


def reach_from_container(ctx: CheckContext, container: str, host: str, port: int, path: str = "/", *, settle: float = 0.0) -> Reach:
    """Try `host:port` from inside a running container (docker exec, bounded).

    With `settle`, a failed attempt is retried for that many seconds: a server
    started a moment ago may not listen yet. A name that does not resolve is
    final (Docker registers names before a container starts). Only positives
    should settle; a pair that must be blocked is judged on its first attempt.
    """
    deadline = time.monotonic() + settle
    while True:
        seen = classify(exec_in(ctx, container, wget_command(host, port, path), timeout=PROBE_TIMEOUT), host, port)
        if seen.reached or seen.cause == "dns" or time.monotonic() >= deadline:
            return seen
        time.sleep(0.5)


def reach_from_probe(ctx: CheckContext, network: str, hosts: list[str], port: int, path: str = "/") -> list[Reach]:
    """Try `host:port` for each host, in order, from ONE fresh probe container on `network`.

    One probe for all attempts: starting a container costs far more than a
    connection. Each attempt's output is fenced by a marker with its exit code.
    """
    marker = "@@course-probe-exit="
    script = "; ".join(
        f"timeout {PROBE_TIMEOUT} {' '.join(shlex.quote(a) for a in wget_command(host, port, path))} 2>&1; echo {marker}$?"
        for host in hosts
    )
    result = run_probe(ctx, ["sh", "-c", script], network=network, timeout=len(hosts) * PROBE_TIMEOUT + 10)
    chunks = result.output.split(marker)
    seen = []
    for index, host in enumerate(hosts):
        if index + 1 >= len(chunks):  # the probe stopped before this attempt finished
            seen.append(classify(ProbeResult(None, chunks[index] if index < len(chunks) else ""), host, port))
            continue
        code_text, _, _ = chunks[index + 1].partition("\n")
        output = chunks[index].split("\n", 1)[1] if index > 0 and "\n" in chunks[index] else chunks[index]
        code = int(code_text.strip()) if code_text.strip().isdigit() else None
        seen.append(classify(ProbeResult(code, output), host, port))
    return seen


# ---------------------------------------------------------------- helpers


def attached_networks(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Network name → endpoint settings of a container (what `docker inspect` lists under Networks)."""
    return dict((info.get("NetworkSettings") or {}).get("Networks") or {})


def network_missing(name: str) -> Outcome:
    return fail(f"There is no network named {name!r}.", f"`docker network ls` lists them; create it with `docker network create {name}`")


def interface_names(proc_net_dev: str) -> list[str]:
    """Interface names from /proc/net/dev (present in every Linux container, unlike `ip`)."""
    names = []
    for line in proc_net_dev.splitlines()[2:]:
        if ":" in line:
            names.append(line.split(":", 1)[0].strip())
    return sorted(names)


# ---------------------------------------------------------------- kinds: state


@kind("network_exists", "network {network} exists")
def network_exists(ctx: CheckContext, *, network: str, driver: str | None = None, labels: dict[str, str] | None = None, why: str = "") -> Outcome:
    info = ctx.network(network)
    if info is None:
        outcome = network_missing(network)
        return fail(outcome.message + (f" {why}" if why else ""), outcome.hint)
    if driver and info.get("Driver") != driver:
        return fail(f"{network!r} uses the {info.get('Driver')!r} driver, expected {driver!r}.", f"remove it and create it again with `--driver {driver}` (bridge is the default)")
    actual = info.get("Labels") or {}
    for key, value in (labels or {}).items():
        if actual.get(key) != value:
            seen = f"{key}={actual[key]}" if key in actual else "no such label"
            return fail(f"{network!r} lacks the label {key}={value} ({seen}).", f"labels are set at creation: `docker network create --label {key}={value} {network}`")
    return ok(f"found (driver {info.get('Driver')}, subnet {', '.join(c.get('Subnet', '?') for c in (info.get('IPAM') or {}).get('Config') or []) or 'none'}).")


@kind("network_absent", "network {network} is gone")
def network_absent(ctx: CheckContext, *, network: str) -> Outcome:
    info = ctx.network(network)
    if info is not None:
        users = [c.get("Name", "?") for c in (info.get("Containers") or {}).values()]
        still = f" It is still used by: {', '.join(users)}." if users else ""
        return fail(f"The network {network!r} still exists.{still}", f"`docker network rm {network}` (or a prune whose label filter matches it)")
    return ok("it no longer exists.")


@kind("network_has_container", "container {container} is attached to network {network}")
def network_has_container(ctx: CheckContext, *, network: str, container: str) -> Outcome:
    if ctx.network(network) is None:
        return network_missing(network)
    info = ctx.container(container)
    if info is None:
        return missing(container)
    networks = attached_networks(info)
    if network not in networks:
        mode = info["HostConfig"].get("NetworkMode")
        on = ", ".join(networks) or f"no network (mode {mode})"
        return fail(f"{container!r} is not attached to {network!r}; it is on: {on}.", f"`docker network connect {network} {container}` attaches a running container")
    return ok(f"attached, IP {networks[network].get('IPAddress') or '?'}.")


@kind("network_lacks_container", "container {container} is not attached to network {network}")
def network_lacks_container(ctx: CheckContext, *, network: str, container: str) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    if network in attached_networks(info):
        return fail(f"{container!r} is still attached to {network!r}.", f"`docker network disconnect {network} {container}`")
    return ok(f"not attached (it is on: {', '.join(attached_networks(info)) or 'nothing'}).")


@kind("network_ip_recorded", "{path} holds the IP address of {container} on {network}")
def network_ip_recorded(ctx: CheckContext, *, network: str, container: str, path: str) -> Outcome:
    """The learner read an address with `docker network inspect`: it must match the live one."""
    info = ctx.container(container)
    if info is None:
        return missing(container)
    endpoint = attached_networks(info).get(network)
    if endpoint is None:
        return fail(f"{container!r} is not attached to {network!r}, so it has no address there.", f"run it with `--network {network}`")
    target = ctx.path(path)
    if not target.is_file():
        return fail(f"{path} does not exist yet.", "run the answer cell that writes it")
    answer = target.read_text(encoding="utf-8", errors="replace").strip()
    actual = endpoint.get("IPAddress", "")
    if answer != actual:
        other = [n for n, e in attached_networks(info).items() if e.get("IPAddress") == answer]
        why = f" That is its address on {other[0]!r}." if other else ""
        shown = answer if re.fullmatch(r"[0-9.]{7,15}", answer) else answer[:60] + ("…" if len(answer) > 60 else "")
        return fail(
            f"{path} says {shown!r}, but {container!r} has {actual} on {network!r}.{why}",
            f"`docker network inspect {network}` lists each attached container with its IPv4Address (drop the /prefix)",
        )
    return ok(f"{actual}.")


@kind("network_mode", "container {container} uses network mode {mode}")
def network_mode(ctx: CheckContext, *, container: str, mode: str) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    actual = info["HostConfig"].get("NetworkMode") or "default"
    if actual != mode:
        published = sorted((info["HostConfig"].get("PortBindings") or {}).keys())
        extra = f" and publishes {', '.join(published)}" if published else ""
        return fail(f"{container!r} uses network mode {actual!r}{extra}, not {mode!r}.", f"create it with `--network {mode}`")
    return ok(f"{mode}.")


@kind("network_interfaces", "container {container} has exactly the interfaces {interfaces}")
def network_interfaces(ctx: CheckContext, *, container: str, interfaces: list[str]) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    if not info["State"]["Running"]:
        return fail(f"Cannot look inside {container!r}: {diagnosis(ctx, container)}", "it must be running (give it a long command such as `sleep 3600`)")
    result = exec_in(ctx, container, ["cat", "/proc/net/dev"], timeout=5)
    names = interface_names(result.output)
    if names != sorted(interfaces):
        return fail(f"{container!r} has the interfaces {names}, expected exactly {sorted(interfaces)}.", "the network decides the interfaces: `--network none` leaves only the loopback `lo`")
    return ok(f"{', '.join(names)}.")


# ---------------------------------------------------------------- kinds: behaviour


@kind("network_can_reach", "from {container}, {host}:{port} is reachable: {reach}", behaviour=True)
def network_can_reach(ctx: CheckContext, *, container: str, host: str, port: int, reach: bool = True, path: str = "/", settle: float = 4.0) -> Outcome:
    """Prove (or disprove) a connection from inside a running container, by name or address."""
    info = ctx.container(container)
    if info is None:
        return missing(container)
    if not info["State"]["Running"]:
        return fail(f"Cannot test from {container!r}: {diagnosis(ctx, container)}", "it must be running")
    seen = reach_from_container(ctx, container, host, port, path, settle=settle if reach else 0.0)
    if seen.reached == reach:
        return ok(f"{host}:{port} " + ("answered." if reach else f"is not reachable: {seen.reason}."))
    if reach:
        return fail(
            f"From {container!r}, {host}:{port} is not reachable: {seen.reason}.",
            "containers find each other by name only on a shared user-defined network: `docker network connect NET CONTAINER`",
        )
    return fail(f"From {container!r}, {host}:{port} answered, but it must not be reachable.", "take one of them off the network they share (`docker network disconnect`)")


@kind("network_name_resolves", "on network {network}, the name {container} resolves: {resolves}", behaviour=True)
def network_name_resolves(ctx: CheckContext, *, network: str, container: str, port: int, resolves: bool = True, path: str = "/") -> Outcome:
    """A probe on `network` tries `container` by address, then by name.

    The address must always answer: that shows the network itself connects, so a
    name that does not resolve is a fact about DNS, not a broken server.
    """
    info = ctx.container(container)
    if info is None:
        return missing(container)
    endpoint = attached_networks(info).get(network)
    if endpoint is None or not endpoint.get("IPAddress"):
        return fail(f"{container!r} is not attached to {network!r}.", f"attach it: `docker network connect {network} {container}`")
    address = endpoint["IPAddress"]
    by_address, by_name = reach_from_probe(ctx, network, [address, container], port, path)
    if not by_address.reached:
        return fail(f"On {network!r}, {container!r} does not answer even by its address {address}: {by_address.reason}. {diagnosis(ctx, container)}", "is its server running and listening on that port?")
    if by_name.reached == resolves:
        if resolves:
            return ok(f"by address {address} and by name {container!r}: both answered.")
        return ok(f"by address {address} it answered; by name: {by_name.reason}.")
    if resolves:
        return fail(
            f"On {network!r}, {container!r} answers at {address} but not by name: {by_name.reason}.",
            "only user-defined networks have Docker's DNS for container names; the default `bridge` does not",
        )
    return fail(f"On {network!r}, the name {container!r} resolved and answered, but this network should have no DNS for names.", "use the default `bridge` network here")
