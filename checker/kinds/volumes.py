"""Check kinds about volumes and what outlives a container: named volumes, tmpfs, read-only mounts, sharing.

State comes from inspect data; behaviour is proved from inside the daemon: a probe container reads a volume
(so the data is really in the volume, not in some container's layer), and `docker exec` writes where a mount
must accept or refuse it.
"""

from __future__ import annotations

import secrets
import shlex

from checker.context import CheckContext
from checker.facts.logs import diagnosis
from checker.facts.times import clock
from checker.facts.volumes import Volume, mount_words, parse_stat_time, tmpfs_destinations, users_of
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.mounts import require_mount
from checker.outcome import Unmet
from checker.probes import exec_in, run_probe

PROBE_MOUNT = "/volume"


def require_volume(ctx: CheckContext, volume: str) -> Volume:
    """The volume, or end the check: it does not exist (a probe would silently create an empty one)."""
    found = ctx.volume(volume)
    if found is None:
        raise Unmet(
            fail(
                _("There is no volume named {volume!r}.").format(volume=volume),
                _("`docker volume ls` lists them; `-v {volume}:/PATH` creates it when a container mounts it").format(
                    volume=volume
                ),
            )
        )
    return found


# What a check cannot do in a container that is not running ("Cannot look inside NAME: …").
LOOK_INSIDE = N_("Cannot look inside {container}: {diagnosis}")
WRITE_INSIDE = N_("Cannot write inside {container}: {diagnosis}")
READ_INSIDE = N_("Cannot read inside {container}: {diagnosis}")


def require_running(ctx: CheckContext, container: str, what: str) -> None:
    """End the check unless `container` runs; `what` is one of the templates above."""
    if not ctx.require_container(container).running:
        raise Unmet(
            fail(
                _(what).format(container=container, diagnosis=diagnosis(ctx, container)),
                _("it must be running (`-d`)"),
            )
        )


@kind("volume_exists", N_("volume {volume} exists"))
def volume_exists(ctx: CheckContext, *, volume: str) -> Outcome:
    require_volume(ctx, volume)
    return ok(_("found."))


@kind("volume_absent", N_("volume {volume} is gone"))
def volume_absent(ctx: CheckContext, *, volume: str, fix: str = "") -> Outcome:
    ctx.refresh()
    if ctx.volume(volume) is not None:
        return fail(
            _("The volume {volume!r} still exists.").format(volume=volume), _(fix) or f"`docker volume rm {volume}`"
        )
    return ok(_("it was removed."))


@kind("tmpfs_mounted", N_("container {container} keeps {destination} in memory (a tmpfs)"))
def tmpfs_mounted(ctx: CheckContext, *, container: str, destination: str) -> Outcome:
    """A tmpfs lives in memory and dies with its container: nothing written there reaches a disk."""
    info = ctx.require_container(container)
    if destination in tmpfs_destinations(info):
        return ok(_("{destination} is a tmpfs.").format(destination=destination))
    fix = _("add `--tmpfs {destination}` (or `--mount type=tmpfs,destination={destination}`)").format(
        destination=destination
    )
    mount = info.mount_at(destination)
    if mount is None:
        return fail(
            _("Nothing is mounted at {destination}: it is part of the container's own layer.").format(
                destination=destination
            ),
            fix,
        )
    return fail(
        _("{destination} is {mount}, not a tmpfs: what is written there is kept on disk.").format(
            destination=destination, mount=mount_words(mount)
        ),
        fix,
    )


@kind("mount_read_only", N_("container {container} mounts {destination} read-only: {read_only}"))
def mount_read_only(ctx: CheckContext, *, container: str, destination: str, read_only: bool = True) -> Outcome:
    fix = (
        _("append `:ro` to the mount (`-v VOLUME:{destination}:ro`)").format(destination=destination)
        if read_only
        else _("drop `:ro` from the mount")
    )
    mount = require_mount(ctx.require_container(container), destination, fix)
    if mount.rw == read_only:
        state = (
            _("{destination} in {container} is read-write.")
            if mount.rw
            else _("{destination} in {container} is read-only.")
        )
        return fail(state.format(destination=destination, container=container), fix)
    said = _("{destination} is read-only.") if read_only else _("{destination} is read-write.")
    return ok(said.format(destination=destination))


@kind(
    "volume_file_outlived_container",
    N_("{path} in volume {volume} was written before {container} existed, and is still there"),
    behaviour=True,
)
def volume_file_outlived_container(
    ctx: CheckContext, *, volume: str, path: str, contains: str, container: str
) -> Outcome:
    """A fresh probe reads the file from the volume; its time says an earlier container wrote it, so it outlived one."""
    info = ctx.require_container(container)
    require_volume(ctx, volume)
    target = f"{PROBE_MOUNT}/{path}"
    probe = run_probe(
        ctx,
        ["sh", "-c", f"stat -c %y {shlex.quote(target)} && cat {shlex.quote(target)}"],
        volumes={volume: {"bind": PROBE_MOUNT, "mode": "ro"}},
    )
    if probe.exit_code != 0:
        return fail(
            _("The volume {volume!r} has no {path} ({output}).").format(
                volume=volume, path=path, output=probe.output.strip()[-160:]
            ),
            _(
                "write it inside the container into the mounted folder; removing the volume (`docker volume rm`, "
                "`docker rm -v` on an anonymous one) deletes it"
            ),
        )
    stamp, _newline, content = probe.output.partition("\n")
    if contains not in content:
        return fail(
            _("{path} in {volume!r} holds {content!r}, which lacks {contains!r}.").format(
                path=path, volume=volume, content=content.strip()[-120:], contains=contains
            )
        )
    written, created = parse_stat_time(stamp), info.created
    if written is None or created is None:
        return fail(_("Could not read when {path} was written ({stamp!r}).").format(path=path, stamp=stamp.strip()))
    if written >= created:
        return fail(
            _(
                "{path} was written at {written}, after this {container} was created ({created}): the "
                "container that wrote it still exists, so nothing has outlived a container yet."
            ).format(path=path, written=clock(written), container=container, created=clock(created)),
            _("remove it (`docker rm -f {container}`), then run it again with the same mounts").format(
                container=container
            ),
        )
    return ok(
        _(
            "{path} was written at {written}, before this {container} was created ({created}): "
            "it outlived the container that wrote it."
        ).format(path=path, written=clock(written), container=container, created=clock(created))
    )


@kind("container_lacks_path", N_("{path} does not exist inside {container}"), behaviour=True)
def container_lacks_path(ctx: CheckContext, *, container: str, path: str, why: str = "") -> Outcome:
    require_running(ctx, container, LOOK_INSIDE)
    seen = exec_in(ctx, container, f"test -e {shlex.quote(path)}")
    if seen.exit_code == 0:
        said = _("{path} exists inside {container}.").format(path=path, container=container)
        return fail(said + (" " + _(why) if why else ""))
    if why:
        return ok(_("no {path}: {why}").format(path=path, why=_(why)))
    return ok(_("no {path}.").format(path=path))


@kind("mount_refuses_writes", N_("a write to {destination} inside {container} is refused"), behaviour=True)
def mount_refuses_writes(ctx: CheckContext, *, container: str, destination: str) -> Outcome:
    """`docker exec` a write: a read-only mount must refuse it with the kernel's own words."""
    require_running(ctx, container, WRITE_INSIDE)
    target = f"{destination}/.course-write-{secrets.token_hex(4)}"
    tried = exec_in(ctx, container, f"touch {shlex.quote(target)}")
    if tried.exit_code == 0:
        exec_in(ctx, container, f"rm -f {shlex.quote(target)}")
        return fail(
            _("A write to {destination} inside {container} succeeded: it can change the data.").format(
                destination=destination, container=container
            ),
            _("mount it read-only: `-v VOLUME:{destination}:ro`").format(destination=destination),
        )
    if "Read-only file system" not in tried.output:
        return fail(
            _("The write was refused, but not by a read-only mount: {output}").format(
                output=tried.output.strip()[-200:]
            )
        )
    return ok(_("refused: {output}").format(output=tried.output.strip()[-120:]))


@kind("containers_share_data", N_("what {container} writes to {destination}, {reader} reads"), behaviour=True)
def containers_share_data(
    ctx: CheckContext, *, container: str, destination: str, reader: str, reader_destination: str | None = None
) -> Outcome:
    """A fresh token written in one container is read, at once, in the other: one volume, two mounts."""
    require_running(ctx, container, WRITE_INSIDE)
    require_running(ctx, reader, READ_INSIDE)
    name = f".course-share-{secrets.token_hex(4)}"
    token = secrets.token_hex(8)
    wrote = exec_in(ctx, container, f"printf %s {token} > {shlex.quote(f'{destination}/{name}')}")
    if wrote.exit_code != 0:
        return fail(
            _("{container} could not write to {destination}: {output}").format(
                container=container, destination=destination, output=wrote.output.strip()[-200:]
            )
        )
    try:
        read = exec_in(ctx, reader, f"cat {shlex.quote(f'{reader_destination or destination}/{name}')}")
    finally:
        exec_in(ctx, container, f"rm -f {shlex.quote(f'{destination}/{name}')}")
    if token not in read.output:
        return fail(
            _(
                "{reader} does not see what {container} wrote to {destination} ({output}): "
                "they do not share one volume."
            ).format(reader=reader, container=container, destination=destination, output=read.output.strip()[-160:]),
            _("mount the same named volume in both"),
        )
    return ok(_("{reader} read what {container} wrote a moment ago.").format(reader=reader, container=container))


@kind("no_leftover_containers", N_("no stopped container is left holding {volume}{folder}"))
def no_leftover_containers(
    ctx: CheckContext, *, volume: str = "", folder: str = "", allow: list[str] | None = None
) -> Outcome:
    """A throwaway container (`--rm`) leaves nothing behind; a stopped one keeps its volume "in use"."""
    source = str(ctx.path(folder)) if folder else None
    users = users_of(ctx.api.containers(all=True), volume=volume or None, folder=source)
    left = [u for u in users if u.split(" (")[0] not in set(allow or [])]
    if left:
        return fail(
            _(
                "{count} container(s) still hold {what}: {names}. "
                "A stopped container keeps its volume in use (`docker volume rm` refuses it)."
            ).format(count=len(left), what=volume or folder, names=", ".join(left)),
            _("a throwaway container takes `--rm`: remove these with `docker rm NAME`"),
        )
    return ok(_("nothing is left behind."))
