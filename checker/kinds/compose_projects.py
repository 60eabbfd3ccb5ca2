"""Check kinds about a Compose project as a whole: start order, its networks, who reaches whom, restart, teardown.

Order is judged by timing and by what Compose was told: the dependency's health
transition (or exit) against the dependent's StartedAt, and the condition in the
dependent's depends_on label, since a timing can come out right by chance. Reachability is proved by exec inside
the services' containers, for the pairs that must connect and those that must not.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from checker.compose_project import compose_output, run_compose
from checker.context import CheckContext
from checker.facts.containers import Container
from checker.facts.http import wait_for_http
from checker.facts.services import project_containers, project_networks
from checker.facts.times import clock, parse_time
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.compose_services import not_running
from checker.labels import COMPOSE_CONFIG_FILES, COMPOSE_WORKING_DIR

# ---------------------------------------------------------------- start order


def _first_healthy_event(ctx: CheckContext, container_id: str, since: datetime) -> datetime | None:
    """The daemon's health_status: healthy event for the container (the daemon keeps only recent events)."""
    events = ctx.api.events(
        since=int(since.timestamp()) - 1,
        until=int(time.time()) + 1,
        filters={"container": container_id, "event": "health_status"},
        decode=True,
    )
    for event in events:
        if "healthy" in event.get("status", "") and "unhealthy" not in event.get("status", ""):
            return datetime.fromtimestamp(event["timeNano"] / 1e9, tz=timezone.utc)
    return None


def _healthy_order(ctx: CheckContext, dependent: Container, dependency: Container, after: str) -> Outcome:
    started, dep_started = dependent.started_at, dependency.started_at
    healthcheck = dependency.healthcheck
    if not healthcheck.get("Test"):
        return fail(
            f"{after} has no healthcheck, so Compose cannot wait for it to be healthy.",
            f"add a `healthcheck:` to {after}",
        )
    if started is None or dep_started is None:
        return fail(
            f"{after} was never started, so it never became healthy.",
            "`docker compose ps -a` and `docker compose logs` show why",
        )
    probes = [(parse_time(p.get("Start")), parse_time(p.get("End")), p.get("ExitCode")) for p in dependency.health.log]
    probes = [(s, e, code) for s, e, code in probes if s and e and s >= dep_started]
    healthy_at = min((e for _, e, code in probes if code == 0), default=None)
    covers_start = bool(probes) and min(s for s, _, _ in probes) <= started
    interval = (healthcheck.get("Interval") or 30_000_000_000) / 1e9
    first_probe_possible = dep_started.timestamp() + min(
        interval, (healthcheck.get("StartPeriod") or 0) / 1e9 + interval
    )
    if healthy_at is None or not covers_start:
        healthy_at = _first_healthy_event(ctx, dependency.id, dep_started) or healthy_at
    name = dependent.name
    long_form = f"use the long form: `depends_on: {{{after}: {{condition: service_healthy}}}}`"
    if healthy_at is not None and healthy_at <= started:
        return ok(
            f"{after} was healthy at {clock(healthy_at)}; {name} started at {clock(started)} "
            f"({(started - healthy_at).total_seconds():.2f} s later)."
        )
    if healthy_at is not None and (covers_start or started.timestamp() < first_probe_possible):
        return fail(
            f"{name} started at {clock(started)}, {(healthy_at - started).total_seconds():.2f} s BEFORE {after} became "
            f"healthy "
            f"(first healthy probe at {clock(healthy_at)}).",
            f"{long_form}; the short list only orders the starts",
        )
    if started.timestamp() < first_probe_possible:
        return fail(
            f"{name} started at {clock(started)}, before {after}'s first health probe could even run ({after} started "
            f"at {clock(dep_started)}).",
            long_form,
        )
    if dependent.depends_on.get(after) == "service_healthy":
        return ok(
            f"{name} started at {clock(started)} and declares service_healthy on {after} (its early health history has "
            f"rotated out)."
        )
    return fail(
        f"Cannot tell whether {after} was healthy before {name} started at {clock(started)}: "
        "the health history has rotated and no `service_healthy` condition is declared.",
        "declare `condition: service_healthy`, then `docker compose up -d --force-recreate` and check right away",
    )


def _completed_order(dependent: Container, dependency: Container, after: str) -> Outcome:
    started, finished, name = dependent.started_at, dependency.finished_at, dependent.name
    long_form = f"use `depends_on: {{{after}: {{condition: service_completed_successfully}}}}`"
    if dependency.running or finished is None:
        return fail(f"{after} has not finished ({dependency.status_line}), yet {name} is up.", long_form)
    if started is None:
        return fail(f"{name} was never started.")
    if dependency.exit_code != 0:
        return fail(
            f"{after} exited with code {dependency.exit_code}; {name} should not have started after a failed job.",
            f"fix {after}, and depend on it with `condition: service_completed_successfully`",
        )
    if finished > started:
        return fail(
            f"{name} started at {clock(started)}, {(finished - started).total_seconds():.2f} s BEFORE {after} finished "
            f"(at {clock(finished)}).",
            long_form.replace("use `", "use the long form: `"),
        )
    return ok(f"{after} finished at {clock(finished)} with code 0; {name} started at {clock(started)}.")


WAITS_FOR = {
    "service_started": "to start",
    "service_healthy": "to be healthy",
    "service_completed_successfully": "to finish successfully",
}


def _told_to_wait(ctx: CheckContext, project: str, dependent: Container, after: str, condition: str) -> bool:
    """Compose was told to start `dependent` only after `after` met the condition: directly, or through a chain
    (web waits for seed, which waits for redis to be healthy: redis was healthy before seed, so before web)."""
    seen: set[str] = set()
    todo = [dependent]
    while todo:
        container = todo.pop()
        declared = container.depends_on
        if declared.get(after) == condition:
            return True
        for name in set(declared) - seen - {after}:
            seen.add(name)
            found = ctx.service(project, name).container
            if found is not None:
                todo.append(found)
    return False


def _declared(
    ctx: CheckContext, project: str, dependent: Container, after: str, condition: str, timing: Outcome
) -> Outcome:
    """The timing verdict, but only if Compose was told to wait (its depends_on label): a job that exits in
    milliseconds usually finishes before web starts even with the short form, which only waits for the start."""
    declared = dependent.depends_on.get(after)
    if _told_to_wait(ctx, project, dependent, after, condition):
        return timing
    if declared is None:
        told = f"{dependent.name} does not depend on {after} at all, so Compose does not wait for it."
    else:
        short = f"`depends_on: [{after}]` (the short form) or `condition: service_started`"
        form = short if declared == "service_started" else f"`condition: {declared}`"
        told = (
            f"{dependent.name} waits only for {after} {WAITS_FOR.get(declared, declared)}: its depends_on says "
            f"{form}, not `condition: {condition}`."
        )
    seen = f"This time the order came out right by chance: {timing.message}" if timing.passed else timing.message
    return fail(
        f"{told} {seen}",
        f"use the long form: `depends_on: {{{after}: {{condition: {condition}}}}}`",
    )


@kind("compose_start_order", "service {service} started only after {after} was {condition}")
def compose_start_order(
    ctx: CheckContext, *, project: str, service: str, after: str, condition: str = "service_healthy"
) -> Outcome:
    """Timing and config: the dependency's health transition (or exit) against the dependent's StartedAt, and the
    condition Compose was told to wait for (a one-shot job often exits before web starts even with the short form)."""
    dependent = ctx.require_service(project, service)
    dependency = ctx.require_service(project, after)
    if dependent.started_at is None:
        # One cause, one message: a start the daemon refused (a port in use) is reported as the running check does.
        for refused in (dependent, dependency):
            if refused.start_error:
                return not_running(ctx, refused)
        return fail(
            f"{dependent.name} was never started: Compose gave up on a dependency.",
            "`docker compose up -d` prints why (e.g. a dependency without a healthcheck, or a job that failed)",
        )
    if condition == "service_healthy":
        return _declared(ctx, project, dependent, after, condition, _healthy_order(ctx, dependent, dependency, after))
    if condition == "service_completed_successfully":
        timing = _completed_order(dependent, dependency, after)
        return _declared(ctx, project, dependent, after, condition, timing)
    # `docker compose restart` restarts every service at once, so after one the start times no longer
    # show the order `up` used; what Compose was told (its depends_on label) does, and a recheck stays stable.
    if after not in dependent.depends_on:
        started, dep_started = dependent.started_at, dependency.started_at
        order = "before" if started is None or dep_started is None or started < dep_started else "after"
        return fail(
            f"{dependent.name} does not wait for {after} (it started {order} it this time, by chance).",
            f"add `depends_on: [{after}]`",
        )
    return ok(f"Compose starts {after} first (depends_on).")


# ---------------------------------------------------------------- behaviour, teardown


def _count(url: str, timeout: float) -> tuple[int | None, str]:
    """The number a counter answers with, or what it answered instead."""
    polled = wait_for_http(
        url,
        timeout=timeout,
        accept=lambda a: a.status == 200 and a.body.strip().isdigit(),
        interval=0.3,
        request_timeout=3,
    )
    if polled.ok:
        return int(polled.last.body.strip()), polled.last.body.strip()
    return None, polled.seen()


@kind(
    "compose_counter_survives_restart",
    "the counter on host port {port} counts and survives `docker compose restart`",
    behaviour=True,
)
def compose_counter_survives_restart(
    ctx: CheckContext,
    *,
    project: str,
    port: int,
    path: str = "/visits",
    minimum: int | None = None,
    restart: bool = True,
    timeout: float = 10.0,
) -> Outcome:
    """Two requests count up by one; after `docker compose restart` it keeps counting.

    The restart runs where the project was started (its working_dir label), as the learner would.
    """
    url = f"http://127.0.0.1:{port}{path}"
    containers = project_containers(ctx.api, project)
    if not any(c.running for c in containers):
        return fail(
            f"No container of project {project!r} is running, so nothing answers at {url}.",
            "start the project: `docker compose up -d`",
        )
    first, seen = _count(url, timeout)
    if first is None:
        return fail(
            f"{url} did not answer with a number within {timeout:g} s: {seen}.",
            "is the web service running, published on that port, and given REDIS_HOST?",
        )
    if minimum is not None and first < minimum:
        return fail(
            f"The counter answered {first}, expected at least {minimum}: the job that seeds it did not run before the "
            f"first visit.",
            "make web wait for the seed job to complete",
        )
    second, seen = _count(url, 5)
    if second != first + 1:
        return fail(
            f"The counter answered {first}, then {second if second is not None else seen}: it should count up by one "
            f"per visit."
        )
    if not restart:
        return ok(f"it counted {first} → {second}.")
    labels: dict[str, Any] = containers[0].labels if containers else {}
    workdir, files = labels.get(COMPOSE_WORKING_DIR), [f for f in labels.get(COMPOSE_CONFIG_FILES, "").split(",") if f]
    if not workdir or not Path(workdir).is_dir():
        return fail(
            f"Cannot find where project {project!r} was started, so cannot restart it.",
            "start it with `docker compose up -d` from its folder",
        )
    run = run_compose(
        [*(a for f in files for a in ("-f", f)), "restart"], cwd=Path(workdir), project=project, timeout=60
    )
    if run.returncode != 0:
        return fail(f"`docker compose restart` failed:\n{compose_output(run.output)}")
    third, seen = _count(url, timeout)
    if third is None:
        return fail(f"After `docker compose restart`, {url} did not answer within {timeout:g} s: {seen}.")
    if third != second + 1:
        return fail(
            f"Before `docker compose restart` the counter was at {second}; after it, {third}: the count was lost.",
            "keep redis's data in a volume mounted at /data",
        )
    return ok(f"it counted {first} → {second}, and after `docker compose restart` → {third}.")


@kind("compose_project_down", "project {project} is down: no containers, no default network")
def compose_project_down(ctx: CheckContext, *, project: str) -> Outcome:
    ctx.refresh()  # state changes between checks of one run (a `down` in between)
    containers = project_containers(ctx.api, project)
    networks = {n["Name"] for n in project_networks(ctx.api, project)}
    if ctx.network(f"{project}_default") is not None:
        networks.add(f"{project}_default")
    if containers:
        listing = ", ".join(f"{c.name} ({c.status_line})" for c in containers)
        return fail(
            f"The project's containers still exist: {listing}.",
            f"`docker compose -p {project} down` removes them; `stop` only stops them",
        )
    if networks:
        return fail(
            f"The containers are gone but the network(s) {sorted(networks)} remain.",
            f"`docker compose -p {project} down` also removes the project's networks",
        )
    return ok("no containers and no networks are left.")
