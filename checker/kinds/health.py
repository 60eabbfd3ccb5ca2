"""Check kinds about an image's HEALTHCHECK: it is declared with a short interval, and it tells the truth:
a container turns healthy, then unhealthy once the app inside breaks.

"Running" only says the process exists; the health status says it answers. The behaviour is proven
by waiting (bounded) for the Engine's own health status, never by trusting the config.
"""

from __future__ import annotations

import shlex
import time
from typing import Any

from checker.context import CheckContext
from checker.facts.containers import Container
from checker.facts.production import HealthSettings, last_probe
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.image_runs import labelled_run
from checker.kinds.image_stages import no_image
from checker.probes import exec_in

INTERVAL_HINT = "`HEALTHCHECK --interval=2s --timeout=2s --retries=2 CMD …`"


@kind("image_healthcheck", N_("image {image} declares a HEALTHCHECK that probes at least every {max_interval:g} s"))
def image_healthcheck(ctx: CheckContext, *, image: str, max_interval: float = 5.0) -> Outcome:
    """The image's config holds a health command, with an interval short enough to notice a failure soon."""
    info = ctx.require_image(image, no_image(image))
    health = HealthSettings.from_config(info.config)
    if not health.defined:
        return fail(
            _("The image has no HEALTHCHECK: Docker can say that its process runs, never that the app works."),
            _("add {example} with a command that asks the app itself").format(example=INTERVAL_HINT),
        )
    if health.interval > max_interval:
        said = (
            _(
                "Its interval is {interval:g} s (the default): the first probe runs {interval:g} s after the "
                "start, and a broken app stays 'healthy' for up to {unhealthy_after:g} s."
            )
            if health.interval == 30.0
            else _(
                "Its interval is {interval:g} s: the first probe runs {interval:g} s after the "
                "start, and a broken app stays 'healthy' for up to {unhealthy_after:g} s."
            )
        )
        return fail(
            said.format(interval=health.interval, unhealthy_after=health.unhealthy_after),
            _("set the interval yourself: {example}").format(example=INTERVAL_HINT),
        )
    return ok(
        _("`{command}` every {interval:g} s, unhealthy after {retries} failure(s) in a row.").format(
            command=health.command, interval=health.interval, retries=health.retries
        )
    )


def _status(container: Any) -> Container:
    container.reload()
    return Container(container.attrs)


def _wait_for(container: Any, wanted: set[str], timeout: float) -> tuple[Container, float]:
    """Poll the health status until it is in `wanted`, the container stops, or `timeout` passes."""
    started = time.monotonic()
    while True:
        state = _status(container)
        elapsed = time.monotonic() - started
        if state.health.status in wanted or not state.running or elapsed >= timeout:
            return state, elapsed
        time.sleep(0.25)


@kind(
    "image_health_cycle",
    N_("a container from {image} turns healthy, then unhealthy once `{break_command}` breaks the app"),
    behaviour=True,
)
def image_health_cycle(ctx: CheckContext, *, image: str, break_command: list[str], wait: float = 20.0) -> Outcome:
    """Run the image; wait (at most `wait` s) for healthy; break the app by exec; wait for unhealthy."""
    info = ctx.require_image(image, no_image(image))
    command = HealthSettings.from_config(info.config).command or _("(none)")
    broken_by = shlex.join(break_command)
    with labelled_run(ctx, image, "check-run") as (container, error):
        if error:
            return fail(_("A container from {image} did not start: {error}.").format(image=image, error=error.strip()))
        state, took = _wait_for(container, {"healthy", "unhealthy"}, wait)
        if not state.running:
            return fail(_("The container stopped before it was healthy: it {status}.").format(status=state.status_line))
        if state.health.status == "unhealthy":
            return fail(
                _(
                    "It turned unhealthy while the app was fine: the health command `{command}` failed ({probe})."
                ).format(command=command, probe=last_probe(state)),
                _(
                    "run the command yourself with `docker exec NAME sh -c '…'`: is the program it calls in the "
                    "image, and does it ask the right port?"
                ),
            )
        if state.health.status != "healthy":
            still = (
                _("It was still {status} after {wait:g} s ({probe}).")
                if state.health.status
                else _("It was still without health status after {wait:g} s ({probe}).")
            )
            return fail(
                still.format(status=state.health.status, wait=wait, probe=last_probe(state)),
                _("probe often and soon: {example}").format(example=INTERVAL_HINT),
            )
        breaking = exec_in(ctx, container.id, break_command)
        if breaking.exit_code != 0:
            return fail(
                _("Could not break the app with `{command}`: {output}").format(
                    command=broken_by, output=breaking.output.strip()[-200:]
                )
            )
        after, later = _wait_for(container, {"unhealthy"}, wait)
        if after.health.status != "unhealthy":
            return fail(
                _(
                    "It stayed {status} for {seconds:.0f} s after `{broken_by}` broke the app: the health "
                    "command `{command}` does not ask the app whether it works."
                ).format(status=after.health.status, seconds=later, broken_by=broken_by, command=command),
                _(
                    "make the command ask the app itself (an HTTP request to its health route) and exit non-zero "
                    "when the answer is an error"
                ),
            )
    return ok(
        _("healthy after {took:.1f} s; unhealthy {later:.1f} s after the app broke ({probe}).").format(
            took=took, later=later, probe=last_probe(after)
        )
    )
