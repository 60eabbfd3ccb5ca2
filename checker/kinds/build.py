"""Check kinds that build the learner's Dockerfile and run the image it makes.

A Dockerfile is proven by what the daemon does with it: the check builds it
(classic builder, bounded in time, labelled so reset finds the image), reads
the build log step by step (which steps came from the cache), runs the image
with and without arguments, and looks inside images and containers. Static
reading of the Dockerfile is used only to name mistakes precisely.
"""
from __future__ import annotations

import json
import re
import shlex
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Callable

from checker.context import CheckContext
from checker.errors import DaemonUnavailable, explain
from checker.kinds import Outcome, fail, kind, ok
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


def _context_problem(ctx: CheckContext, context: str, dockerfile: str) -> Outcome | None:
    folder = ctx.path(context)
    if not folder.is_dir():
        return fail(f"The folder {context} does not exist.", "run the exercise's setup cell first")
    if not (folder / dockerfile).is_file():
        return fail(f"There is no {context}/{dockerfile} yet.", "run the answer cell that writes it (`%%writefile …`)")
    return None


@kind("dockerfile_builds", "the Dockerfile in {context} builds as {tag}")
def dockerfile_builds(ctx: CheckContext, *, context: str, tag: str, dockerfile: str = "Dockerfile", timeout: float = 120.0) -> Outcome:
    """Build the learner's Dockerfile into an owned tag; later checks inspect and run that image."""
    problem = _context_problem(ctx, context, dockerfile)
    if problem:
        return problem
    result = run_build(ctx, ctx.path(context), dockerfile=dockerfile, tag=tag, timeout=timeout)
    ctx.refresh()
    if not result.ok:
        return describe_build_failure(result, timeout)
    cached = sum(s.cached for s in result.learner_steps)
    return ok(f"built {result.image_id[7:19]} in {result.seconds:.1f} s ({len(result.learner_steps)} steps, {cached} from the cache).")


# --- the layer cache --------------------------------------------------------------------------


def _dependency_step(steps: list[BuildStep], marker: str) -> BuildStep | None:
    return next((s for s in steps if s.keyword == "RUN" and marker in s.instruction), None)


@kind("rebuild_reuses_cache", "after a change to {change} only, the rebuild takes the RUN step that uses {dependency!r} from the cache")
def rebuild_reuses_cache(
    ctx: CheckContext,
    *,
    context: str,
    change: str,
    dependency: str,
    dockerfile: str = "Dockerfile",
    timeout: float = 120.0,
) -> Outcome:
    """Build, then rebuild a copy of the context in which only `change` differs.

    The dependency step (the RUN that mentions `dependency`) must come from
    the cache, and some later step must not (the change reached the image).
    If the dependency step runs again, the check stops that build at once
    and names the earlier step that invalidated the cache.
    """
    problem = _context_problem(ctx, context, dockerfile)
    if problem:
        return problem
    source = ctx.path(context)
    if not (source / change).is_file():
        return fail(f"There is no {context}/{change} to change.", "run the exercise's setup cell first")
    first = run_build(ctx, source, dockerfile=dockerfile, timeout=timeout)
    try:
        return _compare_rebuild(ctx, first, source, change=change, dependency=dependency, dockerfile=dockerfile, timeout=timeout)
    finally:
        _remove_image_quietly(ctx, first.image_id)


def _compare_rebuild(ctx: CheckContext, first: BuildResult, source: Path, *, change: str, dependency: str, dockerfile: str, timeout: float) -> Outcome:
    """The second half of `rebuild_reuses_cache`: rebuild with `change` edited and read the cache hits."""
    if not first.ok:
        return describe_build_failure(first, timeout)
    dep = _dependency_step(first.learner_steps, dependency)
    if dep is None:
        return fail(
            f"No RUN step uses {dependency}, so nothing installs the dependencies it lists.",
            f"add a step like `RUN apt-get update && xargs apt-get install -y --no-install-recommends < {dependency} && rm -rf /var/lib/apt/lists/*`",
        )

    def stop_dependency(step: BuildStep) -> str | None:
        return "the dependency step ran again" if step.number == dep.number else None

    with tempfile.TemporaryDirectory(prefix="course-rebuild-") as tmp:
        copy = Path(tmp) / "context"
        shutil.copytree(source, copy, symlinks=True)
        with (copy / change).open("a", encoding="utf-8") as handle:
            handle.write(f"\n# changed by the course's check at {time.time():.0f}\n")
        second = run_build(ctx, copy, dockerfile=dockerfile, timeout=timeout, stop_if_runs=stop_dependency, discard_on_failure=True)
    _remove_image_quietly(ctx, second.image_id)
    again = next((s for s in second.learner_steps if s.number == dep.number), None)
    if again is None:
        return describe_build_failure(second, timeout)
    if not again.cached:
        culprit = next((s for s in second.learner_steps if s.number < dep.number and s.keyword in ("COPY", "ADD") and not s.cached), None)
        because = (
            f" The cache broke earlier, at {culprit}: it copies {change}, so its layer changed, and every step after a changed layer runs again."
            if culprit
            else " An earlier step did not come from the cache, and every step after a changed layer runs again."
        )
        return fail(
            f"Only {change} changed, yet {again} ran again instead of coming from the cache.{because}",
            f"what changes most goes last: COPY {dependency} alone, install, and only then COPY the source ({change})",
        )
    if not second.ok:
        return describe_build_failure(second, timeout)
    later = [s for s in second.learner_steps if s.number > dep.number and not s.cached]
    if not later:
        return fail(
            f"Every step came from the cache even though {change} changed: the image does not contain the new {change}.",
            f"COPY {change} into the image after the dependency step",
        )
    return ok(f"{again} came from the cache; {later[0]} ran again to take the new {change} ({second.seconds:.1f} s).")


def _remove_image_quietly(ctx: CheckContext, image_id: str | None) -> None:
    """Remove an untagged image a check built (tagged ones stay for later checks; reset removes them)."""
    import docker.errors

    if not image_id:
        return
    try:
        if ctx.api.inspect_image(image_id).get("RepoTags"):
            return
        ctx.api.remove_image(image_id, force=False)
    except docker.errors.APIError:
        pass  # still used, or already gone: reset finds it by its labels


# --- running the image ------------------------------------------------------------------------


def effective_command(config: dict[str, Any], args: list[str] | None) -> list[str]:
    """What a container runs: Entrypoint + (run arguments, which replace Cmd, or else Cmd)."""
    entrypoint = list(config.get("Entrypoint") or [])
    cmd = list(args) if args else list(config.get("Cmd") or [])
    return entrypoint + cmd


def _shell_form_note(config: dict[str, Any]) -> str:
    entrypoint = config.get("Entrypoint") or []
    if entrypoint[:2] == ["/bin/sh", "-c"]:
        return " Its ENTRYPOINT is in shell form (`/bin/sh -c …`), which ignores CMD and every run argument: use the exec form `ENTRYPOINT [\"…\", \"…\"]`."
    return ""


def _run_words(args: list[str] | None) -> str:
    return f"`docker run IMAGE {shlex.join(args)}`" if args else "`docker run IMAGE` (no arguments)"


def _start_labelled(ctx: CheckContext, image: str, **create: Any) -> tuple[Any, str | None]:
    """Create and start a labelled container; returns it and the daemon's start error, if any."""
    import docker.errors

    labels = course_labels(ctx.exercise_id)
    labels["org.dockercourse.role"] = "check-run"
    container = ctx.client.containers.create(image, labels=labels, detach=True, **create)
    try:
        container.start()
    except docker.errors.APIError as exc:
        text = exc.explanation.decode(errors="replace") if isinstance(exc.explanation, bytes) else str(exc.explanation or exc)
        return container, text
    return container, None


def _logs(container: Any, lines: int = 8) -> str:
    text = container.logs(tail=lines).decode(errors="replace").strip()
    return text or "(no output)"


def _image_config(ctx: CheckContext, image: str) -> dict[str, Any] | None:
    info = ctx.image(image)
    return None if info is None else (info.get("Config") or {})


@kind("image_run_serves_http", "a container from {image} answers HTTP on its port {container_port}")
def image_run_serves_http(
    ctx: CheckContext,
    *,
    image: str,
    container_port: int,
    host_port: int,
    args: list[str] | None = None,
    path: str = "/",
    contains: str | None = None,
    timeout: float = 15.0,
) -> Outcome:
    """Run the image (with `args` as `docker run` arguments), probe it through a published port, remove it."""
    import requests

    config = _image_config(ctx, image)
    if config is None:
        return fail(f"There is no image {image!r}.", "the build check above says why")
    command = shlex.join(effective_command(config, args))
    ran = f"{_run_words(args)} ran `{command}`."
    url = f"http://127.0.0.1:{host_port}{path}"
    container, start_error = _start_labelled(ctx, image, command=args or None, ports={f"{container_port}/tcp": host_port})
    try:
        if start_error:
            replaced = " The run arguments replaced CMD, so Docker tried to start them as the program." if args and not config.get("Entrypoint") else ""
            return fail(f"The container did not start: {start_error.strip()}. {ran}{replaced}{_shell_form_note(config)}", "arguments to `docker run` replace CMD but are appended to ENTRYPOINT")
        last = "no answer"
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = requests.get(url, timeout=2)
                if response.status_code == 200 and (contains is None or contains in response.text):
                    return ok(f"{ran} {url} answered 200" + (f" with {contains!r}." if contains else "."))
                last = f"it answered {response.status_code}: {response.text.strip()[:160]!r}"
            except requests.RequestException as exc:
                last = f"no answer ({type(exc).__name__})"
            container.reload()
            if container.status in ("exited", "dead") or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        state = container.attrs["State"]
        status = f"it exited with code {state.get('ExitCode')}" if container.status in ("exited", "dead") else "it is still running"
        wanted = "200" + (f" with {contains!r}" if contains else "")
        return fail(
            f"{ran} Port {container_port} did not answer {wanted} ({last}); {status}. Its last log lines:\n{_logs(container)}{_shell_form_note(config)}",
            f"the app must listen on 0.0.0.0:{container_port}; compare the command above with CMD/ENTRYPOINT (run arguments replace CMD and are appended to ENTRYPOINT)",
        )
    finally:
        container.remove(force=True)


@kind("image_run_prints", "`{command}` in a container from {image} prints {contains!r}")
def image_run_prints(
    ctx: CheckContext,
    *,
    image: str,
    command: list[str],
    contains: str,
    exit_code: int = 0,
    timeout: float = 20.0,
) -> Outcome:
    """Run `command` in a fresh container (ENTRYPOINT replaced): proves what the image's layers hold."""
    if _image_config(ctx, image) is None:
        return fail(f"There is no image {image!r}.", "the build check above says why")
    container, start_error = _start_labelled(ctx, image, entrypoint=command[:1], command=command[1:])
    try:
        if start_error:
            return fail(f"`{shlex.join(command)}` could not start in {image}: {start_error.strip()}.", "is the program installed in the image?")
        deadline = time.monotonic() + timeout
        while True:
            container.reload()
            if container.status in ("exited", "dead"):
                break
            if time.monotonic() >= deadline:
                return fail(f"`{shlex.join(command)}` did not finish within {timeout:g} s. Last lines:\n{_logs(container)}")
            time.sleep(0.1)
        code = container.attrs["State"].get("ExitCode")
        output = container.logs().decode(errors="replace").strip()
        if code != exit_code:
            return fail(f"`{shlex.join(command)}` exited with {code} in {image}: {output[-400:] or '(no output)'}", "was the dependency installed by a RUN step of this image?")
        if contains not in output:
            return fail(f"`{shlex.join(command)}` printed {output[-300:]!r}, which lacks {contains!r}.")
        return ok(f"it printed {output.splitlines()[-1][:120]!r}." if output else "it ran.")
    finally:
        container.remove(force=True)


def _path_in_image(ctx: CheckContext, image: str, path: str) -> int | None:
    """The size of `path` inside a fresh (never started) container of `image`, or None if absent."""
    import docker.errors

    labels = course_labels(ctx.exercise_id)
    labels["org.dockercourse.role"] = "check-look"
    container = ctx.client.containers.create(image, command=["true"], entrypoint=[], labels=labels)
    try:
        stream, stat = container.get_archive(path)
        if hasattr(stream, "close"):
            stream.close()
        return int(stat.get("size", 0))
    except docker.errors.NotFound:
        return None
    finally:
        container.remove(force=True)


@kind("image_lacks_path", "the image {image} has no {path}")
def image_lacks_path(ctx: CheckContext, *, image: str, path: str) -> Outcome:
    """A file that must not ship (a secret, local junk) is not in any layer the image exposes."""
    if ctx.image(image) is None:
        return fail(f"There is no image {image!r}.", "the build check above says why")
    size = _path_in_image(ctx, image, path)
    if size is not None:
        name = path.rstrip("/").rsplit("/", 1)[-1]
        return fail(
            f"{path} is in the image ({size} bytes): a COPY took it from the build context, and anyone who pulls the image can read it.",
            f"list `{name}` in a .dockerignore next to the Dockerfile (it keeps files out of the build context), or COPY only what the app needs",
        )
    return ok("it is not there.")


# --- reading a Dockerfile ---------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str

    def __str__(self) -> str:
        text = f"{self.keyword} {self.args}".strip()
        return f"line {self.line} `{text if len(text) <= 70 else text[:67] + '…'}`"


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with their first line number; comments dropped, `\\` continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(part.strip() for part in pending if part.strip())
        pending = []
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(start, keyword.upper(), args.strip()))
    if pending:
        joined = " ".join(pending)
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(start, keyword.upper(), args.strip()))
    return instructions


def copy_operands(args: str) -> list[str]:
    """The sources and destination of COPY/ADD (JSON or plain form), without `--flags`."""
    if args.startswith("["):
        try:
            return [str(item) for item in json.loads(args)]
        except ValueError:
            pass
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    return [word for word in words if not word.startswith("--")]


def _copies(instruction: Instruction, name: str) -> bool:
    """Does this COPY/ADD bring `name` in? A folder source (`.`, `src/`) may hold it; a pattern may match it."""
    for source in copy_operands(instruction.args)[:-1]:
        clean = source[2:] if source.startswith("./") else source
        if clean in ("", ".") or clean.endswith("/") or fnmatch(name, clean) or fnmatch(name, clean.rsplit("/", 1)[-1]):
            return True
    return False


def dockerfile_mistakes(text: str, manifest: str) -> list[str]:
    """The notes' three classic mistakes, each named with its line, in file order (per build stage)."""
    found: list[tuple[int, str]] = []
    stages: list[list[Instruction]] = [[]]
    for instruction in parse_dockerfile(text):
        if instruction.keyword == "FROM" and stages[-1]:
            stages.append([])
        stages[-1].append(instruction)
    for stage in stages:
        body = [i for i in stage if i.keyword != "FROM"]
        copies = [i for i in body if i.keyword in ("COPY", "ADD")]
        for instruction in copies:
            if len(copy_operands(instruction.args)) < 2:
                found.append((instruction.line, f"{instruction} has no destination: a COPY needs a source and a destination, e.g. `COPY {instruction.args or 'app.py'} .`"))
        uses = [i for i in body if i.keyword == "RUN" and manifest in i.args]
        for run in uses:
            if not any(c.line < run.line and _copies(c, manifest) for c in copies):
                later = next((c for c in copies if c.line > run.line and _copies(c, manifest)), None)
                where = f" (it is copied only later, at {later})" if later else ""
                found.append((run.line, f"{run} reads {manifest} before the image has it{where}: copy the manifest first, then install"))
        workdirs = [i for i in body if i.keyword == "WORKDIR"]
        depends = [i for i in body if i.keyword in ("COPY", "ADD") or i in uses]
        if depends and not workdirs:
            found.append((depends[0].line, f"there is no WORKDIR, so {depends[0]} and the rest work in `/`: set `WORKDIR /app` before them"))
        elif depends and workdirs[0].line > depends[0].line:
            found.append((workdirs[0].line, f"{workdirs[0]} comes after {depends[0]}, which already ran in `/`: set WORKDIR before the instructions that depend on it"))
    return [text for _, text in sorted(found, key=lambda item: item[0])]


@kind("dockerfile_avoids_mistakes", "{path} has none of the notes' Dockerfile mistakes")
def dockerfile_avoids_mistakes(ctx: CheckContext, *, path: str, manifest: str = "packages.txt") -> Outcome:
    """Name every classic mistake still present: install before the manifest, COPY without destination, late WORKDIR."""
    target = ctx.path(path)
    if not target.is_file():
        return fail(f"{path} does not exist yet.", "run the exercise's setup cell, then your answer cell")
    mistakes = dockerfile_mistakes(target.read_text(encoding="utf-8", errors="replace"), manifest)
    if mistakes:
        count = f"{len(mistakes)} mistakes remain" if len(mistakes) > 1 else "1 mistake remains"
        listed = "\n".join(f"  {n}. {m}" for n, m in enumerate(mistakes, start=1))
        return fail(f"{count}:\n{listed}", "fix them one by one, from the top of the file")
    return ok("WORKDIR comes first, the manifest is copied before the install, and every COPY has a destination.")


# --- images are immutable ---------------------------------------------------------------------

DIFF_KINDS = {0: "changed", 1: "added", 2: "deleted"}


@kind("container_diff_shows", "the filesystem diff of {container} shows the changes")
def container_diff_shows(
    ctx: CheckContext,
    *,
    container: str,
    added: list[str] | None = None,
    deleted: list[str] | None = None,
    changed: list[str] | None = None,
) -> Outcome:
    """`docker diff`: a container's writable layer records what its processes changed."""
    info = ctx.container(container)
    if info is None:
        return fail(f"There is no container named {container!r}.", f"run the container with `--name {container}` (and without `--rm`, so it stays to be inspected)")
    diff = {item["Path"]: DIFF_KINDS.get(item["Kind"], "?") for item in (ctx.api.diff(container) or [])}
    wanted = [(p, "added") for p in added or []] + [(p, "deleted") for p in deleted or []] + [(p, "changed") for p in changed or []]
    missing_changes = [f"{p} {what}" for p, what in wanted if diff.get(p) != what]
    if missing_changes:
        seen = ", ".join(f"{what} {p}" for p, what in sorted(diff.items())[:12]) or "nothing"
        return fail(
            f"Its filesystem diff does not show {', '.join(missing_changes)}; it shows: {seen}.",
            "make the change inside this container (`docker run --name … IMAGE sh -c '…'`, or `docker exec` while it runs); `docker diff NAME` shows the result",
        )
    return ok(f"`docker diff {container}` shows " + ", ".join(f"{what} {p}" for p, what in wanted) + ".")


@kind("image_unchanged_by_container", "the image {image} is unchanged by what happened in {container}")
def image_unchanged_by_container(
    ctx: CheckContext,
    *,
    container: str,
    image: str,
    present: list[str] | None = None,
    absent: list[str] | None = None,
) -> Outcome:
    """The tag still names the image the container ran, and a fresh container from it sees none of the changes."""
    info = ctx.container(container)
    if info is None:
        return fail(f"There is no container named {container!r}.", f"run the container with `--name {container}`")
    tagged = ctx.image(image)
    if tagged is None:
        return fail(f"There is no image {image!r} any more.", "run the exercise's setup cell again")
    original = info["Image"]
    if tagged["Id"] != original:
        if tagged.get("Container") == info["Id"]:
            how = f"`docker commit {container}` wrote a new image from the container's writable layer and moved the tag to it"
        else:
            how = "the tag was moved to a new image (a commit or a rebuild)"
        return fail(
            f"The tag {image} now names a different image ({tagged['Id'][7:19]}) than the one {container} ran ({original[7:19]}): {how}. "
            "The original image did not change, and still exists under its id.",
            "images never change; to show that, leave the tag alone (no `docker commit`, no rebuild): run the exercise's setup again, then redo your steps",
        )
    wrong: list[str] = []
    for path in present or []:
        if _path_in_image(ctx, original, path) is None:
            wrong.append(f"{path} is missing")
    for path in absent or []:
        if _path_in_image(ctx, original, path) is not None:
            wrong.append(f"{path} exists")
    if wrong:
        return fail(
            f"A fresh container from {image} sees changes: {', '.join(wrong)}. The image was built that way, not changed by {container}.",
            "run the exercise's setup again to rebuild the image as it was",
        )
    kept = ", ".join([*(f"{p} still there" for p in present or []), *(f"no {p}" for p in absent or [])])
    return ok(f"{image} is still {original[7:19]}, and a fresh container from it sees the original files ({kept}).")
