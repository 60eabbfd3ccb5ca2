"""Check kinds for debugging and operating containers: why one crashed, what the events say, what
was copied out of one, and what listens inside one.

The learner's findings are compared with the daemon's own record (a reproduced crash, the event
stream, the container's archive, the kernel's socket table), never with a value in the chapter file.
"""

from __future__ import annotations

import re
import time

from checker.context import CheckContext, poll
from checker.facts.archives import first_difference, read_from_container
from checker.facts.events import Event, clock_utc, parse_moment, read_events, signal_name, signal_number
from checker.facts.logs import diagnosis
from checker.facts.sockets import Listener, describe, listeners
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.workspace import recorded, token_match
from checker.labels import EXERCISE, ROLE, course_labels
from checker.probes import exec_in, wait_for_exit

EVENTS_FIX = N_("`docker events --since 30m --until 0s --filter container=NAME` lists them; `--until` ends the list")


# ---------------------------------------------------------------- a crash, reproduced


def _crash_once(ctx: CheckContext, image: str, timeout: float) -> tuple[int | None, str]:
    """Run the image as it is (its own CMD, no settings) once; its exit code (None: still running) and logs."""
    labels = course_labels(ctx.exercise_id)
    labels[ROLE] = "probe"
    container = ctx.client.containers.create(image, labels=labels, detach=True)
    try:
        container.start()
        exited = wait_for_exit(container, timeout)
        output = container.logs(stdout=True, stderr=True).decode(errors="replace")
        return (container.attrs["State"]["ExitCode"] if exited else None), output
    finally:
        container.remove(force=True)


@kind("crash_cause_recorded", N_("{path} names how and why a container from {image} crashes"), behaviour=True)
def crash_cause_recorded(
    ctx: CheckContext,
    *,
    path: str,
    image: str,
    pattern: str,
    exit_key: str = "exit_code",
    cause_key: str = "missing",
    timeout: float = 20.0,
) -> Outcome:
    """Run the image once as it crashed, and compare the recorded exit code and cause with that run.

    `pattern`'s first group, searched in the run's logs, is the cause (a variable's name, say).
    """
    ctx.require_image(image)
    exit_answer = recorded(ctx, path, exit_key)
    cause_answer = recorded(ctx, path, cause_key)
    code, output = _crash_once(ctx, image, timeout)
    if code is None or code == 0:
        return fail(
            _("A container from {image} with no settings did not crash: nothing to diagnose.").format(image=image), ""
        )
    if not token_match(exit_answer, str(code)):
        killed = _(" 137 is 128 + 9, a SIGKILL (`OOMKilled: true` if for memory);") if "137" in exit_answer else ""
        return fail(
            _("`{key}: {answer}` is not the code the container exits with.").format(key=exit_key, answer=exit_answer)
            + killed
            + _(" 0 would be a clean exit, and a restart policy only restarts on a non-zero one."),
            _(
                "`docker inspect -f '{{.State.ExitCode}}' NAME`, or the STATUS column of `docker ps -a`: "
                "`Restarting (N)`"
            ),
        )
    match = re.search(pattern, output)
    if not match:
        return fail(
            _("The crash's logs hold nothing matching {pattern!r}: {output!r}").format(
                pattern=pattern, output=output.strip()[-200:]
            ),
            "",
        )
    if not token_match(cause_answer.replace("$", ""), match.group(1)):
        return fail(
            _("`{key}: {answer}` is not what the container's logs say is missing.").format(
                key=cause_key, answer=cause_answer
            ),
            _("`docker logs NAME` shows stdout and stderr: the error line says what it needs"),
        )
    return ok(
        _("it exits with {code} because {cause} is missing, as a fresh run shows.").format(
            code=code, cause=match.group(1)
        )
    )


@kind("restart_policy", N_("container {container} has the restart policy {policy}"))
def restart_policy(ctx: CheckContext, *, container: str, policy: str, max_retries: int | None = None) -> Outcome:
    """The restart policy survives a fix: a recreated container gets only what its `docker run` says."""
    info = ctx.require_container(container)
    actual = info.restart_policy
    if actual.name != policy:
        said = (
            _("Its restart policy is {actual!r} (the default: `docker run` without `--restart`), not {wanted!r}.")
            if actual.name == "no"
            else _("Its restart policy is {actual!r}, not {wanted!r}.")
        )
        return fail(
            said.format(actual=actual.name, wanted=policy),
            _("a new container keeps nothing of the old one: give `docker run` `--restart {policy}` again").format(
                policy=policy
            ),
        )
    if max_retries is not None and actual.max_retries != max_retries:
        return fail(
            _("It retries at most {actual} times, not {wanted}.").format(actual=actual.max_retries, wanted=max_retries),
            f"`--restart {policy}:N`",
        )
    if actual.max_retries:
        return ok(_("restart policy {policy}:{retries}.").format(policy=policy, retries=actual.max_retries))
    return ok(_("restart policy {policy}.").format(policy=policy))


@kind("container_detached", N_("container {container} runs detached (-d)"))
def container_detached(ctx: CheckContext, *, container: str) -> Outcome:
    """A service started without `-d` holds the terminal that started it: the command never returns (a notebook
    cell runs until interrupted), and Ctrl-C there stops the service. `docker create` attaches by default too."""
    config = ctx.require_container(container).config
    if config.get("AttachStdout") or config.get("AttachStderr"):
        return fail(
            _(
                "It was started attached to the terminal, without `-d`: that `docker run` never returns "
                "(a notebook cell runs until interrupted), and Ctrl-C there stops the service."
            ),
            _("`docker run -d …` starts it in the background"),
        )
    return ok(_("it runs detached."))


# ---------------------------------------------------------------- the event stream


def _history(ctx: CheckContext, container: str) -> tuple[list[Event], list[Event]]:
    """This container's events (by ID) and the same window's events of the exercise's other containers."""
    info = ctx.require_container(container)
    since = (info.created.timestamp() if info.created else time.time() - 3600) - 1
    window = read_events(
        ctx.client,
        since=since,
        until=time.time(),
        filters={"type": "container", "label": [f"{EXERCISE}={ctx.exercise_id}"]},
    )
    own = [e for e in window if e.container_id == info.id]
    others = [e for e in window if e.container_id != info.id and e.name]
    return own, others


@kind("signal_recorded", N_("{path} names the signal that ended {container}"))
def signal_recorded(ctx: CheckContext, *, path: str, container: str, key: str = "signal") -> Outcome:
    """The signal of the last `kill` event before the container died, by number or name."""
    own, others = _history(ctx, container)
    kills = [e for e in own if e.action == "kill"]
    if not kills:
        return fail(
            _("The daemon has no `kill` event for {container}: no signal was sent to it.").format(container=container),
            _(EVENTS_FIX),
        )
    expected = kills[-1].signal
    answer = recorded(ctx, path, key)
    given = signal_number(answer)
    if given is None:
        return fail(
            _("`{key}: {answer}` names no signal.").format(key=key, answer=answer),
            _("write its number or its name, e.g. 15 or SIGTERM"),
        )
    if given == expected:
        return ok(
            _("{signal} at {when}, as the daemon recorded.").format(signal=signal_name(expected), when=kills[-1].when())
        )
    elsewhere = [e.name for e in others if e.action == "kill" and e.signal == given]
    if elsewhere:
        return fail(
            _("{signal} is the signal sent to {other}, not to {container}.").format(
                signal=signal_name(given), other=elsewhere[-1], container=container
            ),
            _("keep only its events: `--filter container={container}`").format(container=container),
        )
    return fail(
        _("{signal} is not the signal the daemon sent to {container}.").format(
            signal=signal_name(given), container=container
        ),
        _(EVENTS_FIX),
    )


def _near(moment: float, events: list[Event], tolerance: float) -> Event | None:
    return next((e for e in reversed(events) if abs(e.moment - moment) <= tolerance), None)


@kind("death_time_recorded", N_("{path} says when {container} died"))
def death_time_recorded(
    ctx: CheckContext, *, path: str, container: str, key: str = "died", tolerance: float = 1.0
) -> Outcome:
    """The moment of the container's last `die` event, within `tolerance` seconds (Unix time or RFC 3339)."""
    own, others = _history(ctx, container)
    deaths = [e for e in own if e.action == "die"]
    if not deaths:
        return fail(
            _("The daemon has no `die` event for {container}: {diagnosis}").format(
                container=container, diagnosis=diagnosis(ctx, container)
            ),
            _(EVENTS_FIX),
        )
    died = deaths[-1].moment
    answer = recorded(ctx, path, key)
    given = parse_moment(answer)
    if given is None:
        return fail(
            _("`{key}: {answer}` is not a time I can read.").format(key=key, answer=answer),
            _("write Unix seconds (`{{.Time}}`) or the time as `docker events` prints it (2024-05-01T10:20:30.123Z)"),
        )
    if abs(given - died) <= tolerance:
        return ok(_("it died at {when}, as the daemon recorded.").format(when=clock_utc(died)))
    earlier = _near(given, [e for e in own if e.action != "die"], tolerance)
    if earlier is not None:
        gap = died - earlier.moment
        return fail(
            _(
                "{when} is when the daemon saw `{action}` for {container}, "
                "{gap:.1f} s before it died: a signal asks, the process decides when to exit."
            ).format(when=clock_utc(given), action=earlier.action, container=container, gap=gap),
            _("the `die` event is the moment it ended (its `exitCode` attribute says how)"),
        )
    other = _near(given, [e for e in others if e.action == "die"], tolerance)
    if other is not None:
        return fail(
            _("{when} is when {other} died, not {container}.").format(
                when=clock_utc(given), other=other.name, container=container
            ),
            f"`--filter container={container}`",
        )
    hours = (given - died) / 3600
    if abs(hours) >= 0.9 and abs(hours - round(hours)) * 3600 <= tolerance:
        return fail(
            _("{when} is off by exactly {hours:+d} h: a time zone.").format(when=clock_utc(given), hours=round(hours)),
            _("write the zone with the time (Z for UTC), or Unix seconds"),
        )
    return fail(
        _("{when} is not when the daemon saw {container} die.").format(when=clock_utc(given), container=container),
        _(EVENTS_FIX),
    )


# ---------------------------------------------------------------- files out of a container


@kind("copied_file_matches", N_("{path} is a byte-for-byte copy of {source} in {container}"))
def copied_file_matches(ctx: CheckContext, *, path: str, container: str, source: str) -> Outcome:
    """Compare a host file with the container's own (read through the Engine's archive, as `docker cp` does)."""
    import docker.errors

    ctx.require_container(container)
    try:
        original = read_from_container(ctx.api, container, source)
    except docker.errors.NotFound:
        return fail(
            _("There is no {path} in {container}.").format(path=source, container=container),
            _("the setup makes it: run the setup cell again"),
        )
    if original.content is None:
        return fail(_("{path} in {container} is not a regular file.").format(path=source, container=container), "")
    target = ctx.path(path)
    basename = source.rstrip("/").rsplit("/", 1)[-1]
    if target.is_dir():
        return fail(
            _("{path} is a folder, not the file.").format(path=path),
            _("copy to {path} exactly, or into its parent folder").format(path=path),
        )
    if not target.is_file():
        stray = sorted(p for p in target.parent.rglob(basename) if p.is_file()) if target.parent.is_dir() else []
        if stray:
            where = stray[0].relative_to(ctx.workdir) if stray[0].is_relative_to(ctx.workdir) else stray[0]
            return fail(
                _("{path} does not exist, but {where} does: `docker cp` of a folder copies the folder itself.").format(
                    path=path, where=where
                ),
                _("copy the file (`NAME:/path/to/file`), or the folder's content (`NAME:/path/to/folder/.`)"),
            )
        return fail(_("{path} does not exist yet.").format(path=path), f"`docker cp {container}:{source} {path}`")
    copied = target.read_bytes()
    size = len(original.content)
    if copied == original.content:
        return ok(
            _("the same {size} bytes as {source} in {container}.").format(size=size, source=source, container=container)
        )
    if not copied:
        return fail(
            _(
                "{path} is empty, but {source} in {container} holds {size} bytes. A shell redirect (`>`) creates "
                "the file even when the command before it fails: `docker exec` needs a running container."
            ).format(path=path, source=source, container=container, size=size),
            _("`docker cp` copies from a stopped container too"),
        )
    return fail(
        _("{path} differs from {source} in {container}: {difference}.").format(
            path=path, source=source, container=container, difference=first_difference(original.content, copied)
        ),
        _("copy the container's own file with `docker cp`; running the job again makes a new one"),
    )


# ---------------------------------------------------------------- what listens inside


def _listening(ctx: CheckContext, container: str) -> list[Listener]:
    result = exec_in(ctx, container, "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true", timeout=5)
    return listeners(result.output)


@kind(
    "listens_on_published_ports", N_("inside {container}, a server listens on every port it publishes"), behaviour=True
)
def listens_on_published_ports(ctx: CheckContext, *, container: str, settle: float = 5.0) -> Outcome:
    """Read the kernel's socket table inside the container: each published port needs a listener on all
    interfaces (0.0.0.0 or ::), since the port forwards to the container's own address, not its loopback."""
    info = ctx.require_container(container)
    if not info.up:
        return fail(
            _("Cannot look inside it: {diagnosis}").format(diagnosis=diagnosis(ctx, container)),
            _("exec needs a running container"),
        )
    published = sorted({int(key.split("/")[0]) for key in info.port_bindings if key.endswith("/tcp")})
    if not published:
        return fail(_("It publishes no port."), _("publish the server's port: `-p HOST:CONTAINER`"))
    found: list[Listener] = []

    def served() -> bool:
        nonlocal found
        found = _listening(ctx, container)
        return all(any(item.port == port and item.everywhere for item in found) for port in published)

    if served() or poll(served, settle, interval=0.5):
        return ok(_("listening on {sockets}.").format(sockets=describe([f for f in found if f.port in published])))
    for port in published:
        if any(item.port == port and item.everywhere for item in found):
            continue
        host = ", ".join(str(p) for p in info.host_ports(port)) or "?"
        loopback = [item for item in found if item.port == port and item.loopback_only]
        if loopback:
            return fail(
                _(
                    "Container port {port} (published as {host}) is served on {sockets} only: that answers "
                    "inside the container, but a published port forwards to the container's own address."
                ).format(port=port, host=host, sockets=describe(loopback)),
                _("make the server listen on all interfaces (0.0.0.0)"),
            )
        return fail(
            _(
                "Nothing listens on container port {port}, which `-p` publishes as {host}; inside, the listening "
                "sockets are: {sockets}."
            ).format(port=port, host=host, sockets=describe(found)),
            _("publish the port the server really uses, or make it listen on the one you publish"),
        )
    return fail(_("Inside, the listening sockets are: {sockets}.").format(sockets=describe(found)))
