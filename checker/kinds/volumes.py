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
                f"There is no volume named {volume!r}.",
                f"`docker volume ls` lists them; `-v {volume}:/PATH` creates it when a container mounts it",
            )
        )
    return found


def require_running(ctx: CheckContext, container: str, what: str) -> None:
    if not ctx.require_container(container).running:
        raise Unmet(fail(f"Cannot {what} {container}: {diagnosis(ctx, container)}", "it must be running (`-d`)"))


@kind("volume_exists", "volume {volume} exists")
def volume_exists(ctx: CheckContext, *, volume: str) -> Outcome:
    require_volume(ctx, volume)
    return ok("found.")


@kind("volume_absent", "volume {volume} is gone")
def volume_absent(ctx: CheckContext, *, volume: str, fix: str = "") -> Outcome:
    ctx.refresh()
    if ctx.volume(volume) is not None:
        return fail(f"The volume {volume!r} still exists.", fix or f"`docker volume rm {volume}`")
    return ok("it was removed.")


@kind("tmpfs_mounted", "container {container} keeps {destination} in memory (a tmpfs)")
def tmpfs_mounted(ctx: CheckContext, *, container: str, destination: str) -> Outcome:
    """A tmpfs lives in memory and dies with its container: nothing written there reaches a disk."""
    info = ctx.require_container(container)
    if destination in tmpfs_destinations(info):
        return ok(f"{destination} is a tmpfs.")
    fix = f"add `--tmpfs {destination}` (or `--mount type=tmpfs,destination={destination}`)"
    mount = info.mount_at(destination)
    if mount is None:
        return fail(f"Nothing is mounted at {destination}: it is part of the container's own layer.", fix)
    return fail(f"{destination} is {mount_words(mount)}, not a tmpfs: what is written there is kept on disk.", fix)


@kind("mount_read_only", "container {container} mounts {destination} read-only: {read_only}")
def mount_read_only(ctx: CheckContext, *, container: str, destination: str, read_only: bool = True) -> Outcome:
    fix = f"append `:ro` to the mount (`-v VOLUME:{destination}:ro`)" if read_only else "drop `:ro` from the mount"
    mount = require_mount(ctx.require_container(container), destination, fix)
    if mount.rw == read_only:
        state = "read-write" if mount.rw else "read-only"
        return fail(f"{destination} in {container} is {state}.", fix)
    return ok(f"{destination} is {'read-only' if read_only else 'read-write'}.")


@kind(
    "volume_file_outlived_container",
    "{path} in volume {volume} was written before {container} existed, and is still there",
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
            f"The volume {volume!r} has no {path} ({probe.output.strip()[-160:]}).",
            "write it inside the container into the mounted folder; removing the volume (`docker volume rm`, "
            "`docker rm -v` on an anonymous one) deletes it",
        )
    stamp, _, content = probe.output.partition("\n")
    if contains not in content:
        return fail(f"{path} in {volume!r} holds {content.strip()[-120:]!r}, which lacks {contains!r}.")
    written, created = parse_stat_time(stamp), info.created
    if written is None or created is None:
        return fail(f"Could not read when {path} was written ({stamp.strip()!r}).")
    if written >= created:
        return fail(
            f"{path} was written at {clock(written)}, after this {container} was created ({clock(created)}): the "
            "container that wrote it still exists, so nothing has outlived a container yet.",
            f"remove it (`docker rm -f {container}`), then run it again with the same mounts",
        )
    return ok(
        f"{path} was written at {clock(written)}, before this {container} was created ({clock(created)}): "
        f"it outlived the container that wrote it."
    )


@kind("container_lacks_path", "{path} does not exist inside {container}", behaviour=True)
def container_lacks_path(ctx: CheckContext, *, container: str, path: str, why: str = "") -> Outcome:
    require_running(ctx, container, "look inside")
    seen = exec_in(ctx, container, f"test -e {shlex.quote(path)}")
    if seen.exit_code == 0:
        return fail(f"{path} exists inside {container}.{' ' + why if why else ''}")
    return ok(f"no {path}: {why}" if why else f"no {path}.")


@kind("mount_refuses_writes", "a write to {destination} inside {container} is refused", behaviour=True)
def mount_refuses_writes(ctx: CheckContext, *, container: str, destination: str) -> Outcome:
    """`docker exec` a write: a read-only mount must refuse it with the kernel's own words."""
    require_running(ctx, container, "write inside")
    target = f"{destination}/.course-write-{secrets.token_hex(4)}"
    tried = exec_in(ctx, container, f"touch {shlex.quote(target)}")
    if tried.exit_code == 0:
        exec_in(ctx, container, f"rm -f {shlex.quote(target)}")
        return fail(
            f"A write to {destination} inside {container} succeeded: it can change the data.",
            f"mount it read-only: `-v VOLUME:{destination}:ro`",
        )
    if "Read-only file system" not in tried.output:
        return fail(f"The write was refused, but not by a read-only mount: {tried.output.strip()[-200:]}")
    return ok(f"refused: {tried.output.strip()[-120:]}")


@kind("containers_share_data", "what {container} writes to {destination}, {reader} reads", behaviour=True)
def containers_share_data(
    ctx: CheckContext, *, container: str, destination: str, reader: str, reader_destination: str | None = None
) -> Outcome:
    """A fresh token written in one container is read, at once, in the other: one volume, two mounts."""
    require_running(ctx, container, "write inside")
    require_running(ctx, reader, "read inside")
    name = f".course-share-{secrets.token_hex(4)}"
    token = secrets.token_hex(8)
    wrote = exec_in(ctx, container, f"printf %s {token} > {shlex.quote(f'{destination}/{name}')}")
    if wrote.exit_code != 0:
        return fail(f"{container} could not write to {destination}: {wrote.output.strip()[-200:]}")
    try:
        read = exec_in(ctx, reader, f"cat {shlex.quote(f'{reader_destination or destination}/{name}')}")
    finally:
        exec_in(ctx, container, f"rm -f {shlex.quote(f'{destination}/{name}')}")
    if token not in read.output:
        return fail(
            f"{reader} does not see what {container} wrote to {destination} ({read.output.strip()[-160:]}): "
            "they do not share one volume.",
            "mount the same named volume in both",
        )
    return ok(f"{reader} read what {container} wrote a moment ago.")


@kind("no_leftover_containers", "no stopped container is left holding {volume}{folder}")
def no_leftover_containers(
    ctx: CheckContext, *, volume: str = "", folder: str = "", allow: list[str] | None = None
) -> Outcome:
    """A throwaway container (`--rm`) leaves nothing behind; a stopped one keeps its volume "in use"."""
    source = str(ctx.path(folder)) if folder else None
    users = users_of(ctx.api.containers(all=True), volume=volume or None, folder=source)
    left = [u for u in users if u.split(" (")[0] not in set(allow or [])]
    if left:
        return fail(
            f"{len(left)} container(s) still hold {volume or folder}: {', '.join(left)}. "
            "A stopped container keeps its volume in use (`docker volume rm` refuses it).",
            "a throwaway container takes `--rm`: remove these with `docker rm NAME`",
        )
    return ok("nothing is left behind.")
