"""Check kinds about Compose v2 projects: the file, the services' containers, order and behaviour.

A project's containers are found by the labels Compose puts on them
(com.docker.compose.project / .service), never by guessing names. Compose's
own `config` validates the learner's file, and its message is shown as is.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from checker.compose_project import project_containers, project_networks, run_compose
from checker.context import CheckContext, poll
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.containers import log_tail, parse_time, status_line

DEPENDS_ON_LABEL = "com.docker.compose.depends_on"
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
CONFIG_FILES_LABEL = "com.docker.compose.project.config_files"
_LOGRUS = re.compile(r'^time="[^"]*" level=(\w+) msg="(.*)"$')


# ---------------------------------------------------------------- helpers


def compose_output(text: str, limit: int = 1200) -> str:
    """Compose's own message, trimmed: logrus wrappers unwrapped, long output cut to its end."""
    lines = []
    for line in text.strip().splitlines():
        match = _LOGRUS.match(line.strip())
        lines.append(f"{match.group(1)}: {match.group(2)}" if match else line)
    joined = "\n".join(lines).strip()
    return joined if len(joined) <= limit else "…" + joined[-limit:]


def clock(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def no_service(ctx: CheckContext, project: str, service: str) -> Outcome:
    """Say what exists instead: other services of the project, or no project at all."""
    others = sorted({c["Config"]["Labels"].get("com.docker.compose.service", "?") for c in project_containers(ctx, project)})
    if others:
        return fail(
            f"Project {project!r} has no container for service {service!r} (its services: {', '.join(others)}).",
            f"name the service `{service}` under `services:` and run `docker compose up -d` again",
        )
    return fail(
        f"No container belongs to Compose project {project!r}.",
        f"put `name: {project}` at the top of compose.yaml (or pass `-p {project}`), then `docker compose up -d`",
    )


def service_container(ctx: CheckContext, project: str, service: str) -> dict[str, Any] | None:
    """The newest container of one service (Compose labels), or None."""
    found = project_containers(ctx, project, service)
    return found[-1] if found else None


def container_label(info: dict[str, Any]) -> str:
    return info["Name"].lstrip("/")


# ---------------------------------------------------------------- the file


@kind("compose_file_valid", "`docker compose config` accepts {path}")
def compose_file_valid(ctx: CheckContext, *, path: str, project: str, allow_warnings: bool = False) -> Outcome:
    """Compose's own validator; its error (or warning, e.g. the obsolete `version`) shown verbatim."""
    target = ctx.path(path)
    if not target.is_file():
        return fail(f"{path} does not exist yet.", "run the answer cell that writes it (`%%writefile …`)")
    run = run_compose(["-f", target.name, "config", "--quiet"], cwd=target.parent, project=project, timeout=30)
    if run.returncode is None:
        return fail("`docker compose config` did not finish within 30 s.", "try it yourself in a terminal")
    message = compose_output(run.output)
    if run.returncode != 0:
        return fail(f"Compose rejects the file:\n{message}", "fix what Compose names (the line or the key), then run the cell again")
    if message and not allow_warnings:
        return fail(f"Compose accepts the file but warns:\n{message}", "remove what the warning names (Compose v2 ignores a `version:` key: delete it)")
    return ok("Compose accepts it.")


DEPENDS_KEYS = ("depends_on", "depend_on")


def _duplicate_keys(node: Any) -> list[str]:
    """Keys given twice in one mapping (YAML loaders silently keep the last one)."""
    import yaml

    found: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    found.append(f"`{key.value}:` is given twice (line {key.start_mark.line + 1}); a key may appear only once")
                seen.add(key.value)
            found += _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found += _duplicate_keys(item)
    return found


def _self_dependencies(root: Any) -> list[str]:
    """Services listed in their own depends_on (every occurrence, even in a duplicated key)."""
    import yaml

    if not isinstance(root, yaml.MappingNode):
        return []
    services = next((v for k, v in root.value if getattr(k, "value", None) == "services"), None)
    found: list[str] = []
    for name, service in services.value if isinstance(services, yaml.MappingNode) else ():
        if not isinstance(service, yaml.MappingNode):
            continue
        for key, deps in service.value:
            if getattr(key, "value", None) not in DEPENDS_KEYS:
                continue
            if isinstance(deps, yaml.SequenceNode):
                names = [getattr(item, "value", None) for item in deps.value]
            elif isinstance(deps, yaml.MappingNode):
                names = [getattr(k, "value", None) for k, _ in deps.value]
            else:
                names = []
            if name.value in names and f"service `{name.value}` depends on itself" not in found:
                found.append(f"service `{name.value}` depends on itself")
    return found


@kind("compose_file_sound", "{path} has none of the listed mistakes")
def compose_file_sound(ctx: CheckContext, *, path: str, patterns: dict[str, str] | None = None) -> Outcome:
    """Name every remaining mistake at once (Compose stops at the first): patterns, duplicate keys, self-dependencies."""
    target = ctx.path(path)
    if not target.is_file():
        return fail(f"{path} does not exist yet.", "run the answer cell that writes it (`%%writefile …`)")
    text = target.read_text(encoding="utf-8", errors="replace")
    problems = [what for what, pattern in (patterns or {}).items() if re.search(pattern, text, re.MULTILINE)]
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        problems += _duplicate_keys(root) + _self_dependencies(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problems.append(f"the file is not valid YAML yet{where}, so duplicate keys and self-dependencies cannot be looked for")
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        return fail(f"{len(problems)} mistake(s) remain:\n{listing}", "fix them one by one; `docker compose config` names the first it meets")
    return ok("none of them remain.")


# ---------------------------------------------------------------- one service


@kind("compose_service_running", "service {service} of project {project} is running")
def compose_service_running(ctx: CheckContext, *, project: str, service: str, container_name: str | None = None, wait: float = 10.0) -> Outcome:
    info = service_container(ctx, project, service)
    if info is None:
        return no_service(ctx, project, service)
    name = container_label(info)
    if container_name is not None and name != container_name:
        return fail(f"Its container is named {name!r}, not {container_name!r}.", f"add `container_name: {container_name}` to the service")

    def running() -> bool:
        current = service_container(ctx, project, service)
        return bool(current and current["State"]["Running"] and not current["State"].get("Restarting"))

    if running() or poll(running, wait):
        return ok(f"{name} is running.")
    info = service_container(ctx, project, service) or info
    return fail(
        f"{name} is {status_line(info['State'])}; last log lines:\n{log_tail(ctx, info['Id'])}",
        "`docker compose logs SERVICE` shows why; `docker compose up -d` starts it",
    )


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
    info = service_container(ctx, project, service)
    if info is None:
        return no_service(ctx, project, service)
    problems: list[tuple[str, str]] = []
    if entrypoint is not None and (info["Config"].get("Entrypoint") or []) != entrypoint:
        actual = info["Config"].get("Entrypoint")
        problems.append((f"its entrypoint is {actual!r}, expected {entrypoint!r}", f"add `entrypoint: {entrypoint}` to the service".replace("'", '"')))
    if environment:
        env = dict(item.split("=", 1) for item in info["Config"].get("Env") or [] if "=" in item)
        for key, value in environment.items():
            if key not in env:
                problems.append((f"{key} is not set in its environment", f"add `{key}: {value}` under `environment:`"))
            elif env[key] != value:
                problems.append((f"{key} is {env[key]!r}, expected {value!r}", f"set `{key}: {value}` under `environment:`"))
    if restart is not None:
        policy = info["HostConfig"].get("RestartPolicy") or {}
        name = policy.get("Name") or "no"
        retries = policy.get("MaximumRetryCount") or 0
        if name != restart:
            problems.append((f"its restart policy is {name!r}, expected {restart!r}", f"set `restart: {restart}`" + (f":{max_retries}" if max_retries else "")))
        elif max_retries is not None and retries != max_retries:
            problems.append(
                (f"its restart policy retries {retries} time(s), expected {max_retries} (the number after `on-failure:` is a retry limit, not an exit code)", f"set `restart: on-failure:{max_retries}`")
            )
    if problems:
        message = "; ".join(p for p, _ in problems)
        return fail(f"In {container_label(info)}, {message}.", problems[0][1])
    return ok("as asked.")


@kind("compose_service_ports", "service {service} of project {project} publishes and exposes the right ports")
def compose_service_ports(ctx: CheckContext, *, project: str, service: str, published: dict[str, int] | None = None, exposed_only: list[int] | None = None) -> Outcome:
    """`published` maps container port → host port; `exposed_only` ports must be exposed and NOT published."""
    info = service_container(ctx, project, service)
    if info is None:
        return no_service(ctx, project, service)
    bindings = info["HostConfig"].get("PortBindings") or {}

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
    exposed = {k.split("/")[0] for k in (info["Config"].get("ExposedPorts") or {})}
    live = info["NetworkSettings"].get("Ports") or {}
    for port in exposed_only or []:
        if f"{port}/tcp" in bindings:
            actual = sorted({b.get("HostIp", "") + ":" + b.get("HostPort", "") for b in live.get(f"{port}/tcp") or []}) or host_ports(str(port)) or ["a random port"]
            return fail(
                f"Port {port} is published to the host ({', '.join(map(str, actual))}); it should only be exposed.",
                "remove it from `ports:`; `expose:` documents a port and publishes nothing",
            )
        if str(port) not in exposed:
            return fail(f"Port {port} is not exposed (exposed: {sorted(exposed) or 'none'}).", f'add `expose: ["{port}"]` to the service')
    return ok("published: " + (", ".join(f"{h}→{c}" for c, h in (published or {}).items()) or "none") + (f"; exposed only: {exposed_only}" if exposed_only else "") + ".")


@kind("compose_service_mount", "service {service} of project {project} mounts a {type} at {destination}")
def compose_service_mount(ctx: CheckContext, *, project: str, service: str, destination: str, type: str = "volume", source: str | None = None, read_only: bool | None = None) -> Outcome:  # noqa: A002
    """`source`: the volume's name for a volume, a path relative to the work folder for a bind."""
    info = service_container(ctx, project, service)
    if info is None:
        return no_service(ctx, project, service)
    mounts = {m["Destination"]: m for m in info.get("Mounts", [])}
    mount = mounts.get(destination)
    if mount is None:
        return fail(f"Nothing is mounted at {destination} in {container_label(info)} (mounts: {', '.join(mounts) or 'none'}).", f"add `volumes: [\"SOURCE:{destination}\"]` to the service")
    if mount["Type"] != type:
        what = "a named volume: `NAME:" if type == "volume" else "a host folder: `./FOLDER:"
        return fail(f"{destination} is a {mount['Type']} mount, not a {type} mount.", f"mount {what}{destination}` (and declare named volumes under top-level `volumes:`)")
    if source is not None:
        expected = source if type == "volume" else str(ctx.path(source))
        actual = mount.get("Name") if type == "volume" else mount.get("Source")
        if actual != expected:
            return fail(f"{destination} comes from {actual!r}, expected {expected!r}.", "check the left side of the mount (SOURCE:TARGET, no spaces)")
    if read_only is not None and mount["RW"] == read_only:
        return fail(f"{destination} is {'read-write' if mount['RW'] else 'read-only'}.", "append `:ro`" if read_only else "drop `:ro`")
    return ok(f"{mount.get('Name') or mount.get('Source')} → {destination}.")


@kind("compose_service_healthy", "service {service} of project {project} is healthy")
def compose_service_healthy(ctx: CheckContext, *, project: str, service: str, wait: float = 20.0) -> Outcome:
    info = service_container(ctx, project, service)
    if info is None:
        return no_service(ctx, project, service)
    if not (info["Config"].get("Healthcheck") or {}).get("Test"):
        return fail(f"{container_label(info)} has no healthcheck, so it can never be healthy.", "add `healthcheck:` with `test:`, `interval:` (1s) and `retries:` to the service")

    def healthy() -> bool:
        current = service_container(ctx, project, service)
        return bool(current and (current["State"].get("Health") or {}).get("Status") == "healthy")

    if healthy() or poll(healthy, wait, interval=0.5):
        return ok(f"{container_label(info)} is healthy.")
    info = service_container(ctx, project, service) or info
    health = info["State"].get("Health") or {}
    last = (health.get("Log") or [{}])[-1]
    return fail(
        f"{container_label(info)} is {health.get('Status', status_line(info['State']))} after {wait:g} s; last probe exited {last.get('ExitCode')}: {str(last.get('Output', '')).strip()[:300]!r}",
        "run the healthcheck's command yourself with `docker exec CONTAINER …` to see why it fails",
    )


@kind("compose_service_exited", "service {service} of project {project} ran and exited with code {exit_code}")
def compose_service_exited(ctx: CheckContext, *, project: str, service: str, exit_code: int = 0, restarts: int | None = None, wait: float = 15.0) -> Outcome:
    """A one-shot job: it finished (after its restarts, if any) with the expected exit code."""
    info = service_container(ctx, project, service)
    if info is None:
        return no_service(ctx, project, service)

    def settled() -> bool:
        current = service_container(ctx, project, service)
        if current is None:
            return False
        state = current["State"]
        enough = restarts is None or current.get("RestartCount", 0) >= restarts
        return not state["Running"] and not state.get("Restarting") and enough

    poll(settled, wait, interval=0.3)
    info = service_container(ctx, project, service) or info
    state, name = info["State"], container_label(info)
    if state["Running"] or state.get("Restarting"):
        return fail(f"{name} is still {status_line(state)} after {wait:g} s (restarted {info.get('RestartCount', 0)} time(s)).", "a one-shot job runs its command and exits; check its `restart:` policy")
    if state["Status"] == "created":
        return fail(f"{name} was created but never started.", "a dependency it waits for did not come up: `docker compose ps -a` shows which")
    if state["ExitCode"] != exit_code:
        return fail(f"{name} exited with code {state['ExitCode']}, expected {exit_code}. Last log lines:\n{log_tail(ctx, info['Id'])}")
    if restarts is not None and info.get("RestartCount", 0) != restarts:
        return fail(
            f"{name} was restarted {info.get('RestartCount', 0)} time(s) before giving up, expected {restarts}.",
            f"`restart: on-failure:{restarts}` retries {restarts} times; the number is a retry limit, not an exit code",
        )
    return ok(f"{name} exited with code {exit_code}" + (f" after {restarts} restart(s)." if restarts else "."))


# ---------------------------------------------------------------- order, behaviour, teardown


def _first_healthy_event(ctx: CheckContext, container_id: str, since: datetime) -> datetime | None:
    """The daemon's health_status: healthy event for the container (the daemon keeps only recent events)."""
    events = ctx.api.events(
        since=int(since.timestamp()) - 1, until=int(time.time()) + 1, filters={"container": container_id, "event": "health_status"}, decode=True
    )
    for event in events:
        if "healthy" in event.get("status", "") and "unhealthy" not in event.get("status", ""):
            return datetime.fromtimestamp(event["timeNano"] / 1e9, tz=timezone.utc)
    return None


def _healthy_order(ctx: CheckContext, dependent: dict[str, Any], dependency: dict[str, Any], after: str) -> Outcome:
    started = parse_time(dependent["State"]["StartedAt"])
    dep_started = parse_time(dependency["State"]["StartedAt"])
    healthcheck = dependency["Config"].get("Healthcheck") or {}
    if not healthcheck.get("Test"):
        return fail(f"{after} has no healthcheck, so Compose cannot wait for it to be healthy.", f"add a `healthcheck:` to {after}")
    if started is None or dep_started is None:
        return fail(f"{after} was never started, so it never became healthy.", "`docker compose ps -a` and `docker compose logs` show why")
    log = (dependency["State"].get("Health") or {}).get("Log") or []
    probes = [(parse_time(p["Start"]), parse_time(p["End"]), p.get("ExitCode")) for p in log]
    probes = [(s, e, code) for s, e, code in probes if s and e and s >= dep_started]
    healthy_at = min((e for _, e, code in probes if code == 0), default=None)
    covers_start = bool(probes) and min(s for s, _, _ in probes) <= started
    interval = (healthcheck.get("Interval") or 30_000_000_000) / 1e9
    first_probe_possible = dep_started.timestamp() + min(interval, (healthcheck.get("StartPeriod") or 0) / 1e9 + interval)
    if healthy_at is None or not covers_start:
        healthy_at = _first_healthy_event(ctx, dependency["Id"], dep_started) or healthy_at
    name = container_label(dependent)
    if healthy_at is not None and healthy_at <= started:
        return ok(f"{after} was healthy at {clock(healthy_at)}; {name} started at {clock(started)} ({(started - healthy_at).total_seconds():.2f} s later).")
    if healthy_at is not None and (covers_start or started.timestamp() < first_probe_possible):
        return fail(
            f"{name} started at {clock(started)}, {(healthy_at - started).total_seconds():.2f} s BEFORE {after} became healthy (first healthy probe at {clock(healthy_at)}).",
            f"use the long form: `depends_on: {{{after}: {{condition: service_healthy}}}}`; the short list only orders the starts",
        )
    if started.timestamp() < first_probe_possible:
        return fail(
            f"{name} started at {clock(started)}, before {after}'s first health probe could even run ({after} started at {clock(dep_started)}).",
            f"use the long form: `depends_on: {{{after}: {{condition: service_healthy}}}}`",
        )
    declared = dependent["Config"]["Labels"].get(DEPENDS_ON_LABEL, "")
    if f"{after}:service_healthy" in declared:
        return ok(f"{name} started at {clock(started)} and declares service_healthy on {after} (its early health history has rotated out).")
    return fail(
        f"Cannot tell whether {after} was healthy before {name} started at {clock(started)}: the health history has rotated and no `service_healthy` condition is declared.",
        "declare `condition: service_healthy`, then `docker compose up -d --force-recreate` and check right away",
    )


def _completed_order(dependent: dict[str, Any], dependency: dict[str, Any], after: str) -> Outcome:
    started = parse_time(dependent["State"]["StartedAt"])
    state = dependency["State"]
    finished = parse_time(state.get("FinishedAt", ""))
    name = container_label(dependent)
    if state["Running"] or finished is None:
        return fail(f"{after} has not finished ({status_line(state)}), yet {name} is up.", f"use `depends_on: {{{after}: {{condition: service_completed_successfully}}}}`")
    if started is None:
        return fail(f"{name} was never started.")
    if state["ExitCode"] != 0:
        return fail(f"{after} exited with code {state['ExitCode']}; {name} should not have started after a failed job.", f"fix {after}, and depend on it with `condition: service_completed_successfully`")
    if finished > started:
        return fail(
            f"{name} started at {clock(started)}, {(finished - started).total_seconds():.2f} s BEFORE {after} finished (at {clock(finished)}).",
            f"use the long form: `depends_on: {{{after}: {{condition: service_completed_successfully}}}}`",
        )
    return ok(f"{after} finished at {clock(finished)} with code 0; {name} started at {clock(started)}.")


@kind("compose_start_order", "service {service} started only after {after} was {condition}")
def compose_start_order(ctx: CheckContext, *, project: str, service: str, after: str, condition: str = "service_healthy") -> Outcome:
    """Timing, not config: the dependency's health transition (or exit) against the dependent's StartedAt."""
    dependent = service_container(ctx, project, service)
    if dependent is None:
        return no_service(ctx, project, service)
    dependency = service_container(ctx, project, after)
    if dependency is None:
        return no_service(ctx, project, after)
    if parse_time(dependent["State"]["StartedAt"]) is None:
        return fail(
            f"{container_label(dependent)} was never started: Compose gave up on a dependency.",
            "`docker compose up -d` prints why (e.g. a dependency without a healthcheck, or a job that failed)",
        )
    if condition == "service_healthy":
        return _healthy_order(ctx, dependent, dependency, after)
    if condition == "service_completed_successfully":
        return _completed_order(dependent, dependency, after)
    # `docker compose restart` restarts every service at once, so after one the start times no longer
    # show the order `up` used; what Compose was told (its depends_on label) does, and a recheck stays stable.
    declared = {entry.split(":", 1)[0] for entry in dependent["Config"]["Labels"].get(DEPENDS_ON_LABEL, "").split(",") if entry}
    started, dep_started = parse_time(dependent["State"]["StartedAt"]), parse_time(dependency["State"]["StartedAt"])
    if after not in declared:
        order = "before" if started is None or dep_started is None or started < dep_started else "after"
        return fail(f"{container_label(dependent)} does not wait for {after} (it started {order} it this time, by chance).", f"add `depends_on: [{after}]`")
    return ok(f"Compose starts {after} first (depends_on).")


def _get_number(url: str, timeout: float) -> tuple[int | None, str]:
    import requests

    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        try:
            response = requests.get(url, timeout=3)
            body = response.text.strip()
            if response.status_code == 200 and body.isdigit():
                return int(body), body
            last = f"it answered {response.status_code}: {body[:200]!r}"
        except requests.RequestException as exc:
            last = f"no answer ({type(exc).__name__})"
        if time.monotonic() >= deadline:
            return None, last
        time.sleep(0.3)


@kind("compose_counter_survives_restart", "the counter on host port {port} counts and survives `docker compose restart`", behaviour=True)
def compose_counter_survives_restart(ctx: CheckContext, *, project: str, port: int, path: str = "/visits", minimum: int | None = None, restart: bool = True, timeout: float = 10.0) -> Outcome:
    """Two requests count up by one; after `docker compose restart` (run where the project was started) it keeps counting."""
    url = f"http://127.0.0.1:{port}{path}"
    if not any(c["State"]["Running"] for c in project_containers(ctx, project)):
        return fail(f"No container of project {project!r} is running, so nothing answers at {url}.", "start the project: `docker compose up -d`")
    first, seen = _get_number(url, timeout)
    if first is None:
        return fail(f"{url} did not answer with a number within {timeout:g} s: {seen}.", "is the web service running, published on that port, and given REDIS_HOST?")
    if minimum is not None and first < minimum:
        return fail(f"The counter answered {first}, expected at least {minimum}: the job that seeds it did not run before the first visit.", "make web wait for the seed job to complete")
    second, seen = _get_number(url, 5)
    if second != first + 1:
        return fail(f"The counter answered {first}, then {second if second is not None else seen}: it should count up by one per visit.")
    if not restart:
        return ok(f"it counted {first} → {second}.")
    containers = project_containers(ctx, project)
    labels = containers[0]["Config"]["Labels"] if containers else {}
    workdir, files = labels.get(WORKING_DIR_LABEL), [f for f in labels.get(CONFIG_FILES_LABEL, "").split(",") if f]
    if not workdir or not Path(workdir).is_dir():
        return fail(f"Cannot find where project {project!r} was started, so cannot restart it.", "start it with `docker compose up -d` from its folder")
    run = run_compose([*(a for f in files for a in ("-f", f)), "restart"], cwd=Path(workdir), project=project, timeout=60)
    if run.returncode != 0:
        return fail(f"`docker compose restart` failed:\n{compose_output(run.output)}")
    third, seen = _get_number(url, timeout)
    if third is None:
        return fail(f"After `docker compose restart`, {url} did not answer within {timeout:g} s: {seen}.")
    if third != second + 1:
        return fail(f"Before `docker compose restart` the counter was at {second}; after it, {third}: the count was lost.", "keep redis's data in a volume mounted at /data")
    return ok(f"it counted {first} → {second}, and after `docker compose restart` → {third}.")


@kind("compose_project_down", "project {project} is down: no containers, no default network")
def compose_project_down(ctx: CheckContext, *, project: str) -> Outcome:
    ctx.refresh()  # state changes between checks of one run (a `down` in between)
    containers = project_containers(ctx, project)
    networks = {n["Name"] for n in project_networks(ctx, project)}
    if ctx.network(f"{project}_default") is not None:
        networks.add(f"{project}_default")
    if containers:
        listing = ", ".join(f"{container_label(c)} ({status_line(c['State'])})" for c in containers)
        return fail(f"The project's containers still exist: {listing}.", f"`docker compose -p {project} down` removes them; `stop` only stops them")
    if networks:
        return fail(f"The containers are gone but the network(s) {sorted(networks)} remain.", f"`docker compose -p {project} down` also removes the project's networks")
    return ok("no containers and no networks are left.")
