"""Building images with the classic builder, bounded in time, read step by step.

The build log says which steps came from the cache and which container runs a
step, so a build that overruns its time can be stopped by killing that step.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable

from checker.context import CheckContext
from checker.errors import DaemonUnavailable, explain
from checker.facts.build_log import BuildResult, BuildStep, StepParser
from checker.i18n import N_, _
from checker.labels import EXERCISE, MANAGED, course_labels
from checker.outcome import Outcome, fail

BASE_IMAGE_HINT = N_(
    "nothing can be pulled here: start FROM one of the course's base images (`python:3.11-slim`, "
    "`debian:bookworm-slim`, `busybox:1.35`); `python -m course images` provisions them"
)


def _kill_quietly(ctx: CheckContext, container: str, within: float = 3.0) -> None:
    """Kill a build's intermediate container; retry briefly, since it may not have started yet."""
    import docker.errors

    deadline = time.monotonic() + within
    while True:
        try:
            ctx.api.kill(container)
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError:
            if time.monotonic() >= deadline:
                return
            time.sleep(0.2)


def run_build(
    ctx: CheckContext,
    context_dir: Path,
    *,
    dockerfile: str = "Dockerfile",
    tag: str | None = None,
    timeout: float = 120.0,
    stop_if_runs: Callable[[BuildStep], str | None] | None = None,
    discard_on_failure: bool = False,
) -> BuildResult:
    """Build with the classic builder, labelled for reset, bounded by `timeout`.

    The bound is enforced by killing the step's intermediate container (the
    build then fails at once); `stop_if_runs` may do the same to a step that
    did not come from the cache, when running it would only waste time.
    Layers of a failed build stay as cache (as with `docker build`), unless
    `discard_on_failure` says they can never be reused.
    """
    import docker

    result = BuildResult()
    started = time.monotonic()

    def on_step_runs(step: BuildStep) -> None:
        reason = stop_if_runs(step) if stop_if_runs else None
        if reason and step.container:
            result.stopped = reason
            _kill_quietly(ctx, step.container)

    def on_deadline() -> None:
        result.timed_out = True
        step = result.last_step
        if step is not None and step.container:
            _kill_quietly(ctx, step.container)

    parser = StepParser(result, on_step_runs)
    watchdog = threading.Timer(timeout, on_deadline)
    watchdog.daemon = True
    builder = docker.APIClient(version=ctx.api.api_version, timeout=int(timeout) + 30, **_connection_kwargs())
    watchdog.start()
    try:
        stream = builder.build(
            path=str(context_dir),
            dockerfile=dockerfile,
            tag=tag,
            labels=build_labels(ctx.exercise_id),
            decode=True,
            rm=True,
            forcerm=True,
        )
        for chunk in stream:
            if "stream" in chunk:
                parser.feed(str(chunk["stream"]))
            if "error" in chunk:
                result.error = str(chunk.get("error") or "").strip() or _("the build failed")
            aux = chunk.get("aux")
            if isinstance(aux, dict) and aux.get("ID"):
                result.image_id = aux["ID"]
    except Exception as exc:  # noqa: BLE001 - a broken stream is a failed build, unless the daemon is gone
        error = explain(exc)
        if isinstance(error, DaemonUnavailable):
            raise error from None
        explanation = getattr(exc, "explanation", None)
        if isinstance(explanation, bytes):
            explanation = explanation.decode(errors="replace")
        result.error = result.error or str(explanation or error.problem).strip()
    finally:
        watchdog.cancel()
        parser.flush()
        builder.close()
        result.seconds = time.monotonic() - started
    if result.image_id is None and result.error is None and not result.timed_out:
        result.error = _("the build ended without producing an image")
    if result.image_id is None and discard_on_failure:
        _remove_layers_of_failed_build(ctx, result)
    return result


def _remove_layers_of_failed_build(ctx: CheckContext, result: BuildResult) -> None:
    """A failed build keeps the layers of its finished steps, unlabelled: remove the ones it made.

    Only layers this build created (steps not taken from the cache) go, the
    newest first and without pruning parents, so no one else's cache is touched.
    """
    import docker.errors

    for step in reversed(result.steps):
        if step.cached or not step.image or step.keyword == "FROM":
            continue
        try:
            ctx.api.remove_image(step.image, noprune=True)
        except docker.errors.APIError:
            pass  # used by something else now: leave it


def build_labels(exercise_id: str) -> dict[str, str]:
    """The labels reset filters images by. The classic builder adds one LABEL step per label, each
    costing a container and a commit, so the session label (used only to sweep containers) is left out."""
    labels = course_labels(exercise_id)
    return {key: labels[key] for key in (MANAGED, EXERCISE)}


def _connection_kwargs() -> dict[str, Any]:
    """The same daemon as the shared client (DOCKER_HOST or the default socket)."""
    from docker.utils import kwargs_from_env

    kwargs = kwargs_from_env()
    kwargs.pop("version", None)
    return kwargs


def describe_build_failure(result: BuildResult, timeout: float) -> Outcome:
    """The failing instruction, the daemon's error, and the log's tail, with what to do."""
    step = result.last_step
    if result.timed_out:
        where = " " + _("It was at {step}.").format(step=step) if step else ""
        return fail(
            _("The build did not finish within {timeout:g} s.{where} Last lines of the build log:\n{log}").format(
                timeout=timeout, where=where, log=result.tail()
            ),
            _(
                "look for a step that waits forever or downloads too much; build it yourself with `docker build` to "
                "watch it"
            ),
        )
    error = result.error or _("unknown error")
    if step is None or "parse error" in error.lower() or "unknown instruction" in error.lower():
        return fail(
            _("Docker could not read the Dockerfile: {error}").format(error=error),
            _(
                "fix the line it names; every instruction is `KEYWORD arguments`, and COPY needs a source and a "
                "destination"
            ),
        )
    if step.keyword == "FROM":
        return fail(
            _("The base image of {step} is not available: {error}").format(step=step, error=error), _(BASE_IMAGE_HINT)
        )
    return fail(
        _("The build failed at {step}: {error}\nLast lines of the build log:\n{log}").format(
            step=step, error=error, log=result.tail()
        ),
        _("fix that instruction; the log above shows what it printed before it failed"),
    )
