"""Check kinds about one service of a Compose project: its container's state, config, ports, mounts, networks.

Every kind finds the service through the one lookup (`ctx.service`,
checker.facts.services): by Compose's labels, never by a guessed name.
"""

from __future__ import annotations

from checker.context import CheckContext, poll
from checker.facts.containers import Container
from checker.facts.logs import log_tail
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.mounts import require_mount


def not_running(ctx: CheckContext, info: Container) -> Outcome:
    """A service container that is not up, in words: the same message wherever it is the cause."""
    return fail(
        _("{name} is {status}; last log lines:\n{logs}").format(
            name=info.name, status=info.status_line, logs=log_tail(ctx, info.id)
        ),
        _("`docker compose logs SERVICE` shows why; `docker compose up -d` starts it"),
    )


@kind("compose_service_running", N_("service {service} of project {project} is running"))
def compose_service_running(
    ctx: CheckContext, *, project: str, service: str, container_name: str | None = None, wait: float = 10.0
) -> Outcome:
    info = ctx.require_service(project, service)
    if container_name is not None and info.name != container_name:
        return fail(
            _("Its container is named {name!r}, not {wanted!r}.").format(name=info.name, wanted=container_name),
            _("add `container_name: {wanted}` to the service").format(wanted=container_name),
        )

    def running() -> bool:
        current = ctx.service(project, service).container
        return bool(current and current.up)

    if running() or poll(running, wait):
        return ok(_("{name} is running.").format(name=info.name))
    return not_running(ctx, ctx.service(project, service).container or info)


@kind("compose_service_config", N_("service {service} of project {project} is configured as asked"))
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
                _("its entrypoint is {actual!r}, expected {wanted!r}").format(
                    actual=info.entrypoint, wanted=entrypoint
                ),
                _("add `entrypoint: {wanted}` to the service").format(wanted=str(entrypoint).replace("'", '"')),
            )
        )
    env = info.env
    for key, value in (environment or {}).items():
        if key not in env:
            problems.append(
                (
                    _("{key} is not set in its environment").format(key=key),
                    _("add `{key}: {value}` under `environment:`").format(key=key, value=value),
                )
            )
        elif env[key] != value:
            problems.append(
                (
                    _("{key} is {actual!r}, expected {wanted!r}").format(key=key, actual=env[key], wanted=value),
                    _("set `{key}: {value}` under `environment:`").format(key=key, value=value),
                )
            )
    policy = info.restart_policy
    if restart is not None and policy.name != restart:
        problems.append(
            (
                _("its restart policy is {actual!r}, expected {wanted!r}").format(actual=policy.name, wanted=restart),
                (_("set `restart: {restart}`:{max_retries}") if max_retries else _("set `restart: {restart}`")).format(
                    restart=restart, max_retries=max_retries
                ),
            )
        )
    elif restart is not None and max_retries is not None and policy.max_retries != max_retries:
        problems.append(
            (
                _(
                    "its restart policy retries {actual} time(s), expected {wanted} "
                    "(the number after `on-failure:` is a retry limit, not an exit code)"
                ).format(actual=policy.max_retries, wanted=max_retries),
                _("set `restart: on-failure:{wanted}`").format(wanted=max_retries),
            )
        )
    if problems:
        said = "; ".join(problem for problem, _hint in problems)
        return fail(_("In {name}, {problems}.").format(name=info.name, problems=said), problems[0][1])
    return ok(_("as asked."))


@kind("compose_service_ports", N_("service {service} of project {project} publishes and exposes the right ports"))
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
            where = (
                _("Container port {port} is published on host port(s) {actual}, not on {wanted} (published: {seen}).")
                if actual
                else _("Container port {port} is not published, not on {wanted} (published: {seen}).")
            )
            return fail(
                where.format(port=container_port, actual=actual, wanted=host_port, seen=seen or _("nothing")),
                _('use `ports: ["{host}:{container}"]`: one quoted string, HOST:CONTAINER, host first').format(
                    host=host_port, container=container_port
                ),
            )
    for port in exposed_only or []:
        if f"{port}/tcp" in bindings:
            live = sorted(
                {b.get("HostIp", "") + ":" + b.get("HostPort", "") for b in info.ports.get(f"{port}/tcp") or []}
            )
            actual = live or host_ports(str(port)) or [_("a random port")]
            return fail(
                _("Port {port} is published to the host ({actual}); it should only be exposed.").format(
                    port=port, actual=", ".join(map(str, actual))
                ),
                _("remove it from `ports:`; `expose:` documents a port and publishes nothing"),
            )
        if str(port) not in info.exposed_ports:
            return fail(
                _("Port {port} is not exposed (exposed: {exposed}).").format(
                    port=port, exposed=sorted(info.exposed_ports) or _("none")
                ),
                _('add `expose: ["{port}"]` to the service').format(port=port),
            )
    shown = ", ".join(f"{h}→{c}" for c, h in (published or {}).items()) or _("none")
    if exposed_only:
        return ok(_("published: {shown}; exposed only: {exposed}.").format(shown=shown, exposed=exposed_only))
    return ok(_("published: {shown}.").format(shown=shown))


@kind("compose_service_mount", N_("service {service} of project {project} mounts a {type} at {destination}"))
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
        info,
        destination,
        _('add `volumes: ["SOURCE:{destination}"]` to the service').format(destination=destination),
        _(" in {name}").format(name=info.name),
    )
    if mount.type != type:
        what = (
            _("mount a named volume: `NAME:{destination}` (and declare named volumes under top-level `volumes:`)")
            if type == "volume"
            else _(
                "mount a host folder: `./FOLDER:{destination}` (and declare named volumes under top-level `volumes:`)"
            )
        )
        return fail(
            _("{destination} is a {actual} mount, not a {wanted} mount.").format(
                destination=destination, actual=mount.type, wanted=type
            ),
            what.format(destination=destination),
        )
    if source is not None:
        expected = source if type == "volume" else str(ctx.path(source))
        actual = mount.name if type == "volume" else mount.source
        if actual != expected:
            return fail(
                _("{destination} comes from {actual!r}, expected {wanted!r}.").format(
                    destination=destination, actual=actual, wanted=expected
                ),
                _("check the left side of the mount (SOURCE:TARGET, no spaces)"),
            )
    if read_only is not None and mount.rw == read_only:
        state = _("{destination} is read-write.") if mount.rw else _("{destination} is read-only.")
        return fail(state.format(destination=destination), _("append `:ro`") if read_only else _("drop `:ro`"))
    return ok(f"{mount.origin} → {destination}.")


@kind("compose_service_healthy", N_("service {service} of project {project} is healthy"))
def compose_service_healthy(ctx: CheckContext, *, project: str, service: str, wait: float = 20.0) -> Outcome:
    info = ctx.require_service(project, service)
    if not info.healthcheck.get("Test"):
        return fail(
            _("{name} has no healthcheck, so it can never be healthy.").format(name=info.name),
            _("add `healthcheck:` with `test:`, `interval:` (1s) and `retries:` to the service"),
        )

    def healthy() -> bool:
        current = ctx.service(project, service).container
        return bool(current and current.health.status == "healthy")

    if healthy() or poll(healthy, wait, interval=0.5):
        return ok(_("{name} is healthy.").format(name=info.name))
    info = ctx.service(project, service).container or info
    last = info.health.last_probe
    return fail(
        _("{name} is {status} after {wait:g} s; last probe exited {code}: {output!r}").format(
            name=info.name,
            status=info.health.status or info.status_line,
            wait=wait,
            code=last.get("ExitCode"),
            output=str(last.get("Output", "")).strip()[:300],
        ),
        _("run the healthcheck's command yourself with `docker exec CONTAINER …` to see why it fails"),
    )


@kind("compose_service_exited", N_("service {service} of project {project} ran and exited with code {exit_code}"))
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
            _("{name} is still {status} after {wait:g} s (restarted {count} time(s)).").format(
                name=info.name, status=info.status_line, wait=wait, count=info.restart_count
            ),
            _("a one-shot job runs its command and exits; check its `restart:` policy"),
        )
    if info.status == "created":
        return fail(
            _("{name} was created but never started.").format(name=info.name),
            _("a dependency it waits for did not come up: `docker compose ps -a` shows which"),
        )
    if info.exit_code != exit_code:
        return fail(
            _("{name} exited with code {code}, expected {wanted}. Last log lines:\n{logs}").format(
                name=info.name, code=info.exit_code, wanted=exit_code, logs=log_tail(ctx, info.id)
            )
        )
    if restarts is not None and info.restart_count != restarts:
        return fail(
            _("{name} was restarted {count} time(s) before giving up, expected {wanted}.").format(
                name=info.name, count=info.restart_count, wanted=restarts
            ),
            _(
                "`restart: on-failure:{wanted}` retries {wanted} times; the number is a retry limit, not an exit code"
            ).format(wanted=restarts),
        )
    if restarts:
        return ok(
            _("{name} exited with code {code} after {restarts} restart(s).").format(
                name=info.name, code=exit_code, restarts=restarts
            )
        )
    return ok(_("{name} exited with code {code}.").format(name=info.name, code=exit_code))


# ---------------------------------------------------------------- the services of a project, together


def not_up(project: str) -> Outcome:
    return fail(
        _("Compose project {project!r} has no containers.").format(project=project),
        _(
            "`docker compose up -d` in the project's folder (the project is named after the folder, or `-p {project}`)"
        ).format(project=project),
    )
