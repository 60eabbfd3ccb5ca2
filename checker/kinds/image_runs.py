"""Check kinds that run an image the learner built: with and without arguments, over HTTP or to print.

Every container they start is labelled (role `check-run` or `probe`) and
removed when the check ends, passed or not.
"""

from __future__ import annotations

import shlex
from contextlib import contextmanager
from typing import Any, Iterator

from checker.context import CheckContext
from checker.facts.containers import Container
from checker.facts.http import answers_with, wait_for_http
from checker.facts.images import Image
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.images import BUILD_SAYS_WHY
from checker.labels import ROLE, course_labels
from checker.probes import wait_for_exit


def effective_command(config: dict[str, Any], args: list[str] | None) -> list[str]:
    """What a container runs: Entrypoint + (run arguments, which replace Cmd, or else Cmd)."""
    entrypoint = list(config.get("Entrypoint") or [])
    cmd = list(args) if args else list(config.get("Cmd") or [])
    return entrypoint + cmd


def _shell_form_note(image: Image) -> str:
    if (image.entrypoint or [])[:2] == ["/bin/sh", "-c"]:
        return " " + _(
            "Its ENTRYPOINT is in shell form (`/bin/sh -c …`), which ignores CMD and every run argument: "
            'use the exec form `ENTRYPOINT ["…", "…"]`.'
        )
    return ""


def _run_words(args: list[str] | None) -> str:
    return f"`docker run IMAGE {shlex.join(args)}`" if args else _("`docker run IMAGE` (no arguments)")


@contextmanager
def labelled_run(ctx: CheckContext, image: str, role: str, **create: Any) -> Iterator[tuple[Any, str | None]]:
    """Create and start a labelled container; yields it and the daemon's start error, if any; always removes it."""
    import docker.errors

    labels = course_labels(ctx.exercise_id)
    labels[ROLE] = role
    container = ctx.client.containers.create(image, labels=labels, detach=True, **create)
    try:
        try:
            container.start()
        except docker.errors.APIError as exc:
            text = (
                exc.explanation.decode(errors="replace")
                if isinstance(exc.explanation, bytes)
                else str(exc.explanation or exc)
            )
            yield container, text
            return
        yield container, None
    finally:
        container.remove(force=True)


def _logs(container: Any, lines: int = 8) -> str:
    return container.logs(tail=lines).decode(errors="replace").strip() or _("(no output)")


def _watch(container: Any) -> Container:
    container.reload()
    return Container(container.attrs)


@kind("image_run_serves_http", N_("a container from {image} answers HTTP on its port {container_port}"), behaviour=True)
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
    info = ctx.require_image(image, fail(_("There is no image {image!r}.").format(image=image), _(BUILD_SAYS_WHY)))
    ran = _("{run} ran `{command}`.").format(
        run=_run_words(args), command=shlex.join(effective_command(info.config, args))
    )
    url = f"http://127.0.0.1:{host_port}{path}"
    with labelled_run(ctx, image, "check-run", command=args or None, ports={f"{container_port}/tcp": host_port}) as (
        container,
        error,
    ):
        if error:
            replaced = (
                " " + _("The run arguments replaced CMD, so Docker tried to start them as the program.")
                if args and not info.entrypoint
                else ""
            )
            return fail(
                _("The container did not start: {error}.").format(error=error.strip())
                + f" {ran}{replaced}{_shell_form_note(info)}",
                _("arguments to `docker run` replace CMD but are appended to ENTRYPOINT"),
            )
        polled = wait_for_http(
            url, timeout=timeout, accept=answers_with(200, contains), watch=lambda: _watch(container)
        )
        if polled.ok:
            answered = (
                _("{url} answered 200 with {contains!r}.").format(url=url, contains=contains)
                if contains
                else _("{url} answered 200.").format(url=url)
            )
            return ok(f"{ran} {answered}")
        state = polled.container or _watch(container)
        status = (
            _("it exited with code {code}").format(code=state.exit_code)
            if state.status in ("exited", "dead")
            else _("it is still running")
        )
        wanted = _("200 with {contains!r}").format(contains=contains) if contains else "200"
        return fail(
            f"{ran} "
            + _("Port {port} did not answer {wanted} ({seen}); {status}. Its last log lines:\n{logs}").format(
                port=container_port, wanted=wanted, seen=polled.seen(160), status=status, logs=_logs(container)
            )
            + _shell_form_note(info),
            _(
                "the app must listen on 0.0.0.0:{port}; compare the command above with CMD/ENTRYPOINT "
                "(run arguments replace CMD and are appended to ENTRYPOINT)"
            ).format(port=container_port),
        )


@kind("image_run_prints", N_("`{command}` in a container from {image} prints {contains!r}"), behaviour=True)
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
    ctx.require_image(image, fail(_("There is no image {image!r}.").format(image=image), _(BUILD_SAYS_WHY)))
    shown = shlex.join(command)
    with labelled_run(ctx, image, "check-run", entrypoint=command[:1], command=command[1:]) as (container, error):
        if error:
            return fail(
                _("`{command}` could not start in {image}: {error}.").format(
                    command=shown, image=image, error=error.strip()
                ),
                _("is the program installed in the image?"),
            )
        if not wait_for_exit(container, timeout):
            return fail(
                _("`{command}` did not finish within {timeout:g} s. Last lines:\n{logs}").format(
                    command=shown, timeout=timeout, logs=_logs(container)
                )
            )
        code = Container(container.attrs).exit_code
        output = container.logs().decode(errors="replace").strip()
        if code != exit_code:
            return fail(
                _("`{command}` exited with {code} in {image}: {output}").format(
                    command=shown, code=code, image=image, output=output[-400:] or _("(no output)")
                ),
                _("was the dependency installed by a RUN step of this image?"),
            )
        if contains not in output:
            return fail(
                _("`{command}` printed {output!r}, which lacks {contains!r}.").format(
                    command=shown, output=output[-300:], contains=contains
                )
            )
        if output:
            return ok(_("it printed {line!r}.").format(line=output.splitlines()[-1][:120]))
        return ok(_("it ran."))


@kind("image_serves_http", N_("a container from {image} answers HTTP on port {container_port}"), behaviour=True)
def image_serves_http(
    ctx: CheckContext,
    *,
    image: str,
    container_port: int,
    path: str = "/",
    contains: str | None = None,
    timeout: float = 10.0,
) -> Outcome:
    """Run the image as the learner would (labelled, on a free host port), fetch `path`, remove it."""
    ctx.require_image(
        image,
        fail(
            _("There is no image {image!r}.").format(image=image),
            _("build it first: `docker build -t {image} …`").format(image=image),
        ),
    )
    with labelled_run(ctx, image, "probe", ports={f"{container_port}/tcp": ("127.0.0.1", None)}) as (container, error):
        if error:
            return fail(
                _("A container from {image} did not start: {error}.").format(image=image, error=error.strip()),
                _("check the Dockerfile's CMD and ENTRYPOINT"),
            )
        bindings = _watch(container).ports.get(f"{container_port}/tcp") or []
        if not bindings:
            return fail(
                _("A container from {image} could not publish port {port}.").format(image=image, port=container_port)
            )
        url = f"http://127.0.0.1:{bindings[0]['HostPort']}{path}"
        polled = wait_for_http(url, timeout=timeout, accept=answers_with(200, contains))
        if polled.ok:
            if contains:
                return ok(_("it answered 200 with {contains!r}.").format(contains=contains))
            return ok(_("it answered 200."))
        return fail(
            _(
                "A container from {image} did not serve {path} on port {port} within {timeout:g} s: {seen}. "
                "It is {status}; last log lines:\n{logs}"
            ).format(
                image=image,
                path=path,
                port=container_port,
                timeout=timeout,
                seen=polled.seen(120),
                status=_watch(container).status_line,
                logs=_logs(container, 5),
            ),
            _("check the Dockerfile's CMD and the port the server listens on"),
        )
