"""Check kinds about what a container mounts: host folders (binds) and named volumes."""

from __future__ import annotations

import secrets
from pathlib import Path

from checker.context import CheckContext
from checker.facts.containers import Container, Mount
from checker.facts.http import wait_for_http
from checker.facts.logs import diagnosis
from checker.facts.volumes import ANONYMOUS, is_anonymous
from checker.kinds import Outcome, fail, kind, ok
from checker.outcome import Unmet


def require_mount(info: Container, destination: str, hint: str, where: str = "") -> Mount:
    """The mount at `destination`, or end the check naming the mounts there are."""
    mount = info.mount_at(destination)
    if mount is None:
        found = ", ".join(m.destination for m in info.mounts) or "none"
        raise Unmet(fail(f"Nothing is mounted at {destination}{where} (mounts: {found}).", hint))
    return mount


def volume_words(mount: Mount) -> str:
    """How to name the volume a mount uses: anonymous ones have only a random name."""
    return ANONYMOUS if is_anonymous(mount.name) else f"the volume {mount.name!r}"


@kind("mount_is_bind", "container {container} bind-mounts a host folder at {destination}")
def mount_is_bind(
    ctx: CheckContext, *, container: str, destination: str, source: str | None = None, read_only: bool | None = None
) -> Outcome:
    mount = require_mount(ctx.require_container(container), destination, f'add `-v "$PWD/FOLDER":{destination}`')
    if mount.type != "bind":
        return fail(
            f"{destination} is a {mount.type} mount, not a bind mount of a host folder.",
            'give the host side as an absolute path, e.g. "$PWD/site"',
        )
    if source is not None and mount.source != str(ctx.path(source)):
        return fail(
            f"{destination} is bound to {mount.source}, expected {ctx.path(source)}.", f'bind `"$PWD/{source}"`'
        )
    if read_only is not None and mount.rw == read_only:
        return fail(
            f"The mount is {'read-write' if mount.rw else 'read-only'}.", "add `:ro`" if read_only else "drop `:ro`"
        )
    return ok(f"{mount.source} → {destination}.")


@kind("mount_is_named_volume", "container {container} keeps {destination} in the named volume {volume}")
def mount_is_named_volume(ctx: CheckContext, *, container: str, destination: str, volume: str) -> Outcome:
    """Data that must outlive the container (a registry's storage) sits in a volume with a name."""
    fix = f"mount it with `-v {volume}:{destination}` (NAME:PATH; a name, not a path, on the left)"
    mount = require_mount(ctx.require_container(container), destination, fix)
    if mount.type != "volume":
        return fail(f"{destination} is a {mount.type} mount of {mount.source}, not a named volume.", fix)
    if mount.name != volume:
        return fail(f"{destination} is {volume_words(mount)}, not the volume {volume!r}.", fix)
    return ok(f"volume {volume} → {destination}.")


@kind(
    "bind_mount_live", "a new file in the folder mounted at {destination} is served live on port {port}", behaviour=True
)
def bind_mount_live(ctx: CheckContext, *, container: str, destination: str, port: int, timeout: float = 8.0) -> Outcome:
    """Write a fresh file into the host folder, fetch it through the published port, then remove it."""
    info = ctx.require_container(container)
    mount = info.mount_at(destination)
    if mount is None or mount.type != "bind":
        return fail(
            f"No host folder is bind-mounted at {destination}, so a new file on the host cannot appear inside.",
            f'add `-v "$PWD/FOLDER":{destination}`',
        )
    if not info.running:
        return fail(f"It is not running: {diagnosis(ctx, container)}", "start it detached with `-d`")
    folder = Path(mount.source)
    name = f"course-live-{secrets.token_hex(4)}.txt"
    token = secrets.token_hex(8)
    probe = folder / name
    try:
        probe.write_text(token, encoding="utf-8")
    except OSError as exc:
        return fail(
            f"Could not write a test file into {folder}: {exc.strerror}.",
            "bind a folder you own, e.g. under workspace/",
        )
    url = f"http://127.0.0.1:{port}/{name}"
    try:
        polled = wait_for_http(url, timeout=timeout, accept=lambda a: a.status == 200 and token in a.body)
    finally:
        probe.unlink(missing_ok=True)
    if polled.ok:
        return ok(f"a file written just now into {folder} was served at {url}.")
    seen = f"it answered {polled.last.status}" if polled.last.status else f"no answer ({polled.last.error})"
    return fail(
        f"A file written just now into {folder} was not served at {url}: {seen}.",
        f"serve {destination} and publish the server's port on {port}",
    )
