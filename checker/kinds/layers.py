"""Check kinds about layers: what a container changed in its own layer, and that its image did not change."""

from __future__ import annotations

from checker.context import CheckContext
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.images import path_in_image

DIFF_KINDS = {0: "changed", 1: "added", 2: "deleted"}


def container_diff(ctx: CheckContext, container: str) -> dict[str, str]:
    """`docker diff`: path → changed | added | deleted."""
    return {item["Path"]: DIFF_KINDS.get(item["Kind"], "?") for item in (ctx.api.diff(container) or [])}


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
    ctx.require_container(
        container,
        fail(
            f"There is no container named {container!r}.",
            f"run the container with `--name {container}` (and without `--rm`, so it stays to be inspected)",
        ),
    )
    diff = container_diff(ctx, container)
    wanted = (
        [(p, "added") for p in added or []]
        + [(p, "deleted") for p in deleted or []]
        + [(p, "changed") for p in changed or []]
    )
    missing_changes = [f"{p} {what}" for p, what in wanted if diff.get(p) != what]
    if missing_changes:
        seen = ", ".join(f"{what} {p}" for p, what in sorted(diff.items())[:12]) or "nothing"
        return fail(
            f"Its filesystem diff does not show {', '.join(missing_changes)}; it shows: {seen}.",
            "make the change inside this container (`docker run --name … IMAGE sh -c '…'`, or `docker exec` while it "
            "runs); "
            "`docker diff NAME` shows the result",
        )
    return ok(f"`docker diff {container}` shows " + ", ".join(f"{what} {p}" for p, what in wanted) + ".")


@kind("writable_layer", "the writable layer of {container} and {path}", behaviour=True)
def writable_layer(ctx: CheckContext, *, container: str, path: str, present: bool = True) -> Outcome:
    """`docker diff`: what a container changed on top of its read-only image layers."""
    ctx.require_container(container)
    changed = {p for p, what in container_diff(ctx, container).items() if what in ("changed", "added")}
    if present and path not in changed:
        shown = ", ".join(sorted(changed)[:8]) or "nothing"
        return fail(
            f"{path} is not in {container}'s writable layer (`docker diff {container}` shows: {shown}).",
            f"create it inside the container: `docker exec {container} …`",
        )
    if not present and path in changed:
        return fail(
            f"{path} is in {container}'s writable layer too: each container has its own layer, so write it in one "
            f"container only.",
            f"`docker rm -f {container}` and start it again",
        )
    return ok(f"{path} {'is' if present else 'is not'} in {container}'s own layer.")


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
    info = ctx.require_container(
        container, fail(f"There is no container named {container!r}.", f"run the container with `--name {container}`")
    )
    tagged = ctx.require_image(
        image, fail(f"There is no image {image!r} any more.", "run the exercise's setup cell again")
    )
    original = info.image_id
    if tagged.id != original:
        if tagged.committed_from == info.id:
            how = (
                f"`docker commit {container}` wrote a new image from the container's writable layer "
                "and moved the tag to it"
            )
        else:
            how = "the tag was moved to a new image (a commit or a rebuild)"
        return fail(
            f"The tag {image} now names a different image ({tagged.short_id}) than the one {container} ran "
            f"({original[7:19]}): {how}. "
            "The original image did not change, and still exists under its id.",
            "images never change; to show that, leave the tag alone (no `docker commit`, no rebuild): "
            "run the exercise's setup again, then redo your steps",
        )
    wrong = [f"{path} is missing" for path in present or [] if path_in_image(ctx, original, path) is None]
    wrong += [f"{path} exists" for path in absent or [] if path_in_image(ctx, original, path) is not None]
    if wrong:
        return fail(
            f"A fresh container from {image} sees changes: {', '.join(wrong)}. The image was built that way, not "
            f"changed by {container}.",
            "run the exercise's setup again to rebuild the image as it was",
        )
    kept = ", ".join([*(f"{p} still there" for p in present or []), *(f"no {p}" for p in absent or [])])
    return ok(f"{image} is still {original[7:19]}, and a fresh container from it sees the original files ({kept}).")
