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
from checker.i18n import N_, _
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
            _("{after} has no healthcheck, so Compose cannot wait for it to be healthy.").format(after=after),
            _("add a `healthcheck:` to {after}").format(after=after),
        )
    if started is None or dep_started is None:
        return fail(
            _("{after} was never started, so it never became healthy.").format(after=after),
            _("`docker compose ps -a` and `docker compose logs` show why"),
        )
    probes = [(parse_time(p.get("Start")), parse_time(p.get("End")), p.get("ExitCode")) for p in dependency.health.log]
    probes = [(s, e, code) for s, e, code in probes if s and e and s >= dep_started]
    healthy_at = min((e for _start, e, code in probes if code == 0), default=None)
    covers_start = bool(probes) and min(s for s, _end, _code in probes) <= started
    interval = (healthcheck.get("Interval") or 30_000_000_000) / 1e9
    first_probe_possible = dep_started.timestamp() + min(
        interval, (healthcheck.get("StartPeriod") or 0) / 1e9 + interval
    )
    if healthy_at is None or not covers_start:
        healthy_at = _first_healthy_event(ctx, dependency.id, dep_started) or healthy_at
    name = dependent.name
    long_form = _("use the long form: `depends_on: {{{after}: {{condition: service_healthy}}}}`").format(after=after)
    if healthy_at is not None and healthy_at <= started:
        return ok(
            _("{after} was healthy at {healthy}; {name} started at {started} ({seconds:.2f} s later).").format(
                after=after,
                healthy=clock(healthy_at),
                name=name,
                started=clock(started),
                seconds=(started - healthy_at).total_seconds(),
            )
        )
    if healthy_at is not None and (covers_start or started.timestamp() < first_probe_possible):
        return fail(
            _(
                "{name} started at {started}, {seconds:.2f} s BEFORE {after} became healthy "
                "(first healthy probe at {healthy})."
            ).format(
                name=name,
                started=clock(started),
                seconds=(healthy_at - started).total_seconds(),
                after=after,
                healthy=clock(healthy_at),
            ),
            _("{long_form}; the short list only orders the starts").format(long_form=long_form),
        )
    if started.timestamp() < first_probe_possible:
        return fail(
            _(
                "{name} started at {started}, before {after}'s first health probe could even run "
                "({after} started at {dep_started})."
            ).format(name=name, started=clock(started), after=after, dep_started=clock(dep_started)),
            long_form,
        )
    if dependent.depends_on.get(after) == "service_healthy":
        return ok(
            _(
                "{name} started at {started} and declares service_healthy on {after} "
                "(its early health history has rotated out)."
            ).format(name=name, started=clock(started), after=after)
        )
    return fail(
        _(
            "Cannot tell whether {after} was healthy before {name} started at {started}: "
            "the health history has rotated and no `service_healthy` condition is declared."
        ).format(after=after, name=name, started=clock(started)),
        _("declare `condition: service_healthy`, then `docker compose up -d --force-recreate` and check right away"),
    )


def _completed_order(dependent: Container, dependency: Container, after: str) -> Outcome:
    started, finished, name = dependent.started_at, dependency.finished_at, dependent.name
    long_form = _("use `depends_on: {{{after}: {{condition: service_completed_successfully}}}}`").format(after=after)
    if dependency.running or finished is None:
        return fail(
            _("{after} has not finished ({status}), yet {name} is up.").format(
                after=after, status=dependency.status_line, name=name
            ),
            long_form,
        )
    if started is None:
        return fail(_("{name} was never started.").format(name=name))
    if dependency.exit_code != 0:
        return fail(
            _("{after} exited with code {code}; {name} should not have started after a failed job.").format(
                after=after, code=dependency.exit_code, name=name
            ),
            _("fix {after}, and depend on it with `condition: service_completed_successfully`").format(after=after),
        )
    if finished > started:
        return fail(
            _("{name} started at {started}, {seconds:.2f} s BEFORE {after} finished (at {finished}).").format(
                name=name,
                started=clock(started),
                seconds=(finished - started).total_seconds(),
                after=after,
                finished=clock(finished),
            ),
            _("use the long form: `depends_on: {{{after}: {{condition: service_completed_successfully}}}}`").format(
                after=after
            ),
        )
    return ok(
        _("{after} finished at {finished} with code 0; {name} started at {started}.").format(
            after=after, finished=clock(finished), name=name, started=clock(started)
        )
    )


# What a depends_on condition makes Compose wait for, said of the dependent (the condition's own word if unknown).
WAITS_FOR = {
    "service_started": N_(
        "{name} waits only for {after} to start: its depends_on says {form}, not `condition: {condition}`."
    ),
    "service_healthy": N_(
        "{name} waits only for {after} to be healthy: its depends_on says {form}, not `condition: {condition}`."
    ),
    "service_completed_successfully": N_(
        "{name} waits only for {after} to finish successfully: its depends_on says {form}, "
        "not `condition: {condition}`."
    ),
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
        told = _("{name} does not depend on {after} at all, so Compose does not wait for it.").format(
            name=dependent.name, after=after
        )
    else:
        short = _("`depends_on: [{after}]` (the short form) or `condition: service_started`").format(after=after)
        form = short if declared == "service_started" else f"`condition: {declared}`"
        template = (
            _(WAITS_FOR[declared])
            if declared in WAITS_FOR
            else _(
                "{name} waits only for {after} {declared}: its depends_on says {form}, not `condition: {condition}`."
            )
        )
        told = template.format(name=dependent.name, after=after, declared=declared, form=form, condition=condition)
    seen = (
        _("This time the order came out right by chance: {message}").format(message=timing.message)
        if timing.passed
        else timing.message
    )
    return fail(
        f"{told} {seen}",
        _("use the long form: `depends_on: {{{after}: {{condition: {condition}}}}}`").format(
            after=after, condition=condition
        ),
    )


@kind("compose_start_order", N_("service {service} started only after {after} was {condition}"))
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
            _("{name} was never started: Compose gave up on a dependency.").format(name=dependent.name),
            _("`docker compose up -d` prints why (e.g. a dependency without a healthcheck, or a job that failed)"),
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
        before = started is None or dep_started is None or started < dep_started
        said = (
            _("{name} does not wait for {after} (it started before it this time, by chance).")
            if before
            else _("{name} does not wait for {after} (it started after it this time, by chance).")
        )
        return fail(said.format(name=dependent.name, after=after), _("add `depends_on: [{after}]`").format(after=after))
    return ok(_("Compose starts {after} first (depends_on).").format(after=after))


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
    N_("the counter on host port {port} counts and survives `docker compose restart`"),
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
            _("No container of project {project!r} is running, so nothing answers at {url}.").format(
                project=project, url=url
            ),
            _("start the project: `docker compose up -d`"),
        )
    first, seen = _count(url, timeout)
    if first is None:
        return fail(
            _("{url} did not answer with a number within {timeout:g} s: {seen}.").format(
                url=url, timeout=timeout, seen=seen
            ),
            _("is the web service running, published on that port, and given REDIS_HOST?"),
        )
    if minimum is not None and first < minimum:
        return fail(
            _(
                "The counter answered {first}, expected at least {minimum}: the job that seeds it did not run before "
                "the first visit."
            ).format(first=first, minimum=minimum),
            _("make web wait for the seed job to complete"),
        )
    second, seen = _count(url, 5)
    if second != first + 1:
        return fail(
            _("The counter answered {first}, then {second}: it should count up by one per visit.").format(
                first=first, second=second if second is not None else seen
            )
        )
    if not restart:
        return ok(_("it counted {first} → {second}.").format(first=first, second=second))
    labels: dict[str, Any] = containers[0].labels if containers else {}
    workdir, files = labels.get(COMPOSE_WORKING_DIR), [f for f in labels.get(COMPOSE_CONFIG_FILES, "").split(",") if f]
    if not workdir or not Path(workdir).is_dir():
        return fail(
            _("Cannot find where project {project!r} was started, so cannot restart it.").format(project=project),
            _("start it with `docker compose up -d` from its folder"),
        )
    run = run_compose(
        [*(a for f in files for a in ("-f", f)), "restart"], cwd=Path(workdir), project=project, timeout=60
    )
    if run.returncode != 0:
        return fail(_("`docker compose restart` failed:\n{output}").format(output=compose_output(run.output)))
    third, seen = _count(url, timeout)
    if third is None:
        return fail(
            _("After `docker compose restart`, {url} did not answer within {timeout:g} s: {seen}.").format(
                url=url, timeout=timeout, seen=seen
            )
        )
    if third != second + 1:
        return fail(
            _(
                "Before `docker compose restart` the counter was at {second}; after it, {third}: the count was lost."
            ).format(second=second, third=third),
            _("keep redis's data in a volume mounted at /data"),
        )
    return ok(
        _("it counted {first} → {second}, and after `docker compose restart` → {third}.").format(
            first=first, second=second, third=third
        )
    )


@kind("compose_project_down", N_("project {project} is down: no containers, no default network"))
def compose_project_down(ctx: CheckContext, *, project: str) -> Outcome:
    ctx.refresh()  # state changes between checks of one run (a `down` in between)
    containers = project_containers(ctx.api, project)
    networks = {n["Name"] for n in project_networks(ctx.api, project)}
    if ctx.network(f"{project}_default") is not None:
        networks.add(f"{project}_default")
    if containers:
        listing = ", ".join(f"{c.name} ({c.status_line})" for c in containers)
        return fail(
            _("The project's containers still exist: {listing}.").format(listing=listing),
            _("`docker compose -p {project} down` removes them; `stop` only stops them").format(project=project),
        )
    if networks:
        return fail(
            _("The containers are gone but the network(s) {networks} remain.").format(networks=sorted(networks)),
            _("`docker compose -p {project} down` also removes the project's networks").format(project=project),
        )
    return ok(_("no containers and no networks are left."))
