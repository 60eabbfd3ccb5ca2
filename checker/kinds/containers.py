"""Check kinds about one container: existence, state, image, logs, exec, and its history of events."""

from __future__ import annotations

import time
from typing import Any

from checker.context import CheckContext, poll
from checker.facts.containers import Container
from checker.facts.logs import diagnosis, log_tail, logs
from checker.facts.times import seconds_since
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.labels import EXERCISE

EVENT_LOOKBACK = 24 * 3600  # if a container's creation time cannot be read, search this far back
SIGNALS = {"15": "SIGTERM", "9": "SIGKILL", "2": "SIGINT", "1": "SIGHUP"}


@kind("container_exists", N_("container {container} exists"))
def container_exists(ctx: CheckContext, *, container: str) -> Outcome:
    return ok(_("found ({status}).").format(status=ctx.require_container(container).status_line))


@kind("container_running", N_("container {container} is running"))
def container_running(ctx: CheckContext, *, container: str, wait: float = 0.0) -> Outcome:
    ctx.require_container(container)

    def running() -> bool:
        info = ctx.fresh_container(container)
        return bool(info and info.up)

    if running() or (wait and poll(running, wait)):
        return crash_looping(ctx, container) or ok(_("it is running."))
    return fail(
        _("It is not running: {diagnosis}").format(diagnosis=diagnosis(ctx, container)),
        _("start it detached with `-d`; if it exits at once, its logs (`docker logs NAME`) say why"),
    )


def crash_looping(ctx: CheckContext, name: str, settle: float = 1.5) -> Outcome | None:
    """A container that restarted before may be crash-looping: look again after `settle` seconds.
    So may one with a restart policy that started only just now and has not had time to crash."""
    before = ctx.container(name)
    if not before:
        return None
    age = seconds_since(before.state.get("StartedAt"))
    just_started = before.restart_policy.name != "no" and age is not None and age < settle
    if not before.restart_count and not just_started:
        return None
    time.sleep(settle)
    after = ctx.fresh_container(name)
    if after and after.running and after.restart_count == before.restart_count:
        return None
    count = after.restart_count if after else before.restart_count
    return fail(
        _("It keeps crashing: restarted {count} times so far; last log lines:\n{logs}").format(
            count=count, logs=log_tail(ctx, name)
        ),
        _("read the logs (`docker logs NAME`) to see why its command exits"),
    )


@kind("container_exited", N_("container {container} ran and exited with code {exit_code}"))
def container_exited(ctx: CheckContext, *, container: str, exit_code: int = 0) -> Outcome:
    info = ctx.require_container(container)
    if info.running:
        return fail(
            _("It is still running; this one should run its command and exit."),
            _("run it without `-d` and without a long-running command"),
        )
    if info.status == "created":
        return fail(
            _("It was created but never started."),
            _("`docker start NAME`, or use `docker run` which creates and starts"),
        )
    if info.exit_code != exit_code:
        return fail(
            _("It exited with code {code}, expected {exit_code}. Last log lines:\n{logs}").format(
                code=info.exit_code, exit_code=exit_code, logs=log_tail(ctx, container)
            )
        )
    return ok(_("it exited with code {exit_code}.").format(exit_code=exit_code))


@kind("container_state", N_("container {container} is {status}"))
def container_state(ctx: CheckContext, *, container: str, status: str) -> Outcome:
    info = ctx.require_container(container)
    if info.status != status:
        return fail(_("It is {actual}, expected {status}.").format(actual=info.status_line, status=status))
    return ok(_("it is {status}.").format(status=status))


@kind("container_image", N_("container {container} runs image {image}"))
def container_image(ctx: CheckContext, *, container: str, image: str) -> Outcome:
    info = ctx.require_container(container)
    wanted = ctx.require_image(
        image,
        fail(
            _("The image {image!r} is not on this machine.").format(image=image),
            _("run `python -m course images` to provision the course's images"),
        ),
    )
    if info.image_id != wanted.id:
        return fail(
            _("It runs {actual!r}, not {image!r}.").format(actual=info.image_name, image=image),
            _("create it from `{image}`").format(image=image),
        )
    return ok(_("it runs {image}.").format(image=image))


@kind("logs_contain", N_("the logs of {container} contain {text!r}"))
def logs_contain(ctx: CheckContext, *, container: str, text: str, wait: float = 0.0) -> Outcome:
    ctx.require_container(container)

    def found() -> bool:
        return text in logs(ctx, container)

    if found() or (wait and poll(found, wait)):
        return ok(_("found {text!r}.").format(text=text))
    return fail(
        _("Its logs do not contain {text!r}. Last log lines:\n{logs}").format(text=text, logs=log_tail(ctx, container)),
        _("check the exact text your command prints"),
    )


@kind("auto_remove", N_("container {container} removes itself when it stops (--rm)"))
def auto_remove(ctx: CheckContext, *, container: str) -> Outcome:
    if not ctx.require_container(container).auto_remove:
        return fail(_("It will stay behind after it stops."), _("add `--rm`"))
    return ok(_("AutoRemove is on."))


@kind("exec_output", N_("`{command}` inside {container} prints {contains!r}"), behaviour=True)
def exec_output(
    ctx: CheckContext, *, container: str, command: list[str] | str, contains: str, exit_code: int = 0
) -> Outcome:
    if not ctx.require_container(container).running:
        return fail(
            _("Cannot exec into it: {diagnosis}").format(diagnosis=diagnosis(ctx, container)),
            _("exec needs a running container"),
        )
    result = ctx.client.containers.get(container).exec_run(command, stdout=True, stderr=True)
    output = result.output.decode(errors="replace")
    if result.exit_code != exit_code:
        return fail(
            _("`{command}` exited with {code}: {output}").format(
                command=command, code=result.exit_code, output=output.strip()[-300:]
            )
        )
    if contains not in output:
        return fail(
            _("`{command}` printed {output!r}, which lacks {contains!r}.").format(
                command=command, output=output.strip()[-300:], contains=contains
            )
        )
    return ok(_("found {text!r}.").format(text=contains))


# ---------------------------------------------------------------- its history: the Engine's events


def _describe(event: dict[str, Any]) -> str:
    action = str(event.get("Action", "")).split(":", 1)[0]
    signal = (event.get("Actor", {}).get("Attributes") or {}).get("signal")
    if not signal:
        return action
    name = SIGNALS.get(signal) or _("signal {number}").format(number=signal)
    return f"{action} ({name})"


def container_history(ctx: CheckContext, info: Container) -> list[dict[str, Any]]:
    """Events of this very container (by ID, so an earlier one with the same name does not count)."""
    now = time.time()
    created = info.created
    since = int(created.timestamp() if created else now - EVENT_LOOKBACK) - 1
    # A fractional `until` (the Engine accepts seconds.nanoseconds) ends the stream now,
    # instead of at the next whole second.
    events = ctx.client.events(
        since=since, until=f"{now:.6f}", filters={"container": info.id, "type": "container"}, decode=True
    )
    return list(events)


def is_subsequence(wanted: list[str], actions: list[str]) -> tuple[bool, str | None]:
    """Do `wanted` actions occur in this order (others may come between)? If not, the first one lacking."""
    position = 0
    for step in wanted:
        try:
            position = actions.index(step, position) + 1
        except ValueError:
            return False, step
    return True, None


@kind("container_events", N_("the Engine's events for {container} show {sequence}"))
def container_events(
    ctx: CheckContext,
    *,
    container: str,
    sequence: list[str],
    absent: list[str] | None = None,
    explain: str = "",
    fix: str = "",
) -> Outcome:
    """Prove what happened to a container (restart, stop, kill) from the daemon's event stream."""
    events = container_history(ctx, ctx.require_container(container))
    if not events:
        return fail(
            _("The daemon reports no events for {container}.").format(container=container),
            "`docker events --since 10m --filter container=NAME`",
        )
    actions = [str(e.get("Action", "")).split(":", 1)[0] for e in events]
    seen = ", ".join(_describe(e) for e in events if not str(e.get("Action", "")).startswith("exec_"))
    found, lacking = is_subsequence(sequence, actions)
    extra = " " + _(explain) if explain else ""  # explain and fix come from the chapter file, in English
    if not found:
        return fail(
            _("No `{lacking}` in the expected order {sequence}; the daemon saw: {seen}.").format(
                lacking=lacking, sequence=" → ".join(sequence), seen=seen
            )
            + extra,
            _(fix) or _("`docker events --since 10m --filter container=NAME` shows the same stream"),
        )
    unwanted = [a for a in (absent or []) if a in actions]
    if unwanted:
        return fail(
            _("The daemon saw `{action}` but should not have; it saw: {seen}.").format(action=unwanted[0], seen=seen)
            + extra,
            _(fix),
        )
    return ok(_("the daemon saw: {seen}.").format(seen=seen))


@kind("no_labelled_containers", N_("no container labelled {label} is left"))
def no_labelled_containers(ctx: CheckContext, *, label: str) -> Outcome:
    """Among this exercise's containers, none carries `label` any more (stopped and created ones count)."""
    left = ctx.api.containers(all=True, filters={"label": [label, f"{EXERCISE}={ctx.exercise_id}"]})
    if left:
        names = ", ".join(f"{c['Names'][0].lstrip('/')} ({c['State']})" for c in left)
        return fail(
            _("{count} container(s) labelled {label} still exist: {names}.").format(
                count=len(left), label=label, names=names
            ),
            _("`docker ps -a --filter label={label}` lists stopped ones too (`-a`)").format(label=label),
        )
    return ok(_("none labelled {label} is left.").format(label=label))
