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
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.image_runs import labelled_run
from checker.kinds.images import BUILD_SAYS_WHY
from checker.probes import exec_in

INTERVAL_HINT = "`HEALTHCHECK --interval=2s --timeout=2s --retries=2 CMD …`"


@kind("image_healthcheck", "image {image} declares a HEALTHCHECK that probes at least every {max_interval:g} s")
def image_healthcheck(ctx: CheckContext, *, image: str, max_interval: float = 5.0) -> Outcome:
    """The image's config holds a health command, with an interval short enough to notice a failure soon."""
    info = ctx.require_image(image, fail(f"There is no image {image!r}.", BUILD_SAYS_WHY))
    health = HealthSettings.from_config(info.config)
    if not health.defined:
        return fail(
            "The image has no HEALTHCHECK: Docker can say that its process runs, never that the app works.",
            f"add {INTERVAL_HINT} with a command that asks the app itself",
        )
    if health.interval > max_interval:
        default = " (the default)" if health.interval == 30.0 else ""
        return fail(
            f"Its interval is {health.interval:g} s{default}: the first probe runs {health.interval:g} s after the "
            f"start, and a broken app stays 'healthy' for up to {health.unhealthy_after:g} s.",
            f"set the interval yourself: {INTERVAL_HINT}",
        )
    return ok(f"`{health.command}` every {health.interval:g} s, unhealthy after {health.retries} failure(s) in a row.")


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
    "a container from {image} turns healthy, then unhealthy once `{break_command}` breaks the app",
    behaviour=True,
)
def image_health_cycle(ctx: CheckContext, *, image: str, break_command: list[str], wait: float = 20.0) -> Outcome:
    """Run the image; wait (at most `wait` s) for healthy; break the app by exec; wait for unhealthy."""
    info = ctx.require_image(image, fail(f"There is no image {image!r}.", BUILD_SAYS_WHY))
    command = HealthSettings.from_config(info.config).command or "(none)"
    broken_by = shlex.join(break_command)
    with labelled_run(ctx, image, "check-run") as (container, error):
        if error:
            return fail(f"A container from {image} did not start: {error.strip()}.")
        state, took = _wait_for(container, {"healthy", "unhealthy"}, wait)
        if not state.running:
            return fail(f"The container stopped before it was healthy: it {state.status_line}.")
        if state.health.status == "unhealthy":
            return fail(
                f"It turned unhealthy while the app was fine: the health command `{command}` failed "
                f"({last_probe(state)}).",
                "run the command yourself with `docker exec NAME sh -c '…'`: is the program it calls in the image, "
                "and does it ask the right port?",
            )
        if state.health.status != "healthy":
            return fail(
                f"It was still {state.health.status or 'without health status'} after {wait:g} s "
                f"({last_probe(state)}).",
                f"probe often and soon: {INTERVAL_HINT}",
            )
        breaking = exec_in(ctx, container.id, break_command)
        if breaking.exit_code != 0:
            return fail(f"Could not break the app with `{broken_by}`: {breaking.output.strip()[-200:]}")
        after, later = _wait_for(container, {"unhealthy"}, wait)
        if after.health.status != "unhealthy":
            return fail(
                f"It stayed {after.health.status} for {later:.0f} s after `{broken_by}` broke the app: the health "
                f"command `{command}` does not ask the app whether it works.",
                "make the command ask the app itself (an HTTP request to its health route) and exit non-zero when the "
                "answer is an error",
            )
    return ok(f"healthy after {took:.1f} s; unhealthy {later:.1f} s after the app broke ({last_probe(after)}).")
