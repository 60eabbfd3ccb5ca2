"""Check kinds about the networks of a Compose project: which exist, who is on them, who reaches whom.

A project's containers and networks are found by the labels Compose v2 puts
on them (checker.compose_project), never by guessed names. Reachability is
proved by exec inside the service containers, for the pairs that must connect
and for the pairs that must not.
"""
from __future__ import annotations

from typing import Any

from checker.compose_project import SERVICE, project_containers, project_networks, run_compose
from checker.context import CheckContext, poll
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.networks import attached_networks, reach_from_container



def service_container(ctx: CheckContext, project: str, service: str) -> tuple[dict[str, Any] | None, str]:
    """The service's running container (inspect data), or None and why not."""
    containers = project_containers(ctx, project, service)
    running = [c for c in containers if c["State"]["Running"]]
    if running:
        return running[0], ""
    if containers:
        state = containers[0]["State"]
        return None, f"the container of service {service!r} is {state.get('Status')} (exit code {state.get('ExitCode')})"
    services = sorted({c["Config"]["Labels"].get(SERVICE, "?") for c in project_containers(ctx, project)})
    if services:
        return None, f"project {project!r} has no service {service!r} (it has: {', '.join(services)})"
    return None, f"project {project!r} has no containers: is it up?"


def up_hint(project: str) -> str:
    return f"start it with `docker compose -p {project} up -d` (or `name: {project}` at the top of compose.yaml) and read `docker compose ps -a`"


def full_network_name(project: str, network: str) -> str:
    """`default` → `<project>_default`: Compose prefixes the networks it creates with the project name."""
    return network if network.startswith(f"{project}_") else f"{project}_{network}"


@kind("network_compose_valid", "{path} is a valid compose file (docker compose config)")
def network_compose_valid(ctx: CheckContext, *, path: str) -> Outcome:
    """Compose itself is the validator; its own message is shown to the learner unchanged."""
    target = ctx.path(path)
    if not target.is_file():
        return fail(f"{path} does not exist yet.", "run the answer cell that writes it (`%%writefile …`)")
    run = run_compose(["-f", str(target), "config", "--quiet"], cwd=target.parent, timeout=30)
    if run.returncode is None:
        return fail("`docker compose config` did not finish within 30 s.", "run it yourself to see why")
    if run.returncode != 0:
        return fail(f"Compose rejects {path}: {run.output.strip()[-400:]}", "fix what Compose names; `docker compose config` validates without starting anything")
    return ok("Compose accepts it.")


@kind("network_in_project", "Compose project {project} has the network {project}_{network}")
def network_in_project(ctx: CheckContext, *, project: str, network: str = "default") -> Outcome:
    wanted = full_network_name(project, network)
    networks = project_networks(ctx, project)
    names = sorted(n["Name"] for n in networks)
    if wanted in names:
        return ok(f"{wanted} exists.")
    if not names:
        return fail(f"Project {project!r} has no networks, so {wanted!r} does not exist: is the project up?", up_hint(project))
    return fail(f"Project {project!r} has the networks {names}, but not {wanted!r}.", "check the project name (it prefixes every network) and the `networks:` section")


@kind("network_service_attached", "service {service} of {project} is on exactly the networks {networks}")
def network_service_attached(ctx: CheckContext, *, project: str, service: str, networks: list[str]) -> Outcome:
    """The isolation of tiers is in the exact set: a service on one network too many breaks it."""
    info, why = service_container(ctx, project, service)
    if info is None:
        return fail(f"Cannot check its networks: {why}.", up_hint(project))
    wanted = {full_network_name(project, n) for n in networks}
    actual = set(attached_networks(info))
    if actual == wanted:
        return ok(f"{', '.join(sorted(actual))}.")
    parts = []
    if wanted - actual:
        parts.append(f"it is missing from {sorted(wanted - actual)}")
    if actual - wanted:
        parts.append(f"it should not be on {sorted(actual - wanted)}")
    return fail(
        f"Service {service!r} is on {sorted(actual) or 'no network'}: {'; '.join(parts)}.",
        f"list its networks under `services: {service}: networks:` and declare them in the top-level `networks:`",
    )


@kind("network_service_mode", "service {service} of {project} uses network_mode {mode}")
def network_service_mode(ctx: CheckContext, *, project: str, service: str, mode: str, wait: float = 5.0) -> Outcome:
    found: dict[str, Any] = {}

    def running() -> bool:
        found["info"], found["why"] = service_container(ctx, project, service)
        return found["info"] is not None

    def created_but_not_running() -> bool:
        return bool(project_containers(ctx, project, service))

    if not running() and not (created_but_not_running() and poll(running, wait)):
        return fail(f"Cannot check its network mode: {found['why']}.", up_hint(project))
    info = found["info"]
    actual = info["HostConfig"].get("NetworkMode")
    if actual != mode:
        return fail(f"Service {service!r} uses network mode {actual!r} (networks: {sorted(attached_networks(info))}), not {mode!r}.", f"set `network_mode: {mode}` on the service, and no `networks:`")
    return ok(f"{mode}.")


@kind("network_service_logs", "the logs of service {service} of {project} contain {contains!r}")
def network_service_logs(ctx: CheckContext, *, project: str, service: str, contains: str, wait: float = 10.0) -> Outcome:
    """What a service printed proves what it could reach (a client that polls another service)."""
    seen: dict[str, str] = {"logs": "", "why": ""}

    def found() -> bool:
        info, why = service_container(ctx, project, service)
        seen["why"] = why
        if info is None:
            return False
        seen["logs"] = ctx.api.logs(info["Id"], stdout=True, stderr=True, tail=50).decode(errors="replace")
        return contains in seen["logs"]

    if found() or (project_containers(ctx, project, service) and poll(found, wait, interval=0.5)):
        return ok(f"found {contains!r}.")
    if seen["why"]:
        return fail(f"Cannot read its logs: {seen['why']}.", up_hint(project))
    tail = "\n".join(seen["logs"].strip().splitlines()[-4:]) or "(no output)"
    return fail(f"Within {wait:g} s its logs do not contain {contains!r}. Last lines:\n{tail}", "the URL it uses is seen from inside the network: service name and container port")


@kind("reachability_matrix", "who reaches whom in {project}", behaviour=True)
def reachability_matrix(ctx: CheckContext, *, project: str, probes: list[dict[str, Any]], path: str = "/", settle: float = 4.0) -> Outcome:
    """Run every probe (from, to, port, reach) inside the `from` service's container and report every row.

    Both directions of the proof are needed: the pairs that must connect, and
    the pairs that must not (a negative says whether the name did not resolve
    or the connection was refused).
    """
    lines: list[str] = []
    wrong: list[str] = []
    for probe in probes:
        source, target, port, must = probe["from"], probe["to"], int(probe["port"]), bool(probe.get("reach", True))
        arrow = f"{source} → {target}:{port}"
        info, why = service_container(ctx, project, source)
        if info is None:
            wrong.append(f"{arrow}: cannot test, {why}")
            continue
        seen = reach_from_container(ctx, info["Id"], target, port, path, settle=settle if must else 0.0)
        verdict = "connects" if seen.reached else f"blocked ({seen.reason})"
        expected = "must connect" if must else "must be blocked"
        if seen.reached == must:
            lines.append(f"✔ {arrow} {verdict}")
        else:
            wrong.append(f"{arrow} {verdict}, but it {expected}")
    if wrong:
        return fail(
            "Reachability is wrong: " + "; ".join(wrong) + ("." if not lines else f". (Right: {'; '.join(l[2:] for l in lines)}.)"),
            "two services reach each other only if they share a network; give each service only the networks it needs",
        )
    return ok("; ".join(l[2:] for l in lines) + ".")
