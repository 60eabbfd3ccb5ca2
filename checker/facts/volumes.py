"""A volume as `docker volume inspect` describes it."""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from checker.facts.containers import Container, Mount
from checker.i18n import N_, _

ANONYMOUS = N_("an anonymous volume (a new, empty one for every new container)")  # shown as _(ANONYMOUS)


def is_anonymous(volume_name: str) -> bool:
    """Docker names a volume nobody named with 64 hex digits."""
    return bool(re.fullmatch(r"[0-9a-f]{64}", volume_name))


@dataclass(frozen=True)
class Volume:
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.raw.get("Name", ""))

    @property
    def labels(self) -> dict[str, str]:
        return self.raw.get("Labels") or {}

    @property
    def compose_volume(self) -> str:
        """The key under the compose file's `volumes:` that made it ("" if Compose did not)."""
        return self.labels.get("com.docker.compose.volume", "")


# ---------------------------------------------------------------- chapter 8: tmpfs, files in volumes, archives


def tmpfs_destinations(container: Container) -> set[str]:
    """Where a container has a tmpfs: `--tmpfs PATH` (HostConfig.Tmpfs) and `--mount type=tmpfs` (Mounts)."""
    flagged = set((container.host_config.get("Tmpfs") or {}).keys())
    return flagged | {m.destination for m in container.mounts if m.type == "tmpfs"}


def mount_words(mount: Mount) -> str:
    """What a mount is, in a learner's words: the kind of mount and where its data lives."""
    if mount.type == "volume":
        return _(ANONYMOUS) if is_anonymous(mount.name) else _("the volume {name!r}").format(name=mount.name)
    if mount.type == "bind":
        return _("a bind mount of the host folder {source}").format(source=mount.source)
    return _("a {type} mount").format(type=mount.type)


_STAT_TIME = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))? ([+-]\d\d)(\d\d)$")


def parse_stat_time(text: str) -> datetime | None:
    """`stat -c %y` (`2026-12-01 06:51:14.429774064 +0000`) as an aware datetime, to the microsecond."""
    match = _STAT_TIME.match(text.strip())
    if not match:
        return None
    day, time_of_day, fraction, hours, minutes = match.groups()
    return datetime.fromisoformat(f"{day}T{time_of_day}.{(fraction or '0')[:6].ljust(6, '0')}{hours}:{minutes}")


def parse_checksums(output: str) -> dict[str, str]:
    """`md5sum` lines (`DIGEST  ./PATH`) as path → digest, paths without their leading `./`."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        digest, _, path = line.strip().partition("  ")
        if re.fullmatch(r"[0-9a-f]{32}", digest) and path:
            found[path.removeprefix("./")] = digest
    return found


def one_folder_too_deep(found: dict[str, str], wanted: dict[str, str]) -> str | None:
    """The folder every wanted file sits under in `found` (`data/` for `data/x` where `x` was wanted), or None:
    the classic restore of an archive that kept its top folder."""
    for prefix in {path.split("/", 1)[0] for path in found if "/" in path}:
        moved = {path.split("/", 1)[1]: digest for path, digest in found.items() if path.startswith(prefix + "/")}
        if wanted and all(moved.get(path) == digest for path, digest in wanted.items()):
            return prefix
    return None


def archive_members(path: Path) -> list[str] | None:
    """The regular files a tar archive (plain or compressed) holds, without a leading `./`; None if it is not one."""
    try:
        with tarfile.open(path) as archive:
            return [m.name.removeprefix("./") for m in archive.getmembers() if m.isfile()]
    except (tarfile.TarError, OSError, EOFError):
        return None


def member_under(members: list[str], wanted: str) -> str | None:
    """The member that is `wanted`, directly or under one top folder (`data/2024/x` for `2024/x`)."""
    return next((m for m in members if m == wanted or m.endswith("/" + wanted)), None)


def users_of(containers: list[dict[str, Any]], *, volume: str | None = None, folder: str | None = None) -> list[str]:
    """Names (with their state) of the containers in a `docker ps -a` listing that mount the volume or folder."""
    users = []
    for summary in containers:
        for mount in summary.get("Mounts") or []:
            if (volume and mount.get("Name") == volume) or (folder and mount.get("Source") == folder):
                users.append(f"{summary['Names'][0].lstrip('/')} ({summary.get('State', '?')})")
                break
    return users
