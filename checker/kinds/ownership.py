"""Check kinds about who a container's process is, and what it may write in a bind-mounted folder.

Everything is judged as the container sees it (numeric ids from `stat` inside it) or by behaviour (a write as
the container's own user), never by host uids: on a rootless daemon container uids map to the host's subuids,
so the host shows other numbers for the same files.
"""

from __future__ import annotations

import secrets
import shlex

from checker.context import CheckContext
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.volumes import require_running
from checker.probes import exec_in

WORLD_WRITE = 0o002


@kind("container_user", "container {container} runs as user {user}")
def container_user(ctx: CheckContext, *, container: str, user: str) -> Outcome:
    configured = ctx.require_container(container).config.get("User") or ""
    fix = f"`--user {user}` (user and group: numbers need no account in the image)"
    if configured == user:
        return ok(f"it runs as {user}.")
    if not configured or configured.split(":")[0] in ("0", "root"):
        return fail("It runs as root (no `--user`): what it writes belongs to root.", fix)
    if ":" not in configured and ":" in user:
        return fail(
            f"It runs as {configured!r} with no group, so its group is root (0), not {user.split(':')[1]}.", fix
        )
    return fail(f"It runs as {configured!r}, not {user!r}.", fix)


def stat_in(ctx: CheckContext, container: str, path: str, fields: str) -> str:
    seen = exec_in(ctx, container, f"stat -c {shlex.quote(fields)} {shlex.quote(path)}")
    return seen.output.strip() if seen.exit_code == 0 else ""


@kind("path_owner", "inside {container}, {path} belongs to {owner}", behaviour=True)
def path_owner(ctx: CheckContext, *, container: str, path: str, owner: str) -> Outcome:
    """`stat` inside the container: the numeric owner as the container sees it, on any daemon."""
    require_running(ctx, container, "look inside")
    seen = stat_in(ctx, container, path, "%u:%g")
    if not seen:
        return fail(f"There is no {path} inside {container}.", "its command must write it")
    if seen != owner:
        return fail(f"{path} belongs to {seen} inside {container}, not {owner}.", f"run it with `--user {owner}`")
    return ok(f"{path} belongs to {owner}.")


@kind(
    "user_can_write",
    "the user {container} runs as can write into {folder}, which is not world-writable",
    behaviour=True,
)
def user_can_write(ctx: CheckContext, *, container: str, folder: str) -> Outcome:
    """A write as the container's own user (exec keeps `--user`), then the folder's mode: 777 is no fix."""
    require_running(ctx, container, "write inside")
    target = f"{folder}/.course-write-{secrets.token_hex(4)}"
    tried = exec_in(ctx, container, f"touch {shlex.quote(target)} && rm -f {shlex.quote(target)}")
    described = stat_in(ctx, container, folder, "%u:%g %a")
    if tried.exit_code != 0:
        return fail(
            f"Its user cannot write into {folder} ({tried.output.strip()[-120:]}); inside the container the folder "
            f"belongs to {described or '?'} (owner:group mode).",
            "give the folder to that user: a throwaway root container can `chown` it",
        )
    mode = int(described.split()[-1], 8) if described else 0
    if mode & WORLD_WRITE:
        return fail(
            f"{folder} is world-writable (mode {described.split()[-1]}): every user of every container, and of the "
            "host, may write and delete there.",
            "give it to the container's user (`chown UID:GID`) and keep its mode at 755 (or 775 for a group)",
        )
    return ok(f"it can, and {folder} is {described} (owner:group mode).")
