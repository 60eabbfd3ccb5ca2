"""Check kinds about the networks of a Compose project: which exist, who is on them, who reaches whom.

A project's networks are found by the labels Compose v2 puts on them
(checker.facts.services), never by guessed names. Reachability is proved by
exec inside the service containers, for the pairs that must connect and for
the pairs that must not.
"""

from __future__ import annotations

from typing import Any

from checker.context import CheckContext, poll
from checker.facts.logs import logs
from checker.facts.reach import reach_from_container
from checker.facts.services import project_containers, project_networks, up_hint
from checker.i18n import N_, _, ngettext
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.compose_services import not_up
from checker.probes import run_probe


def full_network_name(project: str, network: str) -> str:
    """`default` → `<project>_default`: Compose prefixes the networks it creates with the project name."""
    return network if network.startswith(f"{project}_") else f"{project}_{network}"


@kind("network_service_attached", N_("service {service} of {project} is on exactly the networks {networks}"))
def network_service_attached(ctx: CheckContext, *, project: str, service: str, networks: list[str]) -> Outcome:
    """The isolation of tiers is in the exact set: a service on one network too many breaks it."""
    found = ctx.service(project, service)
    if found.running is None:
        return fail(_("Cannot check its networks: {why}.").format(why=found.why_not_running()), up_hint(project))
    wanted = {full_network_name(project, n) for n in networks}
    actual = set(found.running.networks)
    if actual == wanted:
        return ok(f"{', '.join(sorted(actual))}.")
    parts = []
    if wanted - actual:
        parts.append(_("it is missing from {networks}").format(networks=sorted(wanted - actual)))
    if actual - wanted:
        parts.append(_("it should not be on {networks}").format(networks=sorted(actual - wanted)))
    return fail(
        _("Service {service!r} is on {networks}: {problems}.").format(
            service=service, networks=sorted(actual) or _("no network"), problems="; ".join(parts)
        ),
        _(
            "list its networks under `services: {service}: networks:` and declare them in the top-level `networks:`"
        ).format(service=service),
    )


@kind("network_service_mode", N_("service {service} of {project} uses network_mode {mode}"))
def network_service_mode(ctx: CheckContext, *, project: str, service: str, mode: str, wait: float = 5.0) -> Outcome:
    found = ctx.service(project, service)
    if found.running is None and found.containers:  # created but not running yet: give it a moment
        poll(lambda: ctx.service(project, service).running is not None, wait)
        found = ctx.service(project, service)
    info = found.running
    if info is None:
        return fail(_("Cannot check its network mode: {why}.").format(why=found.why_not_running()), up_hint(project))
    if info.network_mode != mode:
        return fail(
            _("Service {service!r} uses network mode {actual!r} (networks: {networks}), not {mode!r}.").format(
                service=service, actual=info.network_mode, networks=sorted(info.networks), mode=mode
            ),
            _("set `network_mode: {mode}` on the service, and no `networks:`").format(mode=mode),
        )
    return ok(f"{mode}.")


@kind("network_service_logs", N_("the logs of service {service} of {project} contain {contains!r}"))
def network_service_logs(
    ctx: CheckContext, *, project: str, service: str, contains: str, wait: float = 10.0
) -> Outcome:
    """What a service printed proves what it could reach (a client that polls another service)."""
    seen: dict[str, str] = {"logs": "", "why": ""}

    def found() -> bool:
        lookup = ctx.service(project, service)
        seen["why"] = "" if lookup.running else lookup.why_not_running()
        if lookup.running is None:
            return False
        seen["logs"] = logs(ctx, lookup.running.id, tail=50)
        return contains in seen["logs"]

    if found() or (ctx.service(project, service).containers and poll(found, wait, interval=0.5)):
        return ok(_("found {text!r}.").format(text=contains))
    if seen["why"]:
        return fail(_("Cannot read its logs: {why}.").format(why=seen["why"]), up_hint(project))
    tail = "\n".join(seen["logs"].strip().splitlines()[-4:]) or _("(no output)")
    return fail(
        _("Within {wait:g} s its logs do not contain {text!r}. Last lines:\n{logs}").format(
            wait=wait, text=contains, logs=tail
        ),
        _("the URL it uses is seen from inside the network: service name and container port"),
    )


@kind("network_in_project", N_("Compose project {project} has the network {project}_{network}"))
def network_in_project(ctx: CheckContext, *, project: str, network: str = "default") -> Outcome:
    wanted = full_network_name(project, network)
    names = sorted(n["Name"] for n in project_networks(ctx.api, project))
    if wanted in names:
        return ok(_("{network} exists.").format(network=wanted))
    if not names:
        return fail(
            _("Project {project!r} has no networks, so {network!r} does not exist: is the project up?").format(
                project=project, network=wanted
            ),
            up_hint(project),
        )
    return fail(
        _("Project {project!r} has the networks {names}, but not {network!r}.").format(
            project=project, names=names, network=wanted
        ),
        _("check the project name (it prefixes every network) and the `networks:` section"),
    )


@kind("project_network_shared", N_("services {services} of {project} share the user-defined network {network}"))
def project_network_shared(
    ctx: CheckContext,
    *,
    project: str,
    network: str,
    services: list[str],
    reach_host: str | None = None,
    reach_port: int | None = None,
) -> Outcome:
    """Both services are attached to the network declared under `networks:`, and a name on it answers."""
    if not project_containers(ctx.api, project):
        return not_up(project)
    declared = [n for n in project_networks(ctx.api, project, network) if network != "default"]
    attached: dict[str, list[str]] = {}
    for service in services:
        container = ctx.service(project, service).container
        attached[service] = sorted(container.networks) if container else []
    if not declared:
        seen = sorted({n for names in attached.values() for n in names}) or [_("none")]
        return fail(
            _(
                "There is no network {network!r} in project {project} (its services are on {seen}): the default "
                "network is not a user-defined network of your own."
            ).format(network=network, project=project, seen=", ".join(seen)),
            _(
                "declare `networks: {{{network}: {{}}}}` at the top level and list `networks: [{network}]` under each "
                "service"
            ).format(network=network),
        )
    name = declared[0]["Name"]
    outside = [s for s, names in attached.items() if name not in names]
    if outside:
        return fail(
            ngettext(
                "{services} is not on {network} (on: {attached}).",
                "{services} are not on {network} (on: {attached}).",
                len(outside),
            ).format(services=", ".join(outside), network=name, attached=attached),
            _("add `networks: [{network}]` to every service that must talk").format(network=network),
        )
    if reach_host and reach_port:
        result = run_probe(
            ctx, ["sh", "-c", f"nc -w 3 {reach_host} {int(reach_port)} </dev/null"], network=name, timeout=15
        )
        if result.exit_code != 0:
            return fail(
                _("On {network}, {host}:{port} did not answer a connection ({output}).").format(
                    network=name,
                    host=reach_host,
                    port=reach_port,
                    output=result.output.strip()[-200:] or _("no output"),
                ),
                _("is the service named {host!r} running and listening on {port}?").format(
                    host=reach_host, port=reach_port
                ),
            )
    if reach_host:
        return ok(
            _("{services} are on {network}; {host}:{port} answers there.").format(
                services=", ".join(services), network=name, host=reach_host, port=reach_port
            )
        )
    return ok(_("{services} are on {network}.").format(services=", ".join(services), network=name))


@kind("reachability_matrix", N_("who reaches whom in {project}"), behaviour=True)
def reachability_matrix(
    ctx: CheckContext, *, project: str, probes: list[dict[str, Any]], path: str = "/", settle: float = 4.0
) -> Outcome:
    """Run every probe (from, to, port, reach) inside the `from` service's container and report every row.

    Both directions of the proof are needed: the pairs that must connect, and
    the pairs that must not (a negative says whether the name did not resolve
    or the connection was refused).
    """
    right: list[str] = []
    wrong: list[str] = []
    for probe in probes:
        source, target, port, must = probe["from"], probe["to"], int(probe["port"]), bool(probe.get("reach", True))
        arrow = f"{source} → {target}:{port}"
        found = ctx.service(project, source)
        if found.running is None:
            wrong.append(_("{arrow}: cannot test, {why}").format(arrow=arrow, why=found.why_not_running()))
            continue
        seen = reach_from_container(ctx, found.running.id, target, port, path, settle=settle if must else 0.0)
        verdict = (
            _("{arrow} connects").format(arrow=arrow)
            if seen.reached
            else _("{arrow} blocked ({reason})").format(arrow=arrow, reason=seen.reason)
        )
        if seen.reached == must:
            right.append(verdict)
        elif must:
            wrong.append(_("{verdict}, but it must connect").format(verdict=verdict))
        else:
            wrong.append(_("{verdict}, but it must be blocked").format(verdict=verdict))
    if wrong:
        message = (
            _("Reachability is wrong: {wrong}. (Right: {right}.)") if right else _("Reachability is wrong: {wrong}.")
        )
        return fail(
            message.format(wrong="; ".join(wrong), right="; ".join(right)),
            _(
                "two services reach each other only if they share a network; give each service only the networks it "
                "needs"
            ),
        )
    return ok("; ".join(right) + ".")
