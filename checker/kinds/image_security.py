"""Check kinds about what an image gives away and who its process runs as: USER, the uid of PID 1, and
secrets in layers.

A secret deleted by a later step is still in the layer that added it, so the layers are read the way
anyone who has the image can read them: `docker save` (the SDK's image.save()), layer by layer.
"""

from __future__ import annotations

import tempfile

from checker.context import CheckContext, poll
from checker.facts.containers import Container
from checker.facts.image_archive import SavedImage, read_saved_image
from checker.facts.production import is_root_user, status_uids
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.image_runs import labelled_run
from checker.kinds.image_stages import no_image
from checker.probes import exec_in

NO_SUCH_USER = "no matching entries in passwd file"
SECRET_HINT = N_(
    "never COPY a secret into a stage that ships: use it in a build stage and COPY --from only what it produced "
    "(BuildKit's `RUN --mount=type=secret` is the modern way; this machine's classic builder does not have it)"
)


@kind("image_user_not_root", N_("image {image} sets a USER other than root"))
def image_user_not_root(ctx: CheckContext, *, image: str) -> Outcome:
    """The image's config names a non-root USER, so containers do not start as root by default."""
    user = ctx.require_image(image, no_image(image)).user
    if is_root_user(user):
        said = (
            _("User is {user!r}: every container from it runs as root (uid 0).")
            if user
            else _("User is '' (no USER instruction): every container from it runs as root (uid 0).")
        )
        return fail(
            said.format(user=user),
            _(
                "create a user (`RUN useradd --uid 10001 app`) and switch to it with `USER app` after the steps that "
                "need root"
            ),
        )
    return ok(_("User is {user!r}.").format(user=user))


@kind("image_process_uid", N_("a container from {image} runs its process as a non-root uid"), behaviour=True)
def image_process_uid(ctx: CheckContext, *, image: str, settle: float = 1.5) -> Outcome:
    """Start the image as `docker run` would, and read PID 1's uid in /proc/1/status (and `id -u` by exec)."""
    ctx.require_image(image, no_image(image))
    with labelled_run(ctx, image, "check-run") as (container, error):
        if error:
            hint = (
                _("USER names a user the image does not have: create it first (`RUN useradd …`), or give a numeric uid")
                if NO_SUCH_USER in error
                else _("compare CMD and USER with what the image holds")
            )
            return fail(
                _("A container from {image} did not start: {error}").format(image=image, error=error.strip()), hint
            )

        def exited() -> bool:
            container.reload()
            return container.status in ("exited", "dead")

        if poll(exited, settle):
            state = Container(container.attrs)
            output = container.logs(tail=5).decode(errors="replace").strip() or _("(no output)")
            return fail(
                _("A container from {image} {status}; its last log lines:\n{output}").format(
                    image=image, status=state.status_line, output=output
                ),
                _(
                    "a non-root user may write only where it owns the folder: create the app's folders and `chown` "
                    "them to that user before `USER`"
                ),
            )
        status = exec_in(ctx, container.id, ["cat", "/proc/1/status"])
        uids = status_uids(status.output) if status.exit_code == 0 else None
        if uids is None:
            return fail(
                _("Could not read /proc/1/status inside a container from {image}: {output}").format(
                    image=image, output=status.output.strip()
                )
            )
        exec_user = exec_in(ctx, container.id, ["id", "-u"]).output.strip()
    if any(uid == 0 for uid in uids[:2]):
        return fail(
            _("PID 1 runs as uid {uid} (root): /proc/1/status says `Uid: {uids}`.").format(
                uid=uids[0], uids=" ".join(map(str, uids))
            ),
            _("add `USER` with a non-root user (a name the image knows, or a uid) after the steps that need root"),
        )
    return ok(
        _("PID 1 runs as uid {uid} (/proc/1/status), and `docker exec … id -u` says {exec_user}.").format(
            uid=uids[0], exec_user=exec_user or "?"
        )
    )


def saved_image(ctx: CheckContext, image: str, *, needle: bytes = b"", keep: tuple[str, ...] = ()) -> SavedImage:
    """The image as `docker save` writes it, read layer by layer (spooled to a temporary file)."""
    with tempfile.TemporaryFile(prefix="course-save-") as spool:
        for chunk in ctx.client.images.get(image).save(named=True):
            spool.write(chunk)
        spool.seek(0)
        return read_saved_image(spool, needle=needle, keep=keep)


@kind("image_layers_lack_secret", N_("no layer of {image} holds the secret in {secret_file}"))
def image_layers_lack_secret(ctx: CheckContext, *, image: str, secret_file: str) -> Outcome:
    """Every layer (deleted files included), the history and the config are searched for the secret's text."""
    source = ctx.path(secret_file)
    if not source.is_file():
        return fail(_("There is no {path}.").format(path=secret_file), _("run the exercise's setup cell first"))
    secret = source.read_text(encoding="utf-8", errors="replace").strip()
    if not secret:
        return fail(_("{path} is empty.").format(path=secret_file), _("run the exercise's setup cell again"))
    ctx.require_image(image, no_image(image))
    saved = saved_image(ctx, image, needle=secret.encode())
    for layer, item in saved.layers_holding_needle():
        hidden_later = any(item.path in later.whiteouts for later in saved.layers[layer.number :])
        deleted = (
            _(
                " A later step deletes it, but that only hides it: the layer that added it ships with the image, and "
                "`docker save` hands that layer to anyone who has the image."
            )
            if hidden_later
            else ""
        )
        return fail(
            _("Layer {number} of {count}, made by `{step}`, holds /{path}, which contains the secret.").format(
                number=layer.number, count=len(saved.layers), step=layer.step, path=item.path
            )
            + deleted,
            _(SECRET_HINT),
        )
    if secret in saved.config_text:
        return fail(
            _(
                "The image's config or history holds the secret: an ENV, a LABEL or a build ARG shows in "
                "`docker history --no-trunc` and `docker inspect`."
            ),
            _(SECRET_HINT),
        )
    return ok(
        _("none of its {count} layers, nor its history and config, holds the secret.").format(count=len(saved.layers))
    )


@kind(
    "answer_matches_layer_file",
    N_("what you recorded in {path} is the {layer_path} hidden in the layers of {image}"),
)
def answer_matches_layer_file(ctx: CheckContext, *, image: str, layer_path: str, path: str) -> Outcome:
    """The learner dug a deleted file out of an image's layers: the answer must be its content."""
    answer_file = ctx.path(path)
    if not answer_file.is_file():
        return fail(
            _("{path} does not exist yet.").format(path=path),
            _("write what you found into it, e.g. `echo VALUE > {path}`").format(path=path),
        )
    answer = answer_file.read_text(encoding="utf-8", errors="replace").strip()
    ctx.require_image(
        image,
        fail(_("There is no image {image!r}.").format(image=image), _("run the exercise's setup cell again")),
    )
    found = saved_image(ctx, image, keep=(layer_path.lstrip("/"),)).newest_file(layer_path)
    if found is None or found[1].content is None:
        return fail(
            _("No layer of {image} holds {path}.").format(image=image, path=layer_path),
            _("run the exercise's setup cell again"),
        )
    layer, item = found
    if answer != item.content.decode(errors="replace").strip():
        return fail(
            _("{path} holds {answer!r}, which is not the {layer_path} hidden in the layers of {image}.").format(
                path=path, answer=answer[:40], layer_path=layer_path, image=image
            ),
            _(
                "`docker history {image}` shows which step added it; `docker save {image}` gives you every layer "
                "as a tar file"
            ).format(image=image),
        )
    return ok(
        _("it is the /{path} that layer {number} (`{step}`) still holds.").format(
            path=item.path, number=layer.number, step=layer.step
        )
    )
