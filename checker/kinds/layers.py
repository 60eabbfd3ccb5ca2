"""Check kinds about layers: what a container changed in its own layer, and that its image did not change."""

from __future__ import annotations

from checker.context import CheckContext
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.images import path_in_image

DIFF_KINDS = {0: "changed", 1: "added", 2: "deleted"}
# How a change is named in a message: as what the diff shows ("added /x"), and as what it lacks ("/x added").
SHOWN = {"changed": N_("changed {path}"), "added": N_("added {path}"), "deleted": N_("deleted {path}")}
LACKING = {"changed": N_("{path} changed"), "added": N_("{path} added"), "deleted": N_("{path} deleted")}


def _phrase(phrases: dict[str, str], what: str, path: str) -> str:
    return _(phrases[what]).format(path=path) if what in phrases else f"{what} {path}"


def container_diff(ctx: CheckContext, container: str) -> dict[str, str]:
    """`docker diff`: path → changed | added | deleted."""
    return {item["Path"]: DIFF_KINDS.get(item["Kind"], "?") for item in (ctx.api.diff(container) or [])}


@kind("container_diff_shows", N_("the filesystem diff of {container} shows the changes"))
def container_diff_shows(
    ctx: CheckContext,
    *,
    container: str,
    added: list[str] | None = None,
    deleted: list[str] | None = None,
    changed: list[str] | None = None,
) -> Outcome:
    """`docker diff`: a container's writable layer records what its processes changed."""
    ctx.require_container(
        container,
        fail(
            _("There is no container named {container!r}.").format(container=container),
            _("run the container with `--name {container}` (and without `--rm`, so it stays to be inspected)").format(
                container=container
            ),
        ),
    )
    diff = container_diff(ctx, container)
    wanted = (
        [(p, "added") for p in added or []]
        + [(p, "deleted") for p in deleted or []]
        + [(p, "changed") for p in changed or []]
    )
    missing_changes = [_phrase(LACKING, what, p) for p, what in wanted if diff.get(p) != what]
    if missing_changes:
        seen = ", ".join(_phrase(SHOWN, what, p) for p, what in sorted(diff.items())[:12]) or _("nothing")
        return fail(
            _("Its filesystem diff does not show {missing}; it shows: {seen}.").format(
                missing=", ".join(missing_changes), seen=seen
            ),
            _(
                "make the change inside this container (`docker run --name … IMAGE sh -c '…'`, or `docker exec` while "
                "it runs); `docker diff NAME` shows the result"
            ),
        )
    return ok(
        _("`docker diff {container}` shows {changes}.").format(
            container=container, changes=", ".join(_phrase(SHOWN, what, p) for p, what in wanted)
        )
    )


@kind("writable_layer", N_("the writable layer of {container} and {path}"), behaviour=True)
def writable_layer(ctx: CheckContext, *, container: str, path: str, present: bool = True) -> Outcome:
    """`docker diff`: what a container changed on top of its read-only image layers."""
    ctx.require_container(container)
    changed = {p for p, what in container_diff(ctx, container).items() if what in ("changed", "added")}
    if present and path not in changed:
        shown = ", ".join(sorted(changed)[:8]) or _("nothing")
        return fail(
            _("{path} is not in {container}'s writable layer (`docker diff {container}` shows: {shown}).").format(
                path=path, container=container, shown=shown
            ),
            _("create it inside the container: `docker exec {container} …`").format(container=container),
        )
    if not present and path in changed:
        return fail(
            _(
                "{path} is in {container}'s writable layer too: each container has its own layer, so write it in one "
                "container only."
            ).format(path=path, container=container),
            _("`docker rm -f {container}` and start it again").format(container=container),
        )
    if present:
        return ok(_("{path} is in {container}'s own layer.").format(path=path, container=container))
    return ok(_("{path} is not in {container}'s own layer.").format(path=path, container=container))


@kind("image_unchanged_by_container", N_("the image {image} is unchanged by what happened in {container}"))
def image_unchanged_by_container(
    ctx: CheckContext,
    *,
    container: str,
    image: str,
    present: list[str] | None = None,
    absent: list[str] | None = None,
) -> Outcome:
    """The tag still names the image the container ran, and a fresh container from it sees none of the changes."""
    info = ctx.require_container(
        container,
        fail(
            _("There is no container named {container!r}.").format(container=container),
            _("run the container with `--name {container}`").format(container=container),
        ),
    )
    tagged = ctx.require_image(
        image,
        fail(_("There is no image {image!r} any more.").format(image=image), _("run the exercise's setup cell again")),
    )
    original = info.image_id
    if tagged.id != original:
        if tagged.committed_from == info.id:
            how = _(
                "`docker commit {container}` wrote a new image from the container's writable layer and moved the tag "
                "to it"
            ).format(container=container)
        else:
            how = _("the tag was moved to a new image (a commit or a rebuild)")
        return fail(
            _(
                "The tag {image} now names a different image ({new}) than the one {container} ran ({original}): "
                "{how}. The original image did not change, and still exists under its id."
            ).format(image=image, new=tagged.short_id, container=container, original=original[7:19], how=how),
            _(
                "images never change; to show that, leave the tag alone (no `docker commit`, no rebuild): run the "
                "exercise's setup again, then redo your steps"
            ),
        )
    wrong = [
        _("{path} is missing").format(path=path) for path in present or [] if path_in_image(ctx, original, path) is None
    ]
    wrong += [
        _("{path} exists").format(path=path) for path in absent or [] if path_in_image(ctx, original, path) is not None
    ]
    if wrong:
        return fail(
            _(
                "A fresh container from {image} sees changes: {changes}. The image was built that way, not changed "
                "by {container}."
            ).format(image=image, changes=", ".join(wrong), container=container),
            _("run the exercise's setup again to rebuild the image as it was"),
        )
    kept = ", ".join(
        [
            *(_("{path} still there").format(path=p) for p in present or []),
            *(_("no {path}").format(path=p) for p in absent or []),
        ]
    )
    return ok(
        _("{image} is still {id}, and a fresh container from it sees the original files ({kept}).").format(
            image=image, id=original[7:19], kept=kept
        )
    )
