"""Check kinds that run an image the learner built: with and without arguments, and what is inside it."""
from __future__ import annotations

import shlex
import time
from typing import Any

from checker.context import PROBE_INTERVAL, CheckContext
from checker.kinds import Outcome, fail, kind, ok
from checker.probes import wait_for_exit
from checker.labels import course_labels


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


@kind("image_run_serves_http", "a container from {image} answers HTTP on its port {container_port}", behaviour=True)
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
            time.sleep(PROBE_INTERVAL)
        state = container.attrs["State"]
        status = f"it exited with code {state.get('ExitCode')}" if container.status in ("exited", "dead") else "it is still running"
        wanted = "200" + (f" with {contains!r}" if contains else "")
        return fail(
            f"{ran} Port {container_port} did not answer {wanted} ({last}); {status}. Its last log lines:\n{_logs(container)}{_shell_form_note(config)}",
            f"the app must listen on 0.0.0.0:{container_port}; compare the command above with CMD/ENTRYPOINT (run arguments replace CMD and are appended to ENTRYPOINT)",
        )
    finally:
        container.remove(force=True)


@kind("image_run_prints", "`{command}` in a container from {image} prints {contains!r}", behaviour=True)
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
        if not wait_for_exit(container, timeout):
            return fail(f"`{shlex.join(command)}` did not finish within {timeout:g} s. Last lines:\n{_logs(container)}")
        code = container.attrs["State"].get("ExitCode")
        output = container.logs().decode(errors="replace").strip()
        if code != exit_code:
            return fail(f"`{shlex.join(command)}` exited with {code} in {image}: {output[-400:] or '(no output)'}", "was the dependency installed by a RUN step of this image?")
        if contains not in output:
            return fail(f"`{shlex.join(command)}` printed {output[-300:]!r}, which lacks {contains!r}.")
        return ok(f"it printed {output.splitlines()[-1][:120]!r}." if output else "it ran.")
    finally:
        container.remove(force=True)


def path_in_image(ctx: CheckContext, image: str, path: str) -> int | None:
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


@kind("image_lacks_path", "the image {image} has no {path}", behaviour=True)
def image_lacks_path(ctx: CheckContext, *, image: str, path: str) -> Outcome:
    """A file that must not ship (a secret, local junk) is not in any layer the image exposes."""
    if ctx.image(image) is None:
        return fail(f"There is no image {image!r}.", "the build check above says why")
    size = path_in_image(ctx, image, path)
    if size is not None:
        name = path.rstrip("/").rsplit("/", 1)[-1]
        return fail(
            f"{path} is in the image ({size} bytes): a COPY took it from the build context, and anyone who pulls the image can read it.",
            f"list `{name}` in a .dockerignore next to the Dockerfile (it keeps files out of the build context), or COPY only what the app needs",
        )
    return ok("it is not there.")


# --- reading a Dockerfile ---------------------------------------------------------------------
