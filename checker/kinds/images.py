"""Check kinds about images: which exist under which tag, their config, and the files their layers hold."""

from __future__ import annotations

from typing import Any

from checker.context import CheckContext
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.labels import ROLE, course_labels

BUILD_SAYS_WHY = N_("the build check above says why")  # a hint: show it as _(BUILD_SAYS_WHY)


@kind("image_absent", N_("image {image} is gone"))
def image_absent(ctx: CheckContext, *, image: str) -> Outcome:
    if ctx.image(image) is not None:
        return fail(
            _("The image {image!r} is still there.").format(image=image),
            _("`docker rmi {image}` (remove its containers first)").format(image=image),
        )
    return ok(_("it no longer exists."))


@kind("image_tagged", N_("image {image} exists with that tag"))
def image_tagged(ctx: CheckContext, *, image: str) -> Outcome:
    """The image exists; if not, say which tags of the same repository do exist (a wrong `-t`)."""
    info = ctx.image(image)
    if info is not None:
        return ok(_("found ({id}).").format(id=info.short_id))
    repository = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    others = sorted(t for i in ctx.client.images.list(name=repository) for t in i.tags)
    if others:
        return fail(
            _("There is no image {image!r}; found {others} instead.").format(image=image, others=", ".join(others)),
            _("the tag goes after the colon: `-t {image}`").format(image=image),
        )
    return fail(
        _("There is no image {image!r}.").format(image=image),
        _("build and tag it: `docker build -f … -t {image} FOLDER`; `docker images` lists yours").format(image=image),
    )


def _differs(field: str, actual: Any, expected: Any, hint: str) -> tuple[str, str] | None:
    if actual == expected:
        return None
    return _("{field} is {actual!r}, expected {expected!r}.").format(
        field=field, actual=actual, expected=expected
    ), hint


def _exec_form(keyword: str, words: list[str]) -> str:
    return _("use the exec form: `{instruction}`").format(instruction=f"{keyword} {words}".replace("'", '"'))


@kind("image_config", N_("image {image} is configured as the exercise asks"))
def image_config(
    ctx: CheckContext,
    *,
    image: str,
    workdir: str | None = None,
    cmd: list[str] | None = None,
    entrypoint: list[str] | None = None,
    exposed_ports: list[str] | None = None,
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> Outcome:
    info = ctx.require_image(image)
    checks = []
    if workdir is not None:
        checks.append(
            _differs("WorkingDir", info.workdir, workdir, _("set `WORKDIR {workdir}`").format(workdir=workdir))
        )
    if cmd is not None:
        checks.append(_differs("Cmd", info.cmd, cmd, _exec_form("CMD", cmd)))
    if entrypoint is not None:
        checks.append(_differs("Entrypoint", info.entrypoint, entrypoint, _exec_form("ENTRYPOINT", entrypoint)))
    if exposed_ports is not None:
        expose = _("add `{instruction}`").format(
            instruction="EXPOSE " + " ".join(p.split("/")[0] for p in exposed_ports)
        )
        checks.append(_differs("ExposedPorts", info.exposed_ports, sorted(exposed_ports), expose))
    if user is not None:
        checks.append(_differs("User", info.user, user, _("add `{instruction}`").format(instruction=f"USER {user}")))
    actual_env = info.env
    for key, value in (env or {}).items():
        add_env = _("add `{instruction}`").format(instruction=f"ENV {key}={value}")
        checks.append(_differs(f"ENV {key}", actual_env.get(key), value, add_env))
    failures = [c for c in checks if c is not None]
    if failures:
        message, hint = failures[0]
        more = " " + _("(and {count} more)").format(count=len(failures) - 1) if len(failures) > 1 else ""
        return fail(message + more, hint)
    return ok(_("config matches."))


def path_in_image(ctx: CheckContext, image: str, path: str) -> int | None:
    """The size of `path` inside a fresh (never started) container of `image`, or None if absent."""
    import docker.errors

    labels = course_labels(ctx.exercise_id)
    labels[ROLE] = "check-look"
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


def _hidden_in_layer(ctx: CheckContext, image: str, path: str) -> tuple[str, int] | None:
    """(the step, the size) of a lower layer that still holds `path` though the image hides it (a later
    `RUN rm`): every layer ships with the image. Only layers that wrote files (size > 0) and that this daemon
    built (an id, not `<missing>`) can be looked into."""
    own = ctx.api.inspect_image(image)["Id"]
    for entry in ctx.api.history(image):
        layer = entry.get("Id") or ""
        if entry.get("Size", 0) <= 0 or not layer.startswith("sha256:") or layer == own:
            continue
        size = path_in_image(ctx, layer, path)
        if size is not None:
            step = (entry.get("CreatedBy") or "").replace("/bin/sh -c #(nop) ", "").strip()
            return step, size
    return None


@kind("image_lacks_path", N_("the image {image} has no {path}"), behaviour=True)
def image_lacks_path(ctx: CheckContext, *, image: str, path: str) -> Outcome:
    """A file that must not ship (a secret, local junk) is not in any layer the image ships, hidden ones too."""
    ctx.require_image(image, fail(_("There is no image {image!r}.").format(image=image), _(BUILD_SAYS_WHY)))
    name = path.rstrip("/").rsplit("/", 1)[-1]
    keep_out = _(
        "list `{name}` in a .dockerignore next to the Dockerfile (it keeps files out of the build context), or "
        "COPY only what the app needs"
    ).format(name=name)
    size = path_in_image(ctx, image, path)
    if size is not None:
        return fail(
            _(
                "{path} is in the image ({size} bytes): a COPY took it from the build context, and anyone who pulls "
                "the image can read it."
            ).format(path=path, size=size),
            keep_out,
        )
    hidden = _hidden_in_layer(ctx, image, path)
    if hidden is not None:
        step, size = hidden
        return fail(
            _(
                "{path} is hidden, not gone: the layer of `{step}` still holds it ({size} bytes), and every layer "
                "ships with the image (`docker save` extracts it). A later `RUN rm` only hides it."
            ).format(path=path, step=step[:80], size=size),
            keep_out,
        )
    return ok(_("it is not there, in no layer."))
