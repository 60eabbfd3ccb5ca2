"""Check kinds about who a container's process is, and what it may write in a bind-mounted folder.

Everything is judged as the container sees it (numeric ids from `stat` inside it) or by behaviour (a write as
the container's own user), never by host uids: on a rootless daemon container uids map to the host's subuids,
so the host shows other numbers for the same files.
"""

from __future__ import annotations

import secrets
import shlex

from checker.context import CheckContext
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.volumes import LOOK_INSIDE, WRITE_INSIDE, require_running
from checker.probes import exec_in

WORLD_WRITE = 0o002


@kind("container_user", N_("container {container} runs as user {user}"))
def container_user(ctx: CheckContext, *, container: str, user: str) -> Outcome:
    configured = ctx.require_container(container).config.get("User") or ""
    fix = _("`--user {user}` (user and group: numbers need no account in the image)").format(user=user)
    if configured == user:
        return ok(_("it runs as {user}.").format(user=user))
    if not configured or configured.split(":")[0] in ("0", "root"):
        return fail(_("It runs as root (no `--user`): what it writes belongs to root."), fix)
    if ":" not in configured and ":" in user:
        return fail(
            _("It runs as {configured!r} with no group, so its group is root (0), not {group}.").format(
                configured=configured, group=user.split(":")[1]
            ),
            fix,
        )
    return fail(_("It runs as {configured!r}, not {user!r}.").format(configured=configured, user=user), fix)


def stat_in(ctx: CheckContext, container: str, path: str, fields: str) -> str:
    seen = exec_in(ctx, container, f"stat -c {shlex.quote(fields)} {shlex.quote(path)}")
    return seen.output.strip() if seen.exit_code == 0 else ""


@kind("path_owner", N_("inside {container}, {path} belongs to {owner}"), behaviour=True)
def path_owner(ctx: CheckContext, *, container: str, path: str, owner: str) -> Outcome:
    """`stat` inside the container: the numeric owner as the container sees it, on any daemon."""
    require_running(ctx, container, LOOK_INSIDE)
    seen = stat_in(ctx, container, path, "%u:%g")
    if not seen:
        return fail(
            _("There is no {path} inside {container}.").format(path=path, container=container),
            _("its command must write it"),
        )
    if seen != owner:
        return fail(
            _("{path} belongs to {seen} inside {container}, not {owner}.").format(
                path=path, seen=seen, container=container, owner=owner
            ),
            _("run it with `--user {owner}`").format(owner=owner),
        )
    return ok(_("{path} belongs to {owner}.").format(path=path, owner=owner))


@kind(
    "user_can_write",
    N_("the user {container} runs as can write into {folder}, which is not world-writable"),
    behaviour=True,
)
def user_can_write(ctx: CheckContext, *, container: str, folder: str) -> Outcome:
    """A write as the container's own user (exec keeps `--user`), then the folder's mode: 777 is no fix."""
    require_running(ctx, container, WRITE_INSIDE)
    target = f"{folder}/.course-write-{secrets.token_hex(4)}"
    tried = exec_in(ctx, container, f"touch {shlex.quote(target)} && rm -f {shlex.quote(target)}")
    described = stat_in(ctx, container, folder, "%u:%g %a")
    if tried.exit_code != 0:
        return fail(
            _(
                "Its user cannot write into {folder} ({output}); inside the container the folder "
                "belongs to {described} (owner:group mode)."
            ).format(folder=folder, output=tried.output.strip()[-120:], described=described or "?"),
            _("give the folder to that user: a throwaway root container can `chown` it"),
        )
    mode = int(described.split()[-1], 8) if described else 0
    if mode & WORLD_WRITE:
        return fail(
            _(
                "{folder} is world-writable (mode {mode}): every user of every container, and of the "
                "host, may write and delete there."
            ).format(folder=folder, mode=described.split()[-1]),
            _("give it to the container's user (`chown UID:GID`) and keep its mode at 755 (or 775 for a group)"),
        )
    return ok(_("it can, and {folder} is {described} (owner:group mode).").format(folder=folder, described=described))
