"""Check kinds about one container: existence, state, image, logs, config and exec."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

from checker.context import CheckContext, poll
from checker.kinds import Outcome, fail, kind, ok


def missing(name: str) -> Outcome:
    return fail(f"There is no container named {name!r}.", f"`docker ps -a` lists your containers; did you pass `--name {name}`?")


def log_tail(ctx: CheckContext, name: str, lines: int = 5) -> str:
    raw = ctx.api.logs(name, stdout=True, stderr=True, tail=lines)
    text = raw.decode(errors="replace").strip()
    return text or "(no output)"


def status_line(state: dict[str, Any]) -> str:
    """The state in words, including why a start failed (the daemon keeps that in State.Error)."""
    status = state.get("Status", "unknown")
    error = (state.get("Error") or "").strip()
    if error and status in ("created", "exited", "dead"):
        from checker.errors import explain_daemon_message

        return f"{status}, and its start failed: {explain_daemon_message(error)}"
    if status == "exited":
        return f"exited with code {state.get('ExitCode')}"
    if status == "restarting":
        return f"restarting (it keeps crashing; exit code {state.get('ExitCode')})"
    return status


def diagnosis(ctx: CheckContext, name: str) -> str:
    """Status plus the last log lines: what a learner needs to see why a container is not ready."""
    info = ctx.container(name)
    if info is None:
        return f"no container named {name!r}"
    return f"it is {status_line(info['State'])}; last log lines:\n{log_tail(ctx, name)}"


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def parse_time(stamp: str) -> datetime | None:
    """Docker's RFC 3339 timestamps (nanoseconds) as aware datetimes; None for the zero time."""
    match = _STAMP.match(stamp or "")
    if not match or stamp.startswith("0001-"):
        return None
    base, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(f"{base}.{(fraction or '0')[:6].ljust(6, '0')}{zone}")


def seconds_since(stamp: str) -> float | None:
    """How long ago a Docker timestamp was (a container's StartedAt, an image's Created); None if never."""
    moment = parse_time(stamp)
    return None if moment is None else (datetime.now(timezone.utc) - moment).total_seconds()


@kind("container_exists", "container {container} exists")
def container_exists(ctx: CheckContext, *, container: str) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    return ok(f"found ({status_line(info['State'])}).")


@kind("container_running", "container {container} is running")
def container_running(ctx: CheckContext, *, container: str, wait: float = 0.0) -> Outcome:
    def running() -> bool:
        ctx.refresh()
        info = ctx.container(container)
        return bool(info and info["State"]["Running"] and not info["State"].get("Restarting"))

    if ctx.container(container) is None:
        return missing(container)
    if running() or (wait and poll(running, wait)):
        crash = crash_looping(ctx, container)
        if crash is None:
            return ok("it is running.")
        return crash
    return fail(
        f"It is not running: {diagnosis(ctx, container)}",
        "start it detached with `-d`; if it exits at once, its logs (`docker logs NAME`) say why",
    )


def crash_looping(ctx: CheckContext, name: str, settle: float = 1.5) -> Outcome | None:
    """A container that restarted before may be crash-looping: look again after `settle` seconds.
    So may one with a restart policy that started only just now and has not had time to crash."""
    before = ctx.container(name)
    if not before:
        return None
    policy = ((before.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or "no"
    age = seconds_since(before["State"].get("StartedAt") or "")
    just_started = policy != "no" and age is not None and age < settle
    if not before.get("RestartCount") and not just_started:
        return None
    time.sleep(settle)
    ctx.refresh()
    after = ctx.container(name)
    if after and after["State"]["Running"] and after["RestartCount"] == before["RestartCount"]:
        return None
    count = after["RestartCount"] if after else before["RestartCount"]
    return fail(
        f"It keeps crashing: restarted {count} times so far; last log lines:\n{log_tail(ctx, name)}",
        "read the logs (`docker logs NAME`) to see why its command exits",
    )


@kind("container_exited", "container {container} ran and exited with code {exit_code}")
def container_exited(ctx: CheckContext, *, container: str, exit_code: int = 0) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    state = info["State"]
    if state["Running"]:
        return fail("It is still running; this one should run its command and exit.", "run it without `-d` and without a long-running command")
    if state["Status"] == "created":
        return fail("It was created but never started.", "`docker start NAME`, or use `docker run` which creates and starts")
    if state["ExitCode"] != exit_code:
        return fail(f"It exited with code {state['ExitCode']}, expected {exit_code}. Last log lines:\n{log_tail(ctx, container)}")
    return ok(f"it exited with code {exit_code}.")


@kind("container_state", "container {container} is {status}")
def container_state(ctx: CheckContext, *, container: str, status: str) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    actual = info["State"]["Status"]
    if actual != status:
        return fail(f"It is {status_line(info['State'])}, expected {status}.")
    return ok(f"it is {status}.")


@kind("container_image", "container {container} runs image {image}")
def container_image(ctx: CheckContext, *, container: str, image: str) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    wanted = ctx.image(image)
    if wanted is None:
        return fail(f"The image {image!r} is not on this machine.", "run `python -m course images` to provision the course's images")
    if info["Image"] != wanted["Id"]:
        return fail(f"It runs {info['Config']['Image']!r}, not {image!r}.", f"create it from `{image}`")
    return ok(f"it runs {image}.")


@kind("logs_contain", "the logs of {container} contain {text!r}")
def logs_contain(ctx: CheckContext, *, container: str, text: str, wait: float = 0.0) -> Outcome:
    if ctx.container(container) is None:
        return missing(container)

    def found() -> bool:
        return text in ctx.api.logs(container, stdout=True, stderr=True).decode(errors="replace")

    if found() or (wait and poll(found, wait)):
        return ok(f"found {text!r}.")
    return fail(f"Its logs do not contain {text!r}. Last log lines:\n{log_tail(ctx, container)}", "check the exact text your command prints")


@kind("port_publishes", "container {container} publishes container port {container_port} on host port {host_port}")
def port_publishes(ctx: CheckContext, *, container: str, container_port: int, host_port: int, protocol: str = "tcp") -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    key = f"{container_port}/{protocol}"
    bindings = (info["HostConfig"].get("PortBindings") or {}).get(key) or []
    live = ((info.get("NetworkSettings") or {}).get("Ports") or {}).get(key) or []
    host_ports = sorted({int(b["HostPort"]) for b in [*bindings, *live] if b.get("HostPort")})
    if host_port in host_ports:
        return ok(f"host port {host_port} → container port {container_port}.")
    published = {k: [b.get("HostPort") for b in (v or [])] for k, v in (info["HostConfig"].get("PortBindings") or {}).items()}
    if host_ports:
        chosen = " (`-p CONTAINER` alone lets Docker pick a random host port)" if bindings and not any(b.get("HostPort") for b in bindings) else ""
        return fail(f"Container port {container_port} is published on host port(s) {host_ports}, not {host_port}{chosen}.", f"use `-p {host_port}:{container_port}` (HOST:CONTAINER, host first)")
    if published:
        return fail(f"Container port {container_port} is not published; published: {published}.", f"use `-p {host_port}:{container_port}` (HOST:CONTAINER, host first)")
    return fail("No port is published.", f"add `-p {host_port}:{container_port}`; EXPOSE alone publishes nothing")


@kind("mount_is_bind", "container {container} bind-mounts a host folder at {destination}")
def mount_is_bind(ctx: CheckContext, *, container: str, destination: str, source: str | None = None, read_only: bool | None = None) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    mounts = {m["Destination"]: m for m in info.get("Mounts", [])}
    mount = mounts.get(destination)
    if mount is None:
        found = ", ".join(mounts) or "none"
        return fail(f"Nothing is mounted at {destination} (mounts: {found}).", f'add `-v "$PWD/FOLDER":{destination}`')
    if mount["Type"] != "bind":
        return fail(f"{destination} is a {mount['Type']} mount, not a bind mount of a host folder.", "give the host side as an absolute path, e.g. \"$PWD/site\"")
    if source is not None and mount["Source"] != str(ctx.path(source)):
        return fail(f"{destination} is bound to {mount['Source']}, expected {ctx.path(source)}.", f'bind `"$PWD/{source}"`')
    if read_only is not None and mount["RW"] == read_only:
        return fail(f"The mount is {'read-write' if mount['RW'] else 'read-only'}.", "add `:ro`" if read_only else "drop `:ro`")
    return ok(f"{mount['Source']} → {destination}.")


@kind("container_env", "container {container} has {variable}={value}")
def container_env(ctx: CheckContext, *, container: str, variable: str, value: str) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    env = dict(item.split("=", 1) for item in info["Config"].get("Env") or [] if "=" in item)
    if variable not in env:
        return fail(f"{variable} is not set.", f"pass `-e {variable}={value}`")
    if env[variable] != value:
        return fail(f"{variable} is {env[variable]!r}, expected {value!r}.")
    return ok(f"{variable}={value}.")


@kind("restart_policy", "container {container} has restart policy {policy}")
def restart_policy(ctx: CheckContext, *, container: str, policy: str, max_retries: int | None = None) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    actual = info["HostConfig"].get("RestartPolicy") or {}
    name = actual.get("Name") or "no"
    if name != policy:
        return fail(f"Its restart policy is {name!r}, expected {policy!r}.", f"use `--restart {policy}`")
    if max_retries is not None and actual.get("MaximumRetryCount") != max_retries:
        return fail(f"It retries {actual.get('MaximumRetryCount')} times, expected {max_retries}.", f"use `--restart {policy}:{max_retries}`")
    return ok(f"{policy}.")


@kind("auto_remove", "container {container} removes itself when it stops (--rm)")
def auto_remove(ctx: CheckContext, *, container: str) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    if not info["HostConfig"].get("AutoRemove"):
        return fail("It will stay behind after it stops.", "add `--rm`")
    return ok("AutoRemove is on.")


@kind("exec_output", "`{command}` inside {container} prints {contains!r}", behaviour=True)
def exec_output(ctx: CheckContext, *, container: str, command: list[str] | str, contains: str, exit_code: int = 0) -> Outcome:
    info = ctx.container(container)
    if info is None:
        return missing(container)
    if not info["State"]["Running"]:
        return fail(f"Cannot exec into it: {diagnosis(ctx, container)}", "exec needs a running container")
    result = ctx.client.containers.get(container).exec_run(command, stdout=True, stderr=True)
    output = result.output.decode(errors="replace")
    if result.exit_code != exit_code:
        return fail(f"`{command}` exited with {result.exit_code}: {output.strip()[-300:]}")
    if contains not in output:
        return fail(f"`{command}` printed {output.strip()[-300:]!r}, which lacks {contains!r}.")
    return ok(f"found {contains!r}.")


@kind("container_absent", "container {container} is gone")
def container_absent(ctx: CheckContext, *, container: str) -> Outcome:
    info = ctx.container(container)
    if info is not None:
        return fail(f"It still exists ({status_line(info['State'])}).", f"remove it: `docker rm -f {container}`")
    return ok("it no longer exists.")
