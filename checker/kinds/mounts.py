"""Check kinds about what a container mounts: host folders (binds) and named volumes."""

from __future__ import annotations

import secrets
from pathlib import Path

from checker.context import CheckContext
from checker.facts.containers import Container, Mount
from checker.facts.http import wait_for_http
from checker.facts.logs import diagnosis
from checker.facts.volumes import ANONYMOUS, is_anonymous
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.outcome import Unmet


def require_mount(info: Container, destination: str, hint: str, where: str = "") -> Mount:
    """The mount at `destination`, or end the check naming the mounts there are."""
    mount = info.mount_at(destination)
    if mount is None:
        found = ", ".join(m.destination for m in info.mounts) or _("none")
        message = _("Nothing is mounted at {destination}{where} (mounts: {found}).")
        raise Unmet(fail(message.format(destination=destination, where=where, found=found), hint))
    return mount


def volume_words(mount: Mount) -> str:
    """How to name the volume a mount uses: anonymous ones have only a random name."""
    return _(ANONYMOUS) if is_anonymous(mount.name) else _("the volume {name!r}").format(name=mount.name)


@kind("mount_is_bind", N_("container {container} bind-mounts a host folder at {destination}"))
def mount_is_bind(
    ctx: CheckContext, *, container: str, destination: str, source: str | None = None, read_only: bool | None = None
) -> Outcome:
    add_bind = _("add `{option}`").format(option=f'-v "$PWD/FOLDER":{destination}')
    mount = require_mount(ctx.require_container(container), destination, add_bind)
    if mount.type != "bind":
        return fail(
            _("{destination} is a {type} mount, not a bind mount of a host folder.").format(
                destination=destination, type=mount.type
            ),
            _('give the host side as an absolute path, e.g. "$PWD/site"'),
        )
    if source is not None and mount.source != str(ctx.path(source)):
        return fail(
            _("{destination} is bound to {source}, expected {expected}.").format(
                destination=destination, source=mount.source, expected=ctx.path(source)
            ),
            _("bind `{source}`").format(source=f'"$PWD/{source}"'),
        )
    if read_only is not None and mount.rw == read_only:
        return fail(
            _("The mount is read-write.") if mount.rw else _("The mount is read-only."),
            _("add `:ro`") if read_only else _("drop `:ro`"),
        )
    return ok(f"{mount.source} → {destination}.")


@kind("mount_is_named_volume", N_("container {container} keeps {destination} in the named volume {volume}"))
def mount_is_named_volume(ctx: CheckContext, *, container: str, destination: str, volume: str) -> Outcome:
    """Data that must outlive the container (a registry's storage) sits in a volume with a name."""
    fix = _("mount it with `-v {volume}:{destination}` (NAME:PATH; a name, not a path, on the left)").format(
        volume=volume, destination=destination
    )
    mount = require_mount(ctx.require_container(container), destination, fix)
    if mount.type != "volume":
        return fail(
            _("{destination} is a {type} mount of {source}, not a named volume.").format(
                destination=destination, type=mount.type, source=mount.source
            ),
            fix,
        )
    if mount.name != volume:
        return fail(
            _("{destination} is {mount}, not the volume {volume!r}.").format(
                destination=destination, mount=volume_words(mount), volume=volume
            ),
            fix,
        )
    return ok(_("volume {volume} → {destination}.").format(volume=volume, destination=destination))


@kind(
    "bind_mount_live",
    N_("a new file in the folder mounted at {destination} is served live on port {port}"),
    behaviour=True,
)
def bind_mount_live(ctx: CheckContext, *, container: str, destination: str, port: int, timeout: float = 8.0) -> Outcome:
    """Write a fresh file into the host folder, fetch it through the published port, then remove it."""
    info = ctx.require_container(container)
    mount = info.mount_at(destination)
    if mount is None or mount.type != "bind":
        return fail(
            _(
                "No host folder is bind-mounted at {destination}, so a new file on the host cannot appear inside."
            ).format(destination=destination),
            _("add `{option}`").format(option=f'-v "$PWD/FOLDER":{destination}'),
        )
    if not info.running:
        return fail(
            _("It is not running: {diagnosis}").format(diagnosis=diagnosis(ctx, container)),
            _("start it detached with `-d`"),
        )
    folder = Path(mount.source)
    name = f"course-live-{secrets.token_hex(4)}.txt"
    token = secrets.token_hex(8)
    probe = folder / name
    try:
        probe.write_text(token, encoding="utf-8")
    except OSError as exc:
        return fail(
            _("Could not write a test file into {folder}: {error}.").format(folder=folder, error=exc.strerror),
            _("bind a folder you own, e.g. under workspace/"),
        )
    url = f"http://127.0.0.1:{port}/{name}"
    try:
        polled = wait_for_http(url, timeout=timeout, accept=lambda a: a.status == 200 and token in a.body)
    finally:
        probe.unlink(missing_ok=True)
    if polled.ok:
        return ok(_("a file written just now into {folder} was served at {url}.").format(folder=folder, url=url))
    seen = (
        _("it answered {status}").format(status=polled.last.status)
        if polled.last.status
        else _("no answer ({error})").format(error=polled.last.error)
    )
    return fail(
        _("A file written just now into {folder} was not served at {url}: {seen}.").format(
            folder=folder, url=url, seen=seen
        ),
        _("serve {destination} and publish the server's port on {port}").format(destination=destination, port=port),
    )
