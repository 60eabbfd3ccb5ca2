"""Check kinds about one service of a Compose project: its container's state, config, ports, mounts, networks.

Every kind finds the service through the one lookup (`ctx.service`,
checker.facts.services): by Compose's labels, never by a guessed name.
"""

from __future__ import annotations

import time
import uuid

from checker.context import CheckContext, poll
from checker.facts.containers import Container
from checker.facts.logs import diagnosis, log_tail
from checker.facts.services import project_containers
from checker.facts.times import seconds_since
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.mounts import require_mount, volume_words
from checker.probes import exec_in, run_probe


def not_running(ctx: CheckContext, info: Container) -> Outcome:
    """A service container that is not up, in words: the same message wherever it is the cause."""
    return fail(
        f"{info.name} is {info.status_line}; last log lines:\n{log_tail(ctx, info.id)}",
        "`docker compose logs SERVICE` shows why; `docker compose up -d` starts it",
    )


@kind("compose_service_running", "service {service} of project {project} is running")
def compose_service_running(
    ctx: CheckContext, *, project: str, service: str, container_name: str | None = None, wait: float = 10.0
) -> Outcome:
    info = ctx.require_service(project, service)
    if container_name is not None and info.name != container_name:
        return fail(
            f"Its container is named {info.name!r}, not {container_name!r}.",
            f"add `container_name: {container_name}` to the service",
        )

    def running() -> bool:
        current = ctx.service(project, service).container
        return bool(current and current.up)

    if running() or poll(running, wait):
        return ok(f"{info.name} is running.")
    return not_running(ctx, ctx.service(project, service).container or info)


@kind("compose_service_config", "service {service} of project {project} is configured as asked")
def compose_service_config(
    ctx: CheckContext,
    *,
    project: str,
    service: str,
    entrypoint: list[str] | None = None,
    environment: dict[str, str] | None = None,
    restart: str | None = None,
    max_retries: int | None = None,
) -> Outcome:
    """What Compose turned the service into: Entrypoint, Env, RestartPolicy (read from the container)."""
    info = ctx.require_service(project, service)
    problems: list[tuple[str, str]] = []
    if entrypoint is not None and (info.entrypoint or []) != entrypoint:
        problems.append(
            (
                f"its entrypoint is {info.entrypoint!r}, expected {entrypoint!r}",
                f"add `entrypoint: {entrypoint}` to the service".replace("'", '"'),
            )
        )
    env = info.env
    for key, value in (environment or {}).items():
        if key not in env:
            problems.append((f"{key} is not set in its environment", f"add `{key}: {value}` under `environment:`"))
        elif env[key] != value:
            problems.append(
                (f"{key} is {env[key]!r}, expected {value!r}", f"set `{key}: {value}` under `environment:`")
            )
    policy = info.restart_policy
    if restart is not None and policy.name != restart:
        problems.append(
            (
                f"its restart policy is {policy.name!r}, expected {restart!r}",
                f"set `restart: {restart}`" + (f":{max_retries}" if max_retries else ""),
            )
        )
    elif restart is not None and max_retries is not None and policy.max_retries != max_retries:
        problems.append(
            (
                f"its restart policy retries {policy.max_retries} time(s), expected {max_retries} "
                "(the number after `on-failure:` is a retry limit, not an exit code)",
                f"set `restart: on-failure:{max_retries}`",
            )
        )
    if problems:
        return fail(f"In {info.name}, {'; '.join(p for p, _ in problems)}.", problems[0][1])
    return ok("as asked.")


@kind("compose_service_ports", "service {service} of project {project} publishes and exposes the right ports")
def compose_service_ports(
    ctx: CheckContext,
    *,
    project: str,
    service: str,
    published: dict[str, int] | None = None,
    exposed_only: list[int] | None = None,
) -> Outcome:
    """`published` maps container port → host port; `exposed_only` ports must be exposed and NOT published."""
    info = ctx.require_service(project, service)
    bindings = info.port_bindings

    def host_ports(container_port: str) -> list[int]:
        return sorted({int(b["HostPort"]) for b in bindings.get(f"{container_port}/tcp") or [] if b.get("HostPort")})

    seen = {k.split("/")[0]: [b.get("HostPort") for b in (v or [])] for k, v in bindings.items()}
    for container_port, host_port in (published or {}).items():
        actual = host_ports(str(container_port))
        if host_port not in actual:
            where = f"is published on host port(s) {actual}" if actual else "is not published"
            return fail(
                f"Container port {container_port} {where}, not on {host_port} (published: {seen or 'nothing'}).",
                f'use `ports: ["{host_port}:{container_port}"]`: one quoted string, HOST:CONTAINER, host first',
            )
    for port in exposed_only or []:
        if f"{port}/tcp" in bindings:
            live = sorted(
                {b.get("HostIp", "") + ":" + b.get("HostPort", "") for b in info.ports.get(f"{port}/tcp") or []}
            )
            actual = live or host_ports(str(port)) or ["a random port"]
            return fail(
                f"Port {port} is published to the host ({', '.join(map(str, actual))}); it should only be exposed.",
                "remove it from `ports:`; `expose:` documents a port and publishes nothing",
            )
        if str(port) not in info.exposed_ports:
            return fail(
                f"Port {port} is not exposed (exposed: {sorted(info.exposed_ports) or 'none'}).",
                f'add `expose: ["{port}"]` to the service',
            )
    shown = ", ".join(f"{h}→{c}" for c, h in (published or {}).items()) or "none"
    return ok(f"published: {shown}" + (f"; exposed only: {exposed_only}" if exposed_only else "") + ".")


@kind("compose_service_mount", "service {service} of project {project} mounts a {type} at {destination}")
def compose_service_mount(
    ctx: CheckContext,
    *,
    project: str,
    service: str,
    destination: str,
    type: str = "volume",  # noqa: A002
    source: str | None = None,
    read_only: bool | None = None,
) -> Outcome:
    """`source`: the volume's name for a volume, a path relative to the work folder for a bind."""
    info = ctx.require_service(project, service)
    mount = require_mount(
        info, destination, f'add `volumes: ["SOURCE:{destination}"]` to the service', f" in {info.name}"
    )
    if mount.type != type:
        what = "a named volume: `NAME:" if type == "volume" else "a host folder: `./FOLDER:"
        return fail(
            f"{destination} is a {mount.type} mount, not a {type} mount.",
            f"mount {what}{destination}` (and declare named volumes under top-level `volumes:`)",
        )
    if source is not None:
        expected = source if type == "volume" else str(ctx.path(source))
        actual = mount.name if type == "volume" else mount.source
        if actual != expected:
            return fail(
                f"{destination} comes from {actual!r}, expected {expected!r}.",
                "check the left side of the mount (SOURCE:TARGET, no spaces)",
            )
    if read_only is not None and mount.rw == read_only:
        return fail(
            f"{destination} is {'read-write' if mount.rw else 'read-only'}.",
            "append `:ro`" if read_only else "drop `:ro`",
        )
    return ok(f"{mount.origin} → {destination}.")


@kind("compose_service_healthy", "service {service} of project {project} is healthy")
def compose_service_healthy(ctx: CheckContext, *, project: str, service: str, wait: float = 20.0) -> Outcome:
    info = ctx.require_service(project, service)
    if not info.healthcheck.get("Test"):
        return fail(
            f"{info.name} has no healthcheck, so it can never be healthy.",
            "add `healthcheck:` with `test:`, `interval:` (1s) and `retries:` to the service",
        )

    def healthy() -> bool:
        current = ctx.service(project, service).container
        return bool(current and current.health.status == "healthy")

    if healthy() or poll(healthy, wait, interval=0.5):
        return ok(f"{info.name} is healthy.")
    info = ctx.service(project, service).container or info
    last = info.health.last_probe
    return fail(
        f"{info.name} is {info.health.status or info.status_line} after {wait:g} s; last probe exited "
        f"{last.get('ExitCode')}: "
        f"{str(last.get('Output', '')).strip()[:300]!r}",
        "run the healthcheck's command yourself with `docker exec CONTAINER …` to see why it fails",
    )


@kind("compose_service_exited", "service {service} of project {project} ran and exited with code {exit_code}")
def compose_service_exited(
    ctx: CheckContext,
    *,
    project: str,
    service: str,
    exit_code: int = 0,
    restarts: int | None = None,
    wait: float = 15.0,
) -> Outcome:
    """A one-shot job: it finished (after its restarts, if any) with the expected exit code."""
    info = ctx.require_service(project, service)

    def settled() -> bool:
        current = ctx.service(project, service).container
        enough = current is not None and (restarts is None or current.restart_count >= restarts)
        return bool(current and not current.running and not current.restarting and enough)

    poll(settled, wait, interval=0.3)
    info = ctx.service(project, service).container or info
    if info.running or info.restarting:
        return fail(
            f"{info.name} is still {info.status_line} after {wait:g} s (restarted {info.restart_count} time(s)).",
            "a one-shot job runs its command and exits; check its `restart:` policy",
        )
    if info.status == "created":
        return fail(
            f"{info.name} was created but never started.",
            "a dependency it waits for did not come up: `docker compose ps -a` shows which",
        )
    if info.exit_code != exit_code:
        return fail(
            f"{info.name} exited with code {info.exit_code}, expected {exit_code}. Last log "
            f"lines:\n{log_tail(ctx, info.id)}"
        )
    if restarts is not None and info.restart_count != restarts:
        return fail(
            f"{info.name} was restarted {info.restart_count} time(s) before giving up, expected {restarts}.",
            f"`restart: on-failure:{restarts}` retries {restarts} times; the number is a retry limit, not an exit code",
        )
    return ok(f"{info.name} exited with code {exit_code}" + (f" after {restarts} restart(s)." if restarts else "."))


# ---------------------------------------------------------------- the services of a project, together


def not_up(project: str) -> Outcome:
    return fail(
        f"Compose project {project!r} has no containers.",
        f"`docker compose up -d` in the project's folder (the project is named after the folder, or `-p {project}`)",
    )


def _settle(containers: list[Container], settle: float) -> None:
    """Wait until the project's youngest container has run `settle` s: a crash at start shows by then."""
    ages = [seconds_since(c.state.get("StartedAt")) for c in containers if c.running]
    known = [age for age in ages if age is not None]
    if known and min(known) < settle:
        time.sleep(settle - max(min(known), 0.0))


@kind("project_services_up", "Compose project {project} runs services {services}")
def project_services_up(
    ctx: CheckContext,
    *,
    project: str,
    services: list[str],
    service_images: dict[str, str] | None = None,
    wait: float = 10.0,
    settle: float = 2.0,
) -> Outcome:
    """Every listed service has a running container (polled, and up for `settle` s), from the image it should run."""

    def states() -> dict[str, str]:
        found = {}
        for name in services:
            containers = ctx.service(project, name).containers
            found[name] = (
                "running"
                if any(c.up for c in containers)
                else (containers[-1].status_line if containers else "missing")
            )
        return found

    if not all(v == "running" for v in states().values()):
        poll(lambda: all(v == "running" for v in states().values()), wait)
    _settle(project_containers(ctx.api, project), settle)
    seen = states()
    if not project_containers(ctx.api, project):
        return not_up(project)
    down = {s: v for s, v in seen.items() if v != "running"}
    if down:
        detail = "; ".join(f"{s} is {v}" for s, v in down.items())
        first = ctx.service(project, next(iter(down))).container
        more = "\n" + diagnosis(ctx, first.name) if first else ""
        return fail(
            f"Not every service is up: {detail}.{more}",
            "each service needs an entry under `services:`; `docker compose ps -a` and `docker compose logs SERVICE` "
            "say why one stopped",
        )
    for name, wanted in (service_images or {}).items():
        image = ctx.image(wanted)
        container = ctx.service(project, name).container
        if container and (image is None or container.image_id != image.id):
            return fail(
                f"Service {name} runs {container.image_name!r}, not the image {wanted!r}.",
                f"give the service `build: .` and `image: {wanted}` so Compose builds and names it",
            )
    return ok(f"{', '.join(services)} are running.")


@kind("project_volume_keeps_data", "service {service} of {project} keeps {destination} in the named volume {volume}")
def project_volume_keeps_data(
    ctx: CheckContext, *, project: str, service: str, volume: str, destination: str
) -> Outcome:
    """Named volume at `destination`, and data written there is seen by a new container: it outlives a recreate."""
    found = ctx.service(project, service)
    container = found.container
    if container is None:
        return (
            not_up(project)
            if not found.others
            else fail(f"Project {project} has no service {service!r}.", f"add `{service}:` under `services:`")
        )
    fix = (
        f"declare `volumes: {{{volume}: {{}}}}` at the top level "
        f"and mount it with `- {volume}:{destination}` under the service"
    )
    mount = require_mount(container, destination, fix, f" in {service}")
    if mount.type == "bind":
        return fail(
            f"{destination} in {service} is a bind mount of {mount.source}, not a named volume that Docker manages.",
            fix,
        )
    stored = ctx.volume(mount.name)
    if stored is None or stored.compose_volume != volume:
        return fail(f"{destination} in {service} is {volume_words(mount)}, not the named volume {volume!r}.", fix)
    if not container.running:
        return fail(f"Cannot write into {service}: {diagnosis(ctx, container.name)}", "the service must be running")
    token = uuid.uuid4().hex[:12]
    marker = f".course-volume-check-{token}"
    wrote = exec_in(ctx, container.name, f"printf %s {token} > {destination}/{marker}")
    if wrote.exit_code != 0:
        return fail(
            f"Could not write into {destination} inside {service}: {wrote.output.strip()[-200:]}",
            "is the mount read-only?",
        )
    try:
        probe = run_probe(
            ctx, ["cat", f"/probe/{marker}"], volumes={mount.name: {"bind": "/probe", "mode": "ro"}}, timeout=15
        )
    finally:
        exec_in(ctx, container.name, f"rm -f {destination}/{marker}")
    if probe.exit_code != 0 or token not in probe.output:
        return fail(
            f"A new container on volume {mount.name} did not see what {service} wrote to {destination}: "
            f"{probe.output.strip()[-200:]!r}.",
            fix,
        )
    return ok(f"{destination} lives in {mount.name}; a new container reads what {service} wrote.")
