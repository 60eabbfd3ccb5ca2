"""Building images with the classic builder, bounded in time, read step by step.

The build log says which steps came from the cache and which container runs a
step, so a build that overruns its time can be stopped by killing that step.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from checker.context import CheckContext
from checker.errors import DaemonUnavailable, explain
from checker.kinds import Outcome, fail
from checker.labels import EXERCISE, MANAGED, course_labels


STEP_LINE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
RUNNING_IN = re.compile(r"^ ---> Running in ([0-9a-f]{6,})")
STEP_IMAGE = re.compile(r"^ ---> ([0-9a-f]{12,})\s*$")
TAIL_LINES = 12
BASE_IMAGE_HINT = "nothing can be pulled here: start FROM one of the course's base images (`python:3.11-slim`, `debian:bookworm-slim`, `busybox:1.35`); `python -m course images` provisions them"


# --- building ---------------------------------------------------------------------------------


@dataclass
class BuildStep:
    """One `Step N/M : INSTRUCTION` of a classic build, and whether the cache supplied it."""

    number: int
    total: int
    instruction: str
    cached: bool = False
    container: str | None = None  # the intermediate container of a step that really ran
    image: str | None = None  # the layer (intermediate image) the step produced

    @property
    def keyword(self) -> str:
        return self.instruction.split(None, 1)[0].upper() if self.instruction.strip() else ""

    @property
    def added_by_check(self) -> bool:
        """The LABEL step the builder appends for the course's labels is not the learner's."""
        return self.keyword == "LABEL" and "org.dockercourse." in self.instruction

    def __str__(self) -> str:
        text = self.instruction if len(self.instruction) <= 90 else self.instruction[:87] + "…"
        return f"step {self.number}/{self.total} `{text}`"


@dataclass
class BuildResult:
    """What one build did: its steps, log, image, and why it failed or was stopped."""

    image_id: str | None = None
    steps: list[BuildStep] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    error: str | None = None
    timed_out: bool = False
    stopped: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.image_id is not None and self.error is None and not self.timed_out and self.stopped is None

    @property
    def learner_steps(self) -> list[BuildStep]:
        return [s for s in self.steps if not s.added_by_check]

    @property
    def last_step(self) -> BuildStep | None:
        return self.steps[-1] if self.steps else None

    def tail(self, count: int = TAIL_LINES) -> str:
        lines = [line for line in self.lines if line.strip()]
        return "\n".join(lines[-count:]) or "(no output)"


class _StepParser:
    """Feeds the build stream, line by line, into BuildSteps (the stream may split lines anywhere)."""

    def __init__(self, result: BuildResult, on_step_runs: Callable[[BuildStep], None]) -> None:
        self.result = result
        self.on_step_runs = on_step_runs
        self.buffer = ""

    def feed(self, text: str) -> None:
        self.buffer += text
        *complete, self.buffer = self.buffer.split("\n")
        for line in complete:
            self.line(line.rstrip("\r"))

    def flush(self) -> None:
        if self.buffer:
            self.line(self.buffer)
            self.buffer = ""

    def line(self, line: str) -> None:
        self.result.lines.append(line)
        match = STEP_LINE.match(line)
        if match:
            self.result.steps.append(BuildStep(int(match.group(1)), int(match.group(2)), match.group(3).strip()))
            return
        step = self.result.last_step
        if step is None:
            return
        if line.startswith(" ---> Using cache"):
            step.cached = True
        made = STEP_IMAGE.match(line)
        if made:
            step.image = made.group(1)
        running = RUNNING_IN.match(line)
        if running and step.container is None:
            step.container = running.group(1)
            self.on_step_runs(step)


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

    parser = _StepParser(result, on_step_runs)
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
                result.error = str(chunk.get("error") or "").strip() or "the build failed"
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
        result.error = "the build ended without producing an image"
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
        where = f" It was at {step}." if step else ""
        return fail(
            f"The build did not finish within {timeout:g} s.{where} Last lines of the build log:\n{result.tail()}",
            "look for a step that waits forever or downloads too much; build it yourself with `docker build` to watch it",
        )
    error = result.error or "unknown error"
    if step is None or "parse error" in error.lower() or "unknown instruction" in error.lower():
        return fail(f"Docker could not read the Dockerfile: {error}", "fix the line it names; every instruction is `KEYWORD arguments`, and COPY needs a source and a destination")
    if step.keyword == "FROM":
        return fail(f"The base image of {step} is not available: {error}", BASE_IMAGE_HINT)
    return fail(
        f"The build failed at {step}: {error}\nLast lines of the build log:\n{result.tail()}",
        "fix that instruction; the log above shows what it printed before it failed",
    )
