"""Check kinds about hardening what runs: an image's labels, and a container whose root filesystem is
read-only, with one tmpfs where the app must write.

The state (ReadonlyRootfs, the tmpfs) is read from `docker inspect`; the behaviour is proven by writing
from inside the running container: it must fail everywhere but in the writable folders.
"""

from __future__ import annotations

import shlex

from checker.context import CheckContext
from checker.facts.logs import diagnosis
from checker.facts.production import mount_type_at, read_only_rootfs
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.labels import NAMESPACE
from checker.probes import exec_in

PROBE_FILE = ".course-write-probe"
READ_ONLY_ERROR = "read-only file system"


@kind("image_labels", N_("image {image} carries the labels {labels}"))
def image_labels(ctx: CheckContext, *, image: str, labels: dict[str, str]) -> Outcome:
    """Metadata that travels with the image (who made it, which version): `LABEL` or `docker build --label`."""
    info = ctx.require_image(image)
    actual = info.config.get("Labels") or {}
    wrong = []  # what is wrong with each label; the message shows the first
    for key, value in labels.items():
        if key not in actual:
            wrong.append(_("Label {key} is missing").format(key=key))
        elif actual[key] != value:
            wrong.append(
                _("Label {key} is {actual!r}, expected {wanted!r}").format(key=key, actual=actual[key], wanted=value)
            )
    if wrong:
        mine = {k: v for k, v in actual.items() if not k.startswith(NAMESPACE)}
        has = ", ".join(f"{k}={v}" for k, v in sorted(mine.items())) or _("no labels of its own")
        said = (
            _("{first} (and {more} more); the image has {has}.")
            if len(wrong) > 1
            else _("{first}; the image has {has}.")
        )
        return fail(
            said.format(first=wrong[0], more=len(wrong) - 1, has=has),
            _(
                '`LABEL key="value" …` in the Dockerfile (or `docker build --label key=value`), then build again; '
                "`docker inspect -f '{{json .Config.Labels}}' IMAGE` shows them"
            ),
        )
    return ok(", ".join(f"{k}={v}" for k, v in labels.items()) + ".")


@kind("container_read_only", N_("container {container} has a read-only root filesystem and a tmpfs at {writable}"))
def container_read_only(ctx: CheckContext, *, container: str, writable: list[str]) -> Outcome:
    """`--read-only`, and each folder the app must write is a tmpfs (in memory, gone with the container)."""
    info = ctx.require_container(container)
    if not read_only_rootfs(info):
        return fail(
            _(
                "Its root filesystem is writable (ReadonlyRootfs is false): anything that gets in can change the "
                "image's files for as long as the container runs."
            ),
            _("recreate it with `--read-only`"),
        )
    for folder in writable:
        mounted = mount_type_at(info, folder)
        if mounted is None:
            return fail(
                _("Nothing is mounted at {folder}: with --read-only, the app cannot write there.").format(
                    folder=folder
                ),
                _("add `--tmpfs {destination}` (or `--mount type=tmpfs,destination={destination}`)").format(
                    destination=folder
                ),
            )
        if mounted != "tmpfs":
            return fail(
                _(
                    "{folder} is a {type} mount, not a tmpfs: what the app writes there lands on the host's disk and "
                    "outlives the container."
                ).format(folder=folder, type=mounted),
                _("use `--tmpfs {folder}` for scratch data that should vanish with the container").format(
                    folder=folder
                ),
            )
    return ok(_("ReadonlyRootfs is true; tmpfs at {writable}.").format(writable=", ".join(writable)))


def _try_write(ctx: CheckContext, container: str, folder: str) -> tuple[bool, str]:
    """Write and remove a probe file in `folder` from inside the container: (it worked, what sh said)."""
    target = f"{folder.rstrip('/')}/{PROBE_FILE}"
    script = f"echo probe > {shlex.quote(target)} && rm -f {shlex.quote(target)}"
    result = exec_in(ctx, container, ["sh", "-c", script])
    return result.exit_code == 0, " ".join(result.output.split())


@kind(
    "container_writes_only_to",
    N_("inside {container}, writing works in {writable} and fails in {read_only}"),
    behaviour=True,
)
def container_writes_only_to(
    ctx: CheckContext, *, container: str, writable: list[str], read_only: list[str]
) -> Outcome:
    """Prove it from inside: a file can be written in each `writable` folder, and not in any `read_only` one."""
    if not ctx.require_container(container).running:
        return fail(
            _("Cannot write inside it: {diagnosis}").format(diagnosis=diagnosis(ctx, container)),
            _("start it detached with `-d`"),
        )
    for folder in read_only:
        worked, said = _try_write(ctx, container, folder)
        if worked:
            return fail(
                _("Writing {path} inside {container} worked: its root filesystem is writable.").format(
                    path=f"{folder}/{PROBE_FILE}", container=container
                ),
                _("recreate the container with `--read-only`"),
            )
        if READ_ONLY_ERROR not in said.lower():
            return fail(
                _("Writing in {folder} failed, but not because the filesystem is read-only: {output}").format(
                    folder=folder, output=said[-200:]
                ),
                _("the root filesystem should refuse with `Read-only file system`: recreate it with `--read-only`"),
            )
    for folder in writable:
        worked, said = _try_write(ctx, container, folder)
        if not worked:
            return fail(
                _("Writing in {folder} inside {container} failed: {output}").format(
                    folder=folder, container=container, output=said[-200:]
                ),
                _("mount a tmpfs there: `--tmpfs {folder}`").format(folder=folder),
            )
    return ok(
        _("{read_only} refuse writes (Read-only file system); {writable} accept them.").format(
            read_only=", ".join(read_only), writable=", ".join(writable)
        )
    )
