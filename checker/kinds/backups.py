"""Check kinds about data that leaves a container: a backup archive on the host, its restore into a new volume,
and a file a container wrote through a bind mount that outlived it.
"""

from __future__ import annotations

import re

from checker.context import CheckContext
from checker.facts.volumes import archive_members, member_under, one_folder_too_deep, parse_checksums
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.volumes import require_volume
from checker.kinds.workspace import require_answer
from checker.probes import run_probe

SPLIT = "--course-split--"
CHECKSUMS = 'cd {folder} && find . -type f | sort | while read -r f; do md5sum "$f"; done'


@kind("archive_holds", N_("{path} is a tar archive holding {members}"))
def archive_holds(ctx: CheckContext, *, path: str, members: list[str]) -> Outcome:
    """Read the archive on the host: the backup must have left the throwaway container."""
    target = ctx.path(path)
    if not target.is_file():
        return fail(
            _("{path} does not exist yet.").format(path=path),
            _('the container must write it into a host folder bind-mounted into it (`-v "$PWD/…":/backup`)'),
        )
    found = archive_members(target)
    if found is None:
        return fail(
            _("{path} is not a tar archive.").format(path=path),
            _("create it with `tar cf /backup/FILE.tar …` inside the container"),
        )
    missing = [m for m in members if member_under(found, m) is None]
    if missing:
        shown = ", ".join(found[:8]) or _("no files")
        return fail(
            _("{path} lacks {missing}; it holds: {shown}.").format(path=path, missing=", ".join(missing), shown=shown),
            _("archive the folder where the volume is mounted (`tar cf /backup/FILE.tar -C /data .`)"),
        )
    return ok(_("it holds {members}.").format(members=", ".join(member_under(found, m) or m for m in members)))


@kind("volumes_match", N_("volume {volume} holds the same files as {original}"), behaviour=True)
def volumes_match(ctx: CheckContext, *, volume: str, original: str) -> Outcome:
    """One probe mounts both volumes read-only and compares every file's path and checksum."""
    require_volume(ctx, original)
    require_volume(ctx, volume)
    script = f"{CHECKSUMS.format(folder='/original')}; echo {SPLIT}; {CHECKSUMS.format(folder='/copy')}"
    probe = run_probe(
        ctx,
        ["sh", "-c", script],
        volumes={original: {"bind": "/original", "mode": "ro"}, volume: {"bind": "/copy", "mode": "ro"}},
    )
    before, _split, after = probe.output.partition(SPLIT)
    wanted, found = parse_checksums(before), parse_checksums(after)
    if not wanted:
        return fail(
            _("The volume {volume!r} holds no files to compare with.").format(volume=original),
            _("run the exercise's setup again"),
        )
    if not found:
        return fail(
            _("The volume {volume!r} is empty.").format(volume=volume),
            _("extract the archive into it (`tar xf … -C /MOUNTPOINT`)"),
        )
    deeper = one_folder_too_deep(found, wanted)
    if deeper:
        example = next(iter(sorted(wanted)))
        return fail(
            _(
                "{volume!r} holds {deeper}/{example} where {original!r} has {example}: the files are one folder too "
                "deep, because the archive kept its top folder {deeper}/."
            ).format(volume=volume, deeper=deeper, example=example, original=original),
            _(
                "extract it from `/` (`tar xf … -C /`), or drop that folder (`--strip-components=1`), "
                "or archive with `-C /{deeper} .`"
            ).format(deeper=deeper),
        )
    missing = sorted(set(wanted) - set(found))
    if missing:
        return fail(
            _("{volume!r} lacks {missing} (it holds: {found}).").format(
                volume=volume, missing=", ".join(missing[:6]), found=", ".join(sorted(found)[:6])
            )
        )
    changed = sorted(path for path in wanted if found[path] != wanted[path])
    if changed:
        return fail(
            _("{changed} in {volume!r} differ from {original!r}: is the archive an old one?").format(
                changed=", ".join(changed[:6]), volume=volume, original=original
            )
        )
    return ok(
        _("all {count} files of {original} are in {volume}, byte for byte.").format(
            count=len(wanted), original=original, volume=volume
        )
    )


@kind("file_spans_containers", N_("{path} holds lines from at least {at_least} different containers"))
def file_spans_containers(ctx: CheckContext, *, path: str, pattern: str, at_least: int = 2, fix: str = "") -> Outcome:
    """Lines a container appends to a file that lives outside it, each with its container's ID (`pattern`'s group):
    several IDs in one file prove the data outlived the containers that wrote it."""
    content = require_answer(ctx, path, N_("start the service: its command writes it"))
    seen: list[str] = []
    for match in re.finditer(pattern, content):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    if len(seen) < at_least:
        lines = len(content.strip().splitlines())
        who = _("only {names}").format(names=", ".join(seen)) if seen else _("none")
        return fail(
            _(
                "{path} has {lines} line(s), from {count} container(s) ({who}), expected at least {at_least}: no new "
                "container found the data an earlier one had left."
            ).format(path=path, lines=lines, count=len(seen), who=who, at_least=at_least),
            _(fix),
        )
    return ok(_("{count} containers wrote to it in turn: {names}.").format(count=len(seen), names=", ".join(seen)))
